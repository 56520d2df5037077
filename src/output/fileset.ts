/** The unit of output: every file a compile produces, by path relative to the output folder. */
export interface GeneratedFile {
  /** Relative POSIX path inside the output folder, e.g. `docs/checkout.md`. */
  path: string;
  content: string;
  /** The SHA-256 (hex) of `content`'s UTF-8 bytes, when a stage has it already (the generation
   * cache hashes every file it stores or verifies): carried on so a build hashes each file once. */
  sha256?: string;
}

/** Sorted by path (byte order). */
export type FileSet = Map<string, string>;

export function toFileSet(files: readonly GeneratedFile[]): FileSet {
  const set: FileSet = new Map();
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    if (set.has(f.path)) throw new Error(`internal: two generators produce ${f.path}`);
    set.set(f.path, f.content);
  }
  return set;
}

/** The SHA-256 of each file that carries one, by path. */
export function digestsOf(files: readonly GeneratedFile[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of files) if (f.sha256 !== undefined) out.set(f.path, f.sha256);
  return out;
}
