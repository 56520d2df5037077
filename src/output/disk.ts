/** The output folder on disk. A pull request can put anything there (Git stores symbolic links),
 * so nothing under the folder is reached through a link, only regular files are read, replaced or
 * deleted, and a temp file is created exclusively (O_EXCL, O_NOFOLLOW) under a random name beside
 * its target. Every call goes through `OutputFs`, so tests can inject the failures (EACCES, ENOSPC)
 * that root cannot provoke with permissions; each failure becomes an `OutputFsError` naming the
 * path, never an unexplained exception. */
import * as fs from "node:fs";
import { randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";

/** The file-system calls the output stage makes. */
export interface OutputFs {
  openSync(path: string, flags: number, mode?: number): number;
  closeSync(fd: number): void;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number;
  fstatSync(fd: number): fs.Stats;
  lstatSync(path: string): fs.Stats;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
  mkdirSync(path: string, options?: { recursive?: boolean }): unknown;
  rmdirSync(path: string): void;
  readdirSync(path: string, options: { withFileTypes: true }): fs.Dirent[];
}

export const nodeFs: OutputFs = {
  openSync: (p, f, m) => fs.openSync(p, f, m),
  closeSync: (fd) => fs.closeSync(fd),
  writeSync: (fd, b, o, l) => fs.writeSync(fd, b, o, l),
  readSync: (fd, b, o, l, p) => fs.readSync(fd, b, o, l, p),
  fstatSync: (fd) => fs.fstatSync(fd),
  lstatSync: (p) => fs.lstatSync(p),
  renameSync: (a, b) => fs.renameSync(a, b),
  unlinkSync: (p) => fs.unlinkSync(p),
  mkdirSync: (p, o) => fs.mkdirSync(p, o),
  rmdirSync: (p) => fs.rmdirSync(p),
  readdirSync: (p, o) => fs.readdirSync(p, o),
};

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY } = fs.constants;
/** Opening never follows a final symbolic link, never waits on a FIFO, never adopts a terminal. */
const READ_FLAGS = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
/** Fails (EEXIST) on any existing name, a dangling link included. */
export const CREATE_FLAGS = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;

/** A file-system call that failed, with the path relative to the output folder. */
export class OutputFsError extends Error {
  constructor(
    readonly path: string,
    readonly op: "read" | "write" | "delete" | "create",
    readonly code: string,
    readonly detail: string,
  ) {
    super(`cannot ${op} ${path}: ${detail}`);
  }
}

function errno(e: unknown): { code: string; detail: string } {
  const err = e as NodeJS.ErrnoException;
  const code = typeof err?.code === "string" ? err.code : "EIO";
  const detail = DESCRIPTIONS[code] ?? (err instanceof Error ? err.message.replace(/^[A-Z]+: /, "").replace(/, \w+ '.*'$/, "") : String(e));
  return { code, detail: `${detail} (${code})` };
}

const DESCRIPTIONS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EIO: "input/output error",
  EMFILE: "too many open files",
  ENAMETOOLONG: "name too long",
  ELOOP: "is a symbolic link",
  EISDIR: "is a folder",
  ENOTDIR: "a part of the path is not a folder",
  EEXIST: "already exists",
  EBUSY: "busy",
};

/** A failed call as an OutputFsError about `rel`. */
export function failure(rel: string, op: OutputFsError["op"], e: unknown): OutputFsError {
  if (e instanceof OutputFsError) return e;
  const { code, detail } = errno(e);
  return new OutputFsError(rel, op, code, detail);
}

/** Runs one call, turning its failure into an OutputFsError about `rel`. */
export function attempt<T>(rel: string, op: OutputFsError["op"], f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw failure(rel, op, e);
  }
}

function codeOf(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException)?.code;
}

/** What a name holds, as a person would say it. */
export function kindOf(st: fs.Stats): string {
  if (st.isSymbolicLink()) return "a symbolic link";
  if (st.isDirectory()) return "a folder";
  if (st.isFIFO()) return "a FIFO";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
  return st.isFile() ? "a file" : "not a regular file";
}

export type Entry =
  | { kind: "absent" }
  /** `ctimeMs`: the inode's last change, which no user call can set back (build trusts a file
   * whose change predates the manifest's, see sync.ts). */
  | { kind: "file"; size: number; ino: number; ctimeMs: number }
  /** `at`: the part of the path that is refused (the path itself or a folder on the way). */
  | { kind: "refused"; at: string; what: string };

