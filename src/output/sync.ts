/** FileSet <-> disk. build writes only files whose bytes changed, each atomically, deletes the
 * files it wrote before and no longer produces, and never touches files it does not own. The
 * manifest in the output folder records what it owns.
 *
 * The output folder is untrusted (a pull request can put links, FIFOs or folders anywhere in it):
 * every path is looked at part by part without following links (disk.ts), a path that is not a
 * regular file in real folders is refused before anything in place changes (new files wait in a
 * staging folder until every path checked out), one build at a time holds the folder's lock
 * (lock.ts), and leftover temp files and staging folders of interrupted builds are removed. */
import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { SVCSPEC_VERSION } from "../util/version.js";
import { type FileSet, type FileSink, isSafeRelative } from "./fileset.js";
import { attempt, createExclusive, findTempFiles, failure, folderMaker, inspect, inspector, inspectRoot, nodeFs, type OutputFs, OutputFsError, readRegular, replaceFile, unlinkQuietly } from "./disk.js";
import { loadStatCache, type StatCache } from "./stat-cache.js";
import type { Entry } from "./disk.js";
import { acquireLock, LOCK, LockHeldError, LockRefusedError, lockState } from "./lock.js";

export const MANIFEST = ".svcspec-manifest.json";
/** A manifest larger than this is not svcspec's. */
const MANIFEST_LIMIT = 16 << 20;

export interface Manifest {
  generatedBy: "svcspec";
  /** The svcspec version that wrote the folder: here, not in each file's header. */
  version: string;
  /** Paths relative to the output folder, sorted. */
  files: string[];
}

export function manifestText(files: Iterable<string>): string {
  const m: Manifest = { generatedBy: "svcspec", version: SVCSPEC_VERSION, files: [...files].sort() };
  return JSON.stringify(m, null, 2) + "\n";
}

/** A manifest entry must stay inside the output folder (fileset.ts). */
export { isSafeRelative };

export interface OutputOptions {
  /** How diagnostics name the output folder (the `--out` argument); the absolute path by default. */
  label?: string;
  /** The file-system calls (a seam for tests). */
  fs?: OutputFs;
}

export interface Drift {
  /** Produced but absent on disk. */
  added: string[];
  /** On disk with other bytes. */
  changed: string[];
  /** Owned (in the manifest), still on disk, no longer produced. */
  orphaned: string[];
  /** Among `changed`: files svcspec did not write (absent from the manifest). build refuses to
   * overwrite them without `force`. */
  unowned: string[];
  /** Temp files of interrupted builds and a lock no live build holds: build removes them. */
  leftovers: string[];
  /** Manifest entries ignored because they point outside the output folder. */
  warnings: Diagnostic[];
}

export function isStale(d: Drift): boolean {
  return d.added.length + d.changed.length + d.orphaned.length + d.leftovers.length > 0;
}

/** The output folder cannot be read or written as asked: located diagnostics, nothing thrown
 * past the CLI. `partial`: some files were already replaced (each one whole). */
export class OutputError extends Error {
  constructor(
    readonly diagnostics: Diagnostic[],
    readonly partial = false,
  ) {
    super(diagnostics.map((d) => `${d.file}: ${d.message}`).join("\n"));
  }
}

export class UnownedFilesError extends Error {
  constructor(readonly paths: string[]) {
    super(`refusing to overwrite files svcspec did not write: ${paths.join(", ")}`);
  }
}

interface Context {
  io: OutputFs;
  root: string;
  label: string;
}

function contextOf(outDir: string, o: OutputOptions): Context {
  return { io: o.fs ?? nodeFs, root: outDir, label: o.label ?? outDir };
}

const at = (c: Context, rel: string) => (rel ? `${c.label}/${rel}` : c.label);

function refusedPath(c: Context, rel: string, part: string, what: string, role: "generated" | "owned" | "manifest" | "lock"): Diagnostic {
  const whose = { generated: "is a path svcspec generates", owned: "is listed in the manifest as a file svcspec wrote", manifest: "is svcspec's manifest", lock: "is the lock svcspec build takes" }[role];
  const where = part === rel ? `${at(c, rel)} ${whose}, but it is ${what}` : `${at(c, rel)} ${whose}, but ${at(c, part)} is ${what}`;
  const hint =
    what === "a symbolic link"
      ? `svcspec never follows a link inside ${c.label}/ (it could lead outside): replace ${at(c, part)} by a real ${part === rel ? "file" : "folder"} or delete it`
      : `svcspec reads and replaces only regular files: move ${at(c, part)} away${role === "owned" ? `, or drop the entry from ${at(c, MANIFEST)}` : ""}`;
  return { code: "SVC110", severity: "error", message: `refusing ${where}`, file: at(c, part), line: 0, col: 0, hint };
}

