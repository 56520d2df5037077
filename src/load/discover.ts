import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import { basename, dirname, join, relative, sep } from "node:path";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { INPUT_LIMITS } from "./bounds.js";
import type { SourceFile } from "./source.js";

/** Spec files are `*.yaml` / `*.yml`, in any letter case (`.YAML` from Windows tools too). */
export const SPEC_FILE = /\.ya?ml$/i;

export interface ReadSpec {
  sources: SourceFile[];
  /** Files or folders that could not be read: located to the path, never thrown. */
  problems: Diagnostic[];
}

/** Reads a spec folder (every spec file under it, recursively, in byte order of their path inside
 * the folder; hidden entries such as `.git` skipped) or one spec file. Headers name a file by the
 * folder's own name plus its path inside (`spec/services/checkout.yaml`); a single file by its
 * folder's name and its own. */
export function readSpec(specPath: string, cwd: string): ReadSpec {
  const problems: Diagnostic[] = [];
  const single = isFile(specPath);
  const root = single ? dirname(specPath) : specPath;
  const rootName = basename(root.replace(/[\\/]+$/, "")) || "spec";
  const files = single ? [specPath] : listSpecFiles(specPath, cwd, problems);
  const sources = files
    .map((abs) => ({ abs, rel: toPosix(relative(root, abs)) }))
    .sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))
    .flatMap(({ abs, rel }): SourceFile[] => {
      const path = toPosix(relative(cwd, abs)) || rel;
      try {
        return [{ path, name: `${rootName}/${rel}`, text: readBounded(abs).replace(/^\uFEFF/, "") }];
      } catch (e) {
        problems.push(unreadable(path, e));
        return [];
      }
    });
  return { sources, problems };
}

/** A spec file's text, or its first bytes past the size bound (INPUT_LIMITS.fileBytes): enough for
 * the bound's diagnostic at its place, without reading gigabytes into memory first. */
function readBounded(abs: string): string {
  const fd = openSync(abs, "r");
  try {
    const limit = INPUT_LIMITS.fileBytes + 4;
    if (fstatSync(fd).size <= limit) return readFileSync(fd, "utf8");
    const buf = Buffer.alloc(limit);
    let n = 0;
    for (let got = -1; got !== 0 && n < limit; n += got) got = readSync(fd, buf, n, limit - n, n);
    return buf.subarray(0, n).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/** The files of a spec folder; unreadable entries are reported, never thrown. */
export function readSpecFolder(specDir: string, cwd: string): SourceFile[] {
  return readSpec(specDir, cwd).sources;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function listSpecFiles(dir: string, cwd: string, problems: Diagnostic[]): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    problems.push(unreadable(toPosix(relative(cwd, dir)) || dir, e));
    return [];
  }
  const out: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    const abs = join(dir, entry.name);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      try {
        const target = statSync(abs);
        isDir = target.isDirectory();
        isFile = target.isFile();
      } catch (e) {
        // a dangling link or a loop: only worth a word when it looks like a spec file or folder
        if (SPEC_FILE.test(entry.name) || (e as NodeJS.ErrnoException).code === "ELOOP") problems.push(unreadable(toPosix(relative(cwd, abs)), e));
        continue;
      }
    }
    if (isDir) out.push(...listSpecFiles(abs, cwd, problems));
    else if (!SPEC_FILE.test(entry.name)) continue;
    // a FIFO or a device would block or never end: only regular files are read
    else if (isFile) out.push(abs);
    else problems.push({ ...unreadable(toPosix(relative(cwd, abs)), null), message: `${toPosix(relative(cwd, abs))} is not a regular file` });
  }
  return out;
}

function unreadable(path: string, e: unknown): Diagnostic {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  const why =
    code === "EACCES" || code === "EPERM"
      ? "cannot be read: permission denied"
      : code === "ELOOP"
        ? "is a symbolic link that loops"
        : code === "ENOENT"
          ? "is a symbolic link to nothing"
          : code === "EISDIR"
            ? "is a folder, not a file"
            : `cannot be read (${code ?? String(e)})`;
  return { code: "SVC009", severity: "error", message: `${path} ${why}`, file: path, line: 0, col: 0, hint: "fix or remove it: every spec file under the folder is read" };
}

function toPosix(p: string): string {
  return sep === "/" ? p : p.split(sep).join("/");
}
