/** What build saw of the files it wrote, so the next build knows an unchanged file without reading
 * it back: per path the inode, size, change time and modification time of the file as it was
 * after svcspec wrote (or compared) it, and the SHA-256 of its bytes. A file whose stat is exactly
 * the same still holds those bytes: any write, rename or `touch` changes its ctime, which no user
 * call can set back, and a replaced file has another inode. Anything else is read and compared.
 *
 * The cache is a hint, never the truth: it lives outside the output folder (the committed
 * manifest cannot vouch for bytes on disk: a checkout or pull rewrites it after a local edit), a
 * missing, corrupt, foreign or stale cache only means more files are read, and `check` never
 * uses it. As in Git's index, an entry whose ctime is in the same clock tick as the cache's own
 * save ("racy") is not trusted: a write right after svcspec looked might not have moved it.
 * What it cannot see: another process writing into out/ between svcspec's rename of a file and
 * its stat of it (microseconds, while build holds the folder's lock), or rewriting a staged file
 * in out/.svcspec-staging-<hex>/ while the build runs (its bytes are not compared before the
 * rename); `check` still would. */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { SVCSPEC_VERSION } from "../util/version.js";
import { type Entry, nodeFs, replaceFile } from "./disk.js";

type FileEntry = Extract<Entry, { kind: "file" }>;
/** [ino, size, ctimeMs, sha256] */
type Seen = [number, number, number, string];

interface CacheFile {
  svcspec: string;
  /** The output folder it describes (absolute). */
  root: string;
  /** Date.now() when it was written: entries changed at or after this (less a tick) are racy. */
  savedAt: number;
  files: Record<string, Seen>;
}

/** Coarser than any file-system clock tick Linux uses (jiffies at 100 Hz: 10 ms). */
const RACY_MS = 20;
const LIMIT = 256 << 20;

export interface StatCache {
  /** Whether the file at `path`, as `entry` stats it, holds `content` (no read). `digest`: the
   * content's SHA-256 when the caller has it (then the content is not hashed again, and may be
   * left out: the digest alone vouches). */
  vouches(path: string, entry: FileEntry, content: string | undefined, digest?: string): boolean;
  /** The file at `path` was just written or found to hold `content` (of SHA-256 `digest`, when known). */
  record(path: string, entry: FileEntry, content: string | undefined, digest?: string): void;
  /** Writes the cache for these paths (the file set), unless it would say what the file on disk
   * says (every path vouched for as it was, none recorded anew); a failure only loses the hint. */
  save(paths: Iterable<string>): void;
}

const sha256 = (content: string) => createHash("sha256").update(content, "utf8").digest("hex");

function valid(x: unknown): x is Seen {
  return Array.isArray(x) && x.length === 4 && typeof x[0] === "number" && typeof x[1] === "number" && typeof x[2] === "number" && typeof x[3] === "string";
}

/** The cache file for an output folder in the svcspec cache folder. */
export function statCachePath(cacheDir: string, outRoot: string): string {
  return join(cacheDir, "output", `${sha256(outRoot).slice(0, 16)}.json`);
}

/** The cache at `file` for the output folder `root`; empty when absent or not one svcspec wrote
 * for this folder and version. */
export function loadStatCache(file: string, root: string, now: () => number = Date.now): StatCache {
  let old: Record<string, Seen> = {};
  let savedAt = 0;
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8").slice(0, LIMIT)) as Partial<CacheFile>;
    if (parsed.svcspec === SVCSPEC_VERSION && parsed.root === root && typeof parsed.savedAt === "number" && parsed.files && typeof parsed.files === "object") {
      old = parsed.files;
      savedAt = parsed.savedAt;
    }
  } catch {
    // no cache or not one we can read: every file is read and compared
  }
  const fresh = new Map<string, Seen>();
  let recorded = false;
  return {
    vouches(path, e, content, digest) {
      const s = Object.hasOwn(old, path) ? old[path] : undefined;
      if (!valid(s) || s[0] !== e.ino || s[1] !== e.size || s[2] !== e.ctimeMs || e.ctimeMs >= savedAt - RACY_MS) return false;
      // The size first: most changes change it, and it costs no hashing.
      if (content !== undefined && Buffer.byteLength(content, "utf8") !== e.size) return false;
      if ((digest ?? (content === undefined ? "" : sha256(content))) !== s[3]) return false;
      fresh.set(path, s);
      return true;
    },
    record(path, e, content, digest) {
      const d = digest ?? (content === undefined ? undefined : sha256(content));
      if (d !== undefined) fresh.set(path, [e.ino, e.size, e.ctimeMs, d]);
      recorded = true;
    },
    save(paths) {
      const kept = [...paths].filter((p) => fresh.has(p));
      // each entry vouched for is the one on disk: the same count is the same file (and its
      // savedAt still right for them); writing 20 MB at 10,000 services would say nothing new
      if (!recorded && savedAt > 0 && kept.length === Object.keys(old).length) return;
      const files: Record<string, Seen> = {};
      for (const p of kept) files[p] = fresh.get(p)!;
      const data: CacheFile = { svcspec: SVCSPEC_VERSION, root, savedAt: now(), files };
      try {
        mkdirSync(dirname(file), { recursive: true });
        const ignore = join(dirname(dirname(file)), ".gitignore");
        if (!existsSync(ignore)) writeFileSync(ignore, "# svcspec's caches: safe to delete\n*\n");
        replaceFile(nodeFs, file, file, Buffer.from(JSON.stringify(data), "utf8"));
      } catch {
        // a read-only cache folder costs the next build some reads, nothing else
      }
    },
  };
}