/** An OutputFsError as a diagnostic with the hint for its cause. */
export function fsDiagnostic(label: string, e: OutputFsError): Diagnostic {
  const file = e.path ? `${label}/${e.path}` : label;
  const hints: Record<string, string> = {
    EACCES: `make ${label}/ writable for this user: files are replaced by a rename, so their folder needs write permission too`,
    EPERM: `make ${label}/ writable for this user (an immutable or append-only attribute also refuses writes)`,
    EROFS: `the file system is mounted read-only: build into a writable folder with --out`,
    ENOSPC: `free some space, then run svcspec build again: each file is either as it was or complete, and the next build finishes the job`,
    EDQUOT: `free some of the quota, then run svcspec build again: each file is either as it was or complete`,
  };
  const hint = hints[e.code] ?? `check ${file}; the next build retries every file that is not up to date`;
  return { code: "SVC112", severity: "error", message: `cannot ${e.op} ${file}: ${e.detail}`, file, line: 0, col: 0, hint };
}

interface Inspection extends Drift {
  refused: Diagnostic[];
  /** The files the manifest on disk lists (read once per command). */
  owned: string[];
}

interface InspectOptions {
  locked?: boolean;
  /** build: what it saw of each file it wrote or compared last time; a file whose stat is the same
   * is not read back (stat-cache.ts). check passes none and reads every file. */
  seen?: StatCache;
  /** What to do with a file that differs from the disk (added or changed), once it is known to:
   * build stages it (writes it aside), check with --diff keeps it. */
  differs?: (path: string, content: string, digest: string | undefined, kind: "added" | "changed" | "unowned") => void;
}

/** The files the manifest lists, and its bytes (null when absent or refused). */
function readManifestAt(c: Context, refused: Diagnostic[], warnings: Diagnostic[]): { owned: string[]; bytes: Buffer | null } {
  const none = { owned: [], bytes: null };
  const e = inspect(c.io, c.root, MANIFEST);
  if (e.kind === "absent") return none;
  if (e.kind === "refused") {
    refused.push(refusedPath(c, MANIFEST, e.at, e.what, "manifest"));
    return none;
  }
  if (e.size > MANIFEST_LIMIT) {
    refused.push({ code: "SVC110", severity: "error", message: `refusing ${at(c, MANIFEST)}: ${e.size} bytes is not a manifest svcspec wrote`, file: at(c, MANIFEST), line: 0, col: 0, hint: `delete ${at(c, MANIFEST)}; svcspec build then asks before overwriting files it no longer knows it wrote (--force)` });
    return none;
  }
  const bytes = readRegular(c.io, join(c.root, MANIFEST), MANIFEST, MANIFEST_LIMIT);
  let files: unknown;
  try {
    files = (JSON.parse(bytes?.toString("utf8") ?? "") as Partial<Manifest>).files;
  } catch {
    return { owned: [], bytes };
  }
  if (!Array.isArray(files)) return { owned: [], bytes };
  const out: string[] = [];
  for (const f of files) {
    if (typeof f !== "string") continue;
    if (isSafeRelative(f)) out.push(f);
    else warnings.push({ code: "SVC113", severity: "warning", message: `manifest entry ${JSON.stringify(f)} points outside ${c.label}/; ignored`, file: at(c, MANIFEST), line: 0, col: 0, hint: "svcspec only ever deletes files inside the output folder; the next build drops the entry" });
  }
  return { owned: [...new Set(out)], bytes };
}

/** A comparison of the output folder with files handed to it one at a time (`add`, in any order),
 * reading nothing that is not a regular file in real folders; `finish` then compares the manifest,
 * finds the orphans and the leftovers. Memory holds paths, never the files' contents. */
interface Inspector {
  /** Whether the disk already holds the file of this SHA-256 at `path` (build: the stat cache vouches
   * for it; check: its bytes hash to it); such a file may then be added without its content. */
  holds(path: string, digest: string): boolean;
  add(path: string, content: string | undefined, digest?: string): void;
  /** The paths added so far, in the order they came. */
  readonly paths: readonly string[];
  /** Whether some path was refused already (nothing more needs staging). */
  refusing(): boolean;
  finish(): Inspection;
}

