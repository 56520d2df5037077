/** The generation cache on disk, called by the CLI (compile() only sees data): the services are
 * spread over shards by the hash of their name (about SERVICES_PER_FILE each, a power of two of
 * them), one file per shard, `<cache>/generate/<sha256 of its keys>.json`, holding its services'
 * entries (one per target), written atomically (a temporary file renamed), the folder pruned to the
 * files of the last build. A file's name only says which set of keys it was written for: every
 * entry inside names its own key and is verified as it is used. Creating a file costs more than
 * writing its bytes here (~0.35 ms each on this project's CI disk): one file per entry, 6,000 at
 * 1,000 services, cost a cold build ~4.7 s; one per service 1,000 files, ~0.35 s; one per shard 64. Reading trusts nothing (src/cache/generation.ts verifies every
 * entry); a folder that cannot be read is an empty cache, one that cannot be written a warning. */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync, existsSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { packageRoot } from "../util/package-root.js";
import { SVCSPEC_VERSION } from "../util/version.js";
import { encodeEntry, type GenerationCache, type GenerationCacheResult, sha256, splitEntries } from "./generation.js";

const ENTRY_NAME = /^[0-9a-f]{64}\.json$/;

export function generationCacheDir(cacheDir: string): string {
  return join(cacheDir, "generate");
}

let identity: string | null = null;

/** svcspec's identity for the cache key: its version, a digest of its own code and assets (dist/,
 * src/, generators/ under the package root: a change of code with the same version number is
 * another identity) and the versions of its dependencies as installed. Once per process. */
export function svcspecIdentity(): string {
  if (identity) return identity;
  const root = packageRoot();
  const h = createHash("sha256");
  const walk = (dir: string): void => {
    let names;
    try {
      names = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const d of names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const path = join(dir, d.name);
      if (d.isDirectory()) walk(path);
      else if (d.isFile()) {
        const rel = relative(root, path).split(sep).join("/");
        const bytes = readFileSync(path);
        h.update(`${rel}\0${bytes.length}\0`).update(bytes);
      }
    }
  };
  for (const folder of ["dist", "src", "generators"]) walk(join(root, folder));
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
  for (const dep of Object.keys(pkg.dependencies ?? {}).sort()) {
    let version = "?";
    try {
      version = (JSON.parse(readFileSync(join(root, "node_modules", dep, "package.json"), "utf8")) as { version: string }).version;
    } catch {
      // installed elsewhere (hoisted): the lock of the code above still names svcspec's own
    }
    h.update(`dep\0${dep}\0${version}\0`);
  }
  return (identity = `${SVCSPEC_VERSION}+${h.digest("hex").slice(0, 32)}`);
}

/** Every entry file of the folder as text (regular files named `<sha256>.json` only: no link is
 * followed, nothing else is opened). A missing or unreadable folder is an empty cache. */
export function loadGenerationCache(dir: string, version: string): GenerationCache {
  const entries = new Map<string, string>();
  let names;
  try {
    names = readdirSync(dir, { withFileTypes: true });
  } catch {
    return { version, entries };
  }
  for (const d of names) {
    if (!d.isFile() || !ENTRY_NAME.test(d.name)) continue;
    try {
      for (const [key, text] of splitEntries(readFileSync(join(dir, d.name), "utf8"))) entries.set(key, text);
    } catch {
      // unreadable: a miss
    }
  }
  return { version, entries };
}

/** About this many services share a file: few enough that one changed service rewrites little. */
export const SERVICES_PER_FILE = 16;

/** The keys of each non-empty shard, a shard's services in the Model's order. A service stays in its
 * shard while the number of shards stays (it doubles as the organisation grows past a power of two). */
export function shardKeys(services: readonly { name: string; keys: readonly string[] }[]): string[][] {
  let count = 1;
  while (count * SERVICES_PER_FILE < services.length) count *= 2;
  const shards: string[][] = Array.from({ length: count }, () => []);
  for (const s of services) shards[parseInt(sha256(s.name).slice(0, 8), 16) % count]!.push(...s.keys);
  return shards.filter((keys) => keys.length > 0);
}

/** Writes the file of every shard that has a fresh entry or no file under the name of its keys
 * (atomically; its other entries are the texts this build read and verified) and removes every
 * other file of the folder that the build did not use (old files, files that are not the cache's),
 * except other processes' temporary files. Returns a warning when the folder cannot be written,
 * null when all went well. */
export function saveGenerationCache(dir: string, result: GenerationCacheResult, read: GenerationCache): string | null {
  try {
    mkdirSync(dir, { recursive: true });
    const ignore = join(dir, "..", ".gitignore");
    if (!existsSync(ignore)) writeFileSync(ignore, "# svcspec's cache: safe to delete\n*\n");
    const keep = new Set<string>();
    const listed = readdirSync(dir, { withFileTypes: true });
    // regular files only: loading reads no other kind, so a folder or link under a shard's name is replaced
    const present = new Set(listed.filter((d) => d.isFile()).map((d) => d.name));
    for (const keys of shardKeys(result.services)) {
      const name = `${sha256(keys.join("\n"))}.json`;
      keep.add(name);
      // a shard whose file is there under the name of its keys, none of them recomputed, is as written
      if (present.has(name) && !keys.some((k) => result.fresh.has(k))) continue;
      const text = keys.map((k) => {
        const output = result.fresh.get(k);
        return output ? encodeEntry(k, result.version, output) : read.entries.get(k)!;
      });
      const file = join(dir, name);
      const part = `${file}.${process.pid}.part`;
      writeFileSync(part, `${text.join("\n")}\n`);
      renameSync(part, file);
    }
    // what was there before this build wrote (its own files are all kept)
    for (const { name } of listed) {
      if (ENTRY_NAME.test(name) ? keep.has(name) : name.endsWith(".part")) continue;
      try {
        unlinkSync(join(dir, name));
      } catch {
        // a folder under that name, or gone already: the next build tries again
      }
    }
    return null;
  } catch (e) {
    return `⚠ the generation cache ${dir} could not be written (${(e as NodeJS.ErrnoException).code ?? String(e)}): the output is complete, the next build recomputes what it would have held\n`;
  }
}