/** What `rel` (a relative POSIX path) names under `root`, looking at every part of the path
 * without following a link: each folder on the way must be a real folder, and the path itself
 * absent or a regular file. */
export function inspect(io: OutputFs, root: string, rel: string): Entry {
  return inspector(io, root)(rel);
}

type FolderState = { kind: "folder" } | { kind: "absent" } | { kind: "refused"; at: string; what: string };

/** `inspect` for many paths under one root: each folder on the way is looked at once (15,000
 * files share a few thousand folders), the last part of each path every time. For one pass while
 * the caller holds the folder's lock; a folder that changes kind during the pass is the race
 * O_NOFOLLOW and the exclusive temp files still guard. */
export function inspector(io: OutputFs, root: string): (rel: string) => Entry {
  const folders = new Map<string, FolderState>();
  const folder = (at: string, rel: string): FolderState => {
    const known = folders.get(at);
    if (known) return known;
    const cut = at.lastIndexOf("/");
    const parent = cut < 0 ? ({ kind: "folder" } as const) : folder(at.slice(0, cut), rel);
    let state: FolderState;
    if (parent.kind !== "folder") state = parent;
    else {
      const st = lstatOrNull(io, join(root, at), rel);
      state = st === null ? { kind: "absent" } : st.isDirectory() ? { kind: "folder" } : { kind: "refused", at, what: kindOf(st) };
    }
    folders.set(at, state);
    return state;
  };
  return (rel) => {
    const cut = rel.lastIndexOf("/");
    const parent = cut < 0 ? ({ kind: "folder" } as const) : folder(rel.slice(0, cut), rel);
    if (parent.kind !== "folder") return parent;
    const st = lstatOrNull(io, join(root, rel), rel);
    if (st === null) return { kind: "absent" };
    if (!st.isFile()) return { kind: "refused", at: rel, what: kindOf(st) };
    return { kind: "file", size: st.size, ino: st.ino, ctimeMs: st.ctimeMs };
  };
}

function lstatOrNull(io: OutputFs, abs: string, rel: string): fs.Stats | null {
  try {
    return io.lstatSync(abs);
  } catch (e) {
    if (codeOf(e) === "ENOENT") return null;
    throw failure(rel, "read", e);
  }
}

/** The output folder itself: absent, a real folder, or refused (a link, a file). */
export function inspectRoot(io: OutputFs, root: string, label: string): "absent" | "folder" | { what: string } {
  try {
    const st = io.lstatSync(root);
    return st.isDirectory() ? "folder" : { what: kindOf(st) };
  } catch (e) {
    if (codeOf(e) === "ENOENT") return "absent";
    throw failure(label, "read", e);
  }
}

/** The bytes of a regular file, read without following a link or blocking; null when the name
 * turns out not to be a regular file after all. At most `limit` bytes are read. */
export function readRegular(io: OutputFs, abs: string, rel: string, limit: number): Buffer | null {
  let fd: number;
  try {
    fd = io.openSync(abs, READ_FLAGS);
  } catch (e) {
    if (codeOf(e) === "ELOOP" || codeOf(e) === "ENXIO") return null;
    if (codeOf(e) === "ENOENT") return null;
    throw failure(rel, "read", e);
  }
  try {
    const st = attempt(rel, "read", () => io.fstatSync(fd));
    if (!st.isFile()) return null;
    const size = Math.min(st.size, limit);
    const buf = Buffer.alloc(size);
    let off = 0;
    while (off < size) {
      const n = attempt(rel, "read", () => io.readSync(fd, buf, off, size - off, off));
      if (n === 0) break;
      off += n;
    }
    return off === size ? buf : buf.subarray(0, off);
  } finally {
    try {
      io.closeSync(fd);
    } catch {
      // a failed close of a file opened for reading loses nothing
    }
  }
}

/** Temp files of atomic writes: `<name>.svcspec-<hex>.tmp` beside the target (svcspec before 0.2
 * used the pid in place of the random hex). Leftovers of an interrupted build match this. */
export const TEMP_FILE = /\.svcspec-[0-9a-f]+\.tmp$/;

export function tempName(target: string): string {
  return join(dirname(target), `${basename(target)}.svcspec-${randomBytes(8).toString("hex")}.tmp`);
}

function writeAll(io: OutputFs, fd: number, data: Uint8Array, rel: string): void {
  let off = 0;
  while (off < data.length) off += attempt(rel, "write", () => io.writeSync(fd, data, off, data.length - off));
}