function inspectOutput(c: Context, o: InspectOptions = {}): Inspector {
  const added: string[] = [];
  const changed: string[] = [];
  const refused: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  const paths: string[] = [];
  const produced = new Set<string>();
  const root = inspectRoot(c.io, c.root, "");
  if (root !== "folder") {
    if (root !== "absent") refused.push({ code: "SVC110", severity: "error", message: `refusing the output folder ${c.label}: it is ${root.what}`, file: c.label, line: 0, col: 0, hint: root.what === "a symbolic link" ? "svcspec writes only into a real folder: pass the link's target as --out, or replace the link by a folder" : "pass --out <folder>, a folder or a name that does not exist yet" });
    return {
      holds: () => false,
      add(path, content) {
        paths.push(path);
        // (build creates the root before it looks, so only check gets here with an absent root)
        if (root === "absent" && content !== undefined) o.differs?.(path, content, undefined, "added");
      },
      paths,
      refusing: () => refused.length > 0,
      finish() {
        if (root === "absent") o.differs?.(MANIFEST, manifestText(paths), undefined, "added");
        return { added: [MANIFEST, ...paths].sort(), changed, orphaned: [], unowned: [], leftovers: [], warnings, refused, owned: [] };
      },
    };
  }
  const manifest = readManifestAt(c, refused, warnings);
  const { owned } = manifest;
  const ownedSet = new Set(owned);
  const look = inspector(c.io, c.root);
  // what holds() found, for the add() that follows it
  const held = new Map<string, Entry>();
  const holds = (path: string, digest: string): boolean => {
    const e = look(path);
    if (e.kind !== "file") return false;
    // the stat cache first (no read); else the bytes, hashed (cheaper than generating the file)
    const yes = o.seen?.vouches(path, e, undefined, digest) || (sameDigest(c, path, e.size, digest) && (o.seen?.record(path, e, undefined, digest), true));
    if (yes) held.set(path, e);
    return yes;
  };
  const compare = (path: string, content: string, digest: string | undefined) => {
    const e = look(path);
    if (e.kind === "absent") {
      added.push(path);
      return o.differs?.(path, content, digest, "added");
    }
    if (e.kind === "refused") {
      if (path !== MANIFEST) refused.push(refusedPath(c, path, e.at, e.what, "generated"));
      return;
    }
    if (o.seen?.vouches(path, e, content, digest)) return;
    if (sameBytes(c, path, e.size, content)) return void o.seen?.record(path, e, content, digest);
    changed.push(path);
    o.differs?.(path, content, digest, path === MANIFEST || ownedSet.has(path) ? "changed" : "unowned");
  };
  return {
    holds,
    add(path, content, digest) {
      // compileInto refuses a path produced twice (and a FileSet cannot hold one)
      produced.add(path);
      paths.push(path);
      if (content !== undefined) return compare(path, content, digest);
      // without its content: a file holds() said the disk has, looked at once
      if (!held.delete(path) && !(digest !== undefined && holds(path, digest) && held.delete(path))) throw new Error(`internal: ${path} was handed on without its content, but the output does not hold it`);
    },
    paths,
    refusing: () => refused.length > 0,
    finish() {
      // The manifest was read above: compared from those bytes, not read again.
      const text = manifestText(paths);
      if (manifest.bytes === null) compare(MANIFEST, text, undefined);
      else if (!manifest.bytes.equals(Buffer.from(text, "utf8"))) {
        changed.push(MANIFEST);
        o.differs?.(MANIFEST, text, undefined, "changed");
      }
      const orphaned: string[] = [];
      for (const path of owned) {
        if (produced.has(path) || path === MANIFEST) continue;
        const e = look(path);
        if (e.kind === "file") orphaned.push(path);
        else if (e.kind === "refused") refused.push(refusedPath(c, path, e.at, e.what, "owned"));
      }
      const unowned = changed.filter((p) => p !== MANIFEST && !ownedSet.has(p)).sort();
      const folderOf = (p: string) => p.split("/").slice(0, -1).join("/");
      const leftovers = [...findTempFiles(c.io, c.root, [MANIFEST, ...paths, ...owned].map(folderOf)), ...findStaging(c.io, c.root, o.locked ? stagingOf(c) : null)];
      // A build holding the lock itself does not count it as a leftover.
      const lock = o.locked ? null : lockState(c.io, c.root);
      if (lock?.kind === "stale") leftovers.push(LOCK);
      if (lock?.kind === "refused") refused.push(refusedPath(c, LOCK, LOCK, lock.what, "lock"));
      return { added: added.sort(), changed: changed.sort(), orphaned: orphaned.sort(), unowned, leftovers: leftovers.sort(), warnings, refused, owned };
    },
  };
}

