/** The unit of output: every file a compile produces, by path relative to the output folder. */
export interface GeneratedFile {
  /** Relative POSIX path inside the output folder, e.g. `docs/checkout.md`. */
  path: string;
  content: string;
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
