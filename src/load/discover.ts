import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative, sep } from "node:path";
import type { SourceFile } from "./source.js";

/** Lists every `*.yaml` / `*.yml` under `specDir`, recursively, in byte order of their path inside
 * the folder, and reads them. Hidden entries (`.git`, editor backups) are skipped. */
export function readSpecFolder(specDir: string, cwd: string): SourceFile[] {
  const root = basename(specDir.replace(/[\\/]+$/, "")) || "spec";
  return listYaml(specDir)
    .map((abs) => ({ abs, rel: toPosix(relative(specDir, abs)) }))
    .sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))
    .map(({ abs, rel }) => ({
      path: toPosix(relative(cwd, abs)) || rel,
      name: `${root}/${rel}`,
      text: readFileSync(abs, "utf8").replace(/^\uFEFF/, ""),
    }));
}

function listYaml(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(".")) continue;
    const abs = join(dir, entry.name);
    const isDir = entry.isDirectory() || (entry.isSymbolicLink() && statSync(abs).isDirectory());
    if (isDir) out.push(...listYaml(abs));
    else if (/\.ya?ml$/.test(entry.name)) out.push(abs);
  }
  return out;
}

function toPosix(p: string): string {
  return sep === "/" ? p : p.split(sep).join("/");
}