/** Whether the regular file at `path` (of `size` bytes) hashes to `digest`: check's test of a file
 * whose content compile() did not read from the cache. */
function sameDigest(c: Context, path: string, size: number, digest: string): boolean {
  const have = readRegular(c.io, join(c.root, path), path, size + 1);
  return have !== null && createHash("sha256").update(have).digest("hex") === digest;
}

function sameBytes(c: Context, path: string, size: number, content: string): boolean {
  const want = Buffer.from(content, "utf8");
  if (size !== want.length) return false;
  const have = readRegular(c.io, join(c.root, path), path, size + 1);
  return have !== null && have.equals(want);
}

function guarded<T>(c: Context, f: () => T, partial: () => boolean = () => false): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof OutputFsError) throw new OutputError([fsDiagnostic(c.label, e)], partial());
    if (e instanceof LockHeldError) {
      const who = e.holder ? `svcspec build (process ${e.holder.pid} on ${e.holder.host})` : "a svcspec build that is starting";
      throw new OutputError([{ code: "SVC111", severity: "error", message: `${c.label}/ is locked by ${who}`, file: at(c, LOCK), line: 0, col: 0, hint: `wait for that build to finish and run this one again; if no build is running, delete ${at(c, LOCK)}` }]);
    }
    if (e instanceof LockRefusedError) throw new OutputError([refusedPath(c, LOCK, LOCK, e.what, "lock")]);
    throw e;
  }
}

/** A file set handed to the output stage one file at a time (in any order): compileInto's sink,
 * which always answers `holds`. */
export type OutputSink = Required<FileSink>;

/** check: compares the files added with what is on disk, the manifest included; `finish` returns
 * the drift and, with `keep`, the contents of the files that differ (for --diff; the manifest
 * among them when it does). Throws OutputError when a path is refused or cannot be read. */
export function openDrift(outDir: string, options: OutputOptions & { keep?: boolean } = {}): OutputSink & { finish(): Drift & { contents: Map<string, string> } } {
  const c = contextOf(outDir, options);
  const contents = new Map<string, string>();
  // a build that holds the folder at the start or at the end of the comparison (which lasts as long
  // as the generation does) is reported as such, not as the stale files it is writing
  const notBusy = () => {
    const busy = buildInProgress(outDir, options);
    if (busy) throw new OutputError([busy]);
  };
  notBusy();
  const look = guarded(c, () => inspectOutput(c, options.keep ? { differs: (path: string, content: string) => void contents.set(path, content) } : {}));
  return {
    holds: (path, digest) => guarded(c, () => look.holds(path, digest)),
    add: (path, content, digest) => guarded(c, () => look.add(path, content, digest)),
    finish: () =>
      guarded(c, () => {
        notBusy();
        const { refused, owned: _, ...d } = look.finish();
        if (refused.length) throw new OutputError(refused);
        return { ...d, contents };
      }),
  };
}

/** Compares what would be written with what is on disk, the manifest included (openDrift over a
 * whole file set). Throws OutputError when a path is refused or cannot be read. */
export function drift(outDir: string, files: FileSet, options: OutputOptions = {}): Drift {
  const d = openDrift(outDir, options);
  for (const [path, content] of files) d.add(path, content, undefined);
  const { contents: _, ...result } = d.finish();
  return result;
}

/** What a check of the folder finds while a build holds it: null when no live build does. */
export function buildInProgress(outDir: string, options: OutputOptions = {}): Diagnostic | null {
  const c = contextOf(outDir, options);
  return guarded(c, () => {
    if (inspectRoot(c.io, c.root, "") !== "folder") return null;
    const lock = lockState(c.io, c.root);
    if (lock.kind !== "held") return null;
    const who = lock.holder ? `process ${lock.holder.pid}` : "a build that is starting";
    return { code: "SVC111", severity: "error", message: `${c.label}/ is being written by svcspec build (${who})`, file: at(c, LOCK), line: 0, col: 0, hint: "run check again when the build is done" };
  });
}

/** The current bytes of an output file as text for a diff, or "" when absent or not a regular file. */
export function readOutputText(outDir: string, rel: string, options: OutputOptions = {}): string {
  const c = contextOf(outDir, options);
  try {
    const e = inspect(c.io, c.root, rel);
    if (e.kind !== "file" || e.size > MANIFEST_LIMIT) return "";
    return readRegular(c.io, join(c.root, rel), rel, e.size)?.toString("utf8") ?? "";
  } catch {
    return "";
  }
}

