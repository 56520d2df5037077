/** The unit of output: every file a compile produces, by path relative to the output folder. */
export interface GeneratedFile {
  /** Relative POSIX path inside the output folder, e.g. `docs/checkout.md`. */
  path: string;
  content: string;
}

/** A path a file set may hold, whatever a hand-edited manifest or a forged cache entry says:
 * relative, no `..`, `.` or empty part, no backslash or NUL, so it stays inside the output folder. */
export function isSafeRelative(p: string): boolean {
  return p.length > 0 && !p.startsWith("/") && !/[\\\0]/.test(p) && p.split("/").every((part) => part !== "" && part !== "." && part !== "..");
}

/** Where compileInto() (src/compile.ts) hands each generated file, once, in no fixed order. `holds`: whether the
 * output already has exactly the file of this SHA-256 (build's stat cache vouches for it); a file
 * it holds may then be added without its content, so a build that changed nothing never reads the
 * cached contents. `add` may throw: compileInto stops. */
export interface FileSink {
  holds?(path: string, sha256: string): boolean;
  add(path: string, content: string | undefined, sha256: string | undefined): void;
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

/** SHA-256 digests (hex, of the UTF-8 bytes) a stage already worked out (the generation cache
 * hashes every file it stores or verifies), so a build hashes each file once. Kept beside the file
 * object with the content that was hashed: a file rebuilt from it (`{ ...f, content }`) has no
 * digest, and one whose content was changed in place has none either, so a stale digest can never
 * vouch for other bytes. */
const digests = new WeakMap<GeneratedFile, { content: string; sha256: string }>();

/** A copy of `file` that carries `sha256`, the digest of its content. */
export function withDigest(file: GeneratedFile, sha256: string): GeneratedFile {
  const out = { path: file.path, content: file.content };
  digests.set(out, { content: out.content, sha256 });
  return out;
}

/** The digest `file` carries, or undefined. */
export function digestOf(file: GeneratedFile): string | undefined {
  const d = digests.get(file);
  // the same string, so this compares pointers, not bytes
  return d !== undefined && d.content === file.content ? d.sha256 : undefined;
}

/** The digest of each file that carries one, by path. */
export function digestsOf(files: readonly GeneratedFile[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of files) {
    const d = digestOf(f);
    if (d !== undefined) out.set(f.path, d);
  }
  return out;
}