/** Creates `abs` exclusively (never through a link, never over an existing name) with `data`. */
export function createExclusive(io: OutputFs, abs: string, rel: string, data: Uint8Array, op: OutputFsError["op"] = "create"): void {
  const fd = attempt(rel, op, () => io.openSync(abs, CREATE_FLAGS, 0o666));
  try {
    writeAll(io, fd, data, rel);
  } catch (e) {
    closeQuietly(io, fd);
    unlinkQuietly(io, abs);
    throw e;
  }
  try {
    attempt(rel, op, () => io.closeSync(fd));
  } catch (e) {
    unlinkQuietly(io, abs);
    throw e;
  }
}

/** Writes `abs` through a temp file in its folder and a rename, so a reader (or a build killed at
 * any moment) sees the old bytes or the new ones, never a mix. The folder must exist and be real:
 * the caller checked every part of the path. */
export function replaceFile(io: OutputFs, abs: string, rel: string, data: Uint8Array): void {
  const tmp = tempName(abs);
  createExclusive(io, tmp, rel, data, "write");
  try {
    attempt(rel, "write", () => io.renameSync(tmp, abs));
  } catch (e) {
    unlinkQuietly(io, tmp);
    throw e;
  }
}

/** Creates the folders of `relDir` under `root` one by one, refusing any part that exists and is
 * not a real folder (a link planted there would send the writes elsewhere). */
export function ensureFolders(io: OutputFs, root: string, relDir: string, rel: string): void {
  folderMaker(io, root)(relDir, rel);
}

/** `ensureFolders` for many files of one pass: each folder is looked at (and made) once. */
export function folderMaker(io: OutputFs, root: string): (relDir: string, rel: string) => void {
  const ready = new Set<string>();
  return (relDir, rel) => {
    if (relDir === "." || relDir === "" || ready.has(relDir)) return;
    let abs = root;
    let at = "";
    for (const part of relDir.split("/")) {
      abs = join(abs, part);
      at = at ? `${at}/${part}` : part;
      if (ready.has(at)) continue;
      let st: fs.Stats | null = null;
      try {
        st = io.lstatSync(abs);
      } catch (e) {
        if (codeOf(e) !== "ENOENT") throw failure(rel, "write", e);
      }
      if (st === null) {
        try {
          io.mkdirSync(abs);
        } catch (e) {
          if (codeOf(e) !== "EEXIST") throw failure(rel, "write", e);
          st = attempt(rel, "write", () => io.lstatSync(abs));
        }
      }
      if (st !== null && !st.isDirectory()) throw new OutputFsError(rel, "write", "ENOTDIR", `${abs} is ${kindOf(st)}`);
      ready.add(at);
    }
  };
}

export function closeQuietly(io: OutputFs, fd: number): void {
  try {
    io.closeSync(fd);
  } catch {
    // already failing: the first error is the one to report
  }
}

export function unlinkQuietly(io: OutputFs, abs: string): void {
  try {
    io.unlinkSync(abs);
  } catch {
    // gone already, or the folder is not writable: the next build removes a leftover temp file
  }
}

/** Leftover temp files of interrupted builds in the given folders of `root` (relative; "" is the
 * root), as relative paths, sorted. Temp files are created beside their targets (the manifest's;
 * those of svcspec before 0.2) or in a staging folder at the root (sync.ts finds those), so the
 * folders of the generated and owned paths are all there is to look at (never the whole tree: `--out .`
 * must not walk a repository). A folder reached through a link, or that cannot be read, is
 * skipped. */
export function findTempFiles(io: OutputFs, root: string, folders: Iterable<string>): string[] {
  const out: string[] = [];
  for (const rel of new Set(folders)) {
    if (rel !== "" && inspectFolder(io, root, rel) !== "folder") continue;
    let entries: fs.Dirent[];
    try {
      entries = io.readdirSync(rel ? join(root, rel) : root, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) if ((e.isFile() || e.isSymbolicLink()) && TEMP_FILE.test(e.name)) out.push(rel ? `${rel}/${e.name}` : e.name);
  }
  return out.sort();
}

/** Whether `rel` is a real folder under `root`, reached without following a link. */
function inspectFolder(io: OutputFs, root: string, rel: string): "folder" | "other" {
  let abs = root;
  for (const part of rel.split("/")) {
    abs = join(abs, part);
    try {
      if (!io.lstatSync(abs).isDirectory()) return "other";
    } catch {
      return "other";
    }
  }
  return "folder";
}