export interface SyncResult extends Drift {
  unchanged: number;
}

export interface SyncOptions extends OutputOptions {
  force?: boolean;
  /** Where build keeps what it saw of the files it wrote (stat-cache.ts); none: every file is read
   * and compared, as check does. */
  statCache?: string;
}

/** The folder a build stages its new files in, inside the output folder (so that a rename moves
 * each into place): `.svcspec-staging-<hex>`, made when the first file differs. */
const STAGING = /^\.svcspec-staging-[0-9a-f]+$/;

/** Staging folders other builds left (killed before they finished), but `own`. */
function findStaging(io: OutputFs, root: string, own: string | null): string[] {
  try {
    return io.readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory() && STAGING.test(d.name) && d.name !== own).map((d) => d.name);
  } catch {
    return [];
  }
}

/** A staging folder's name for this build of `c` (one per build: a Context is made per command). */
const stagingNames = new WeakMap<Context, string>();
function stagingOf(c: Context): string {
  let name = stagingNames.get(c);
  if (!name) stagingNames.set(c, (name = `.svcspec-staging-${randomBytes(8).toString("hex")}`));
  return name;
}

/** A leftover: a temp file or a stale lock (unlinked), or a staging folder (its files, then itself;
 * unlink never follows a link, and a folder inside is left, so nothing outside it is touched). */
function removeLeftover(c: Context, rel: string): void {
  if (!STAGING.test(rel)) return unlinkQuietly(c.io, join(c.root, rel));
  const dir = join(c.root, rel);
  try {
    for (const d of c.io.readdirSync(dir, { withFileTypes: true })) unlinkQuietly(c.io, join(dir, d.name));
    c.io.rmdirSync(dir);
  } catch {
    // not ours to insist on: the next build tries again
  }
}

/** Brings the output folder to the files added to it, holding its lock from `openSync` to `commit`
 * or `abort`. Each file that differs from the disk is written at once, whole, into a staging folder
 * inside the output folder, and only its path and digest are kept, so memory never holds the file
 * set; nothing in place changes until `commit`, which first checks every path (a refused path or,
 * without `force`, a file svcspec did not write: nothing changes, the staging folder goes), then
 * writes the manifest with the union of old and new files, renames each staged file over its
 * target (a reader never sees half a file), deletes the orphans and writes the manifest with the
 * new files, so an interrupted build still knows every file it owns. Throws UnownedFilesError
 * (nothing written) or OutputError. */
