/** FileSet <-> disk. build writes only files whose bytes changed, each atomically, deletes the
 * files it wrote before and no longer produces, and never touches files it does not own. The
 * manifest in the output folder records what it owns. */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmdirSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { SVCSPEC_VERSION } from "../util/version.js";
import type { FileSet } from "./fileset.js";

export const MANIFEST = ".svcspec-manifest.json";

export interface Manifest {
  generatedBy: "svcspec";
  /** The svcspec version that wrote the folder: here, not in each file's header. */
  version: string;
  /** Paths relative to the output folder, sorted. */
  files: string[];
}

export function readManifest(outDir: string): string[] {
  const p = join(outDir, MANIFEST);
  if (!existsSync(p)) return [];
  try {
    const m = JSON.parse(readFileSync(p, "utf8")) as Partial<Manifest>;
    return Array.isArray(m.files) ? m.files.filter((f): f is string => typeof f === "string" && isSafeRelative(f)) : [];
  } catch {
    return [];
  }
}

export function manifestText(files: Iterable<string>): string {
  const m: Manifest = { generatedBy: "svcspec", version: SVCSPEC_VERSION, files: [...files].sort() };
  return JSON.stringify(m, null, 2) + "\n";
}

/** A manifest entry must stay inside the output folder, whatever a hand-edited manifest says. */
function isSafeRelative(p: string): boolean {
  return !p.startsWith("/") && !p.split("/").includes("..") && !p.includes("\\") && p.length > 0;
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
}

export function isStale(d: Drift): boolean {
  return d.added.length + d.changed.length + d.orphaned.length > 0;
}

function readIfExists(p: string): string | null {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return null;
  }
}

/** Compares what would be written with what is on disk, the manifest included. */
export function drift(outDir: string, files: FileSet): Drift {
  const added: string[] = [];
  const changed: string[] = [];
  const expected = new Map(files);
  expected.set(MANIFEST, manifestText(files.keys()));
  for (const [path, content] of expected) {
    const current = readIfExists(join(outDir, path));
    if (current === null) added.push(path);
    else if (current !== content) changed.push(path);
  }
  const owned = readManifest(outDir);
  const orphaned = owned.filter((p) => !files.has(p) && existsSync(join(outDir, p)));
  const unowned = changed.filter((p) => p !== MANIFEST && !owned.includes(p));
  return { added, changed, orphaned, unowned };
}

export interface SyncResult extends Drift {
  unchanged: number;
}

/** Brings the output folder to the file set. Writes go to a temp file in the same folder and are
 * renamed over the target, so a reader never sees half a file; the manifest is written last, so
 * an interrupted build still knows every file it owns. */
export class UnownedFilesError extends Error {
  constructor(readonly paths: string[]) {
    super(`refusing to overwrite files svcspec did not write: ${paths.join(", ")}`);
  }
}

export function sync(outDir: string, files: FileSet, options: { force?: boolean } = {}): SyncResult {
  const d = drift(outDir, files);
  if (d.unowned.length && !options.force) throw new UnownedFilesError(d.unowned);
  const previouslyOwned = readManifest(outDir);
  // Record ownership of the new files before writing them: a crash in between leaves orphans the
  // next build can clean up, never unknown files.
  const owned = new Set([...previouslyOwned, ...files.keys()]);
  mkdirSync(outDir, { recursive: true });
  atomicWrite(join(outDir, MANIFEST), manifestText(owned));
  for (const path of [...d.added, ...d.changed]) {
    if (path === MANIFEST) continue;
    atomicWrite(join(outDir, path), files.get(path) ?? "");
  }
  for (const path of d.orphaned) {
    unlinkSync(join(outDir, path));
    removeEmptyParents(outDir, dirname(join(outDir, path)));
  }
  atomicWrite(join(outDir, MANIFEST), manifestText(files.keys()));
  // Counted like `files`: the generated files, without the manifest.
  const rewritten = [...d.added, ...d.changed].filter((p) => p !== MANIFEST).length;
  return { ...d, unchanged: files.size - rewritten };
}

/** Writes through a temporary file and a rename, so a reader never sees half a file; a text
 * already on disk with the same content is left alone. */
export function atomicWrite(path: string, content: string | Uint8Array): void {
  if (typeof content === "string" && readIfExists(path) === content) return;
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.svcspec-${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

function removeEmptyParents(root: string, dir: string): void {
  let d = dir;
  while (d.startsWith(root) && d !== root && readdirSync(d).length === 0) {
    rmdirSync(d);
    d = dirname(d);
  }
}