export function openSync(outDir: string, options: SyncOptions = {}): OutputSink & { commit(): SyncResult; abort(): void } {
  const c = contextOf(outDir, options);
  let written = false;
  let release: () => void = () => undefined;
  let look: Inspector;
  let seen: StatCache | undefined;
  const staged = new Map<string, { tmp: string; digest: string }>();
  let staging: string | null = null;
  let count = 0;
  let stop = false;
  let created = false;
  guarded(c, () => {
    const root = inspectRoot(c.io, c.root, "");
    if (root === "absent") {
      try {
        c.io.mkdirSync(c.root, { recursive: true });
      } catch (e) {
        throw failure("", "create", e);
      }
      created = true;
    }
    // A refused root is reported by inspectOutput before a lock is created inside it.
    release = root === "folder" || root === "absent" ? acquireLock(c.io, c.root) : () => undefined;
    try {
      seen = options.statCache ? loadStatCache(options.statCache, c.root) : undefined;
      look = inspectOutput(c, { locked: true, ...(seen ? { seen } : {}), differs: stage });
    } catch (e) {
      release();
      throw e;
    }
  });
  function stage(path: string, content: string, digest: string | undefined, kind: "added" | "changed" | "unowned"): void {
    // once a path is refused, or (without --force) a file svcspec did not write would be
    // overwritten, the build fails: nothing more is worth writing
    if (kind === "unowned" && !options.force) stop = true;
    if (path === MANIFEST || stop || look?.refusing()) return;
    const bytes = Buffer.from(content, "utf8");
    if (staging === null) {
      const name = stagingOf(c);
      attempt(path, "write", () => c.io.mkdirSync(join(c.root, name)));
      staging = name;
    }
    const tmp = join(c.root, staging, `${count++}.svcspec-${randomBytes(8).toString("hex")}.tmp`);
    createExclusive(c.io, tmp, path, bytes, "write");
    staged.set(path, { tmp, digest: digest ?? createHash("sha256").update(bytes).digest("hex") });
  }
  const clear = () => {
    if (staging !== null) removeLeftover(c, staging);
    staging = null;
    staged.clear();
  };
  const abort = () => {
    clear();
    release();
    release = () => undefined;
    // a folder this build made for nothing goes again (only if empty: rmdir removes nothing else)
    if (created && !written) {
      try {
        c.io.rmdirSync(c.root);
      } catch {
        // not empty or gone: left as it is
      }
    }
  };
  return {
    holds: (path, digest) =>
      guarded(c, () => {
        try {
          return look.holds(path, digest);
        } catch (e) {
          abort();
          throw e;
        }
      }),
    add: (path, content, digest) =>
      guarded(c, () => {
        try {
          look.add(path, content, digest);
        } catch (e) {
          abort();
          throw e;
        }
      }),
    abort,
    commit: () =>
      guarded(
        c,
        () => {
          try {
            const { refused, owned, ...d } = look.finish();
            if (refused.length) throw new OutputError(refused);
            if (d.unowned.length && !options.force) throw new UnownedFilesError(d.unowned);
            for (const t of d.leftovers) removeLeftover(c, t);
            const makeFolders = folderMaker(c.io, c.root);
            const writeManifest = (files: Iterable<string>) => {
              replaceFile(c.io, join(c.root, MANIFEST), MANIFEST, Buffer.from(manifestText(files), "utf8"));
              written = true;
            };
            // Nothing to rename or delete and the manifest as it should be: it is not written again.
            const still = !d.added.length && !d.changed.length && !d.orphaned.length;
            // Record ownership of the new files before writing them: a crash in between leaves
            // orphans the next build can clean up, never unknown files.
            if (!still) writeManifest(new Set([...owned, ...look.paths]));
            for (const path of [...d.added, ...d.changed]) {
              if (path === MANIFEST) continue;
              const s = staged.get(path);
              if (!s) throw new Error(`internal: ${path} differs from the disk but was not staged`);
              makeFolders(path.split("/").slice(0, -1).join("/"), path);
              attempt(path, "write", () => c.io.renameSync(s.tmp, join(c.root, path)));
              written = true;
              // Its folders were just checked (or made) by makeFolders: one lstat of the file itself.
              if (seen) {
                const st = attempt(path, "write", () => c.io.lstatSync(join(c.root, path)));
                if (st.isFile()) seen.record(path, { kind: "file", size: st.size, ino: st.ino, ctimeMs: st.ctimeMs }, "", s.digest);
              }
            }
            for (const path of d.orphaned) {
              // checked above to be a regular file in real folders
              try {
                c.io.unlinkSync(join(c.root, path));
              } catch (e) {
                if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw failure(path, "delete", e);
              }
              written = true;
              removeEmptyParents(c, path);
            }
            if (!still) writeManifest(look.paths);
            seen?.save(look.paths);
            // Counted like the file set: the generated files, without the manifest.
            const rewritten = [...d.added, ...d.changed].filter((p) => p !== MANIFEST).length;
            return { ...d, unchanged: look.paths.length - rewritten };
          } finally {
            abort();
          }
        },
        () => written,
      ),
  };
}

/** Brings the output folder to the file set (openSync over a whole file set). */
export function sync(outDir: string, files: FileSet, options: SyncOptions = {}): SyncResult {
  const s = openSync(outDir, options);
  try {
    for (const [path, content] of files) s.add(path, content, undefined);
  } catch (e) {
    s.abort();
    throw e;
  }
  return s.commit();
}

/** Removes the folders an orphan leaves empty, up to (not including) the output folder. */
function removeEmptyParents(c: Context, rel: string): void {
  const parts = rel.split("/").slice(0, -1);
  while (parts.length) {
    const dir = join(c.root, ...parts);
    try {
      if (!c.io.lstatSync(dir).isDirectory() || c.io.readdirSync(dir, { withFileTypes: true }).length) return;
      c.io.rmdirSync(dir);
    } catch {
      return;
    }
    parts.pop();
  }
}

/** Writes a file outside the output folder (`svcspec bundle`'s artefacts) through an exclusive
 * temp file and a rename. Throws OutputFsError. */
export function atomicWrite(path: string, content: string | Uint8Array, io: OutputFs = nodeFs): void {
  const data = typeof content === "string" ? Buffer.from(content, "utf8") : content;
  const dir = join(path, "..");
  try {
    io.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw failure(path, "write", e);
  }
  replaceFile(io, path, path, data);
}
