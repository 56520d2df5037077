/** The generation cache on disk, called by the CLI (compile() only sees data): the services are
 * spread over shards by the hash of their name (about SERVICES_PER_FILE each, a power of two of
 * them), one file per shard, `<cache>/generate/<shards>-<shard>-<sha256 of its keys>.json`, holding
 * its services' entries (one per target), read when compile() comes to the shard and written as soon
 * as it is done with it (atomically: a temporary file renamed), and one file of the cross-service
 * manifests' entries, `manifests-<sha256 of its keys>.json`, and one of the whole-Model outputs',
 * `cross-<sha256 of its keys>.json`; the folder pruned to the files of the
 * last build. A file's name only says which shard and set of keys it was written for: every
 * entry inside names its own key and is verified as it is used. Creating a file costs more than
 * writing its bytes here (~0.35 ms each on this project's CI disk): one file per entry, 6,000 at
 * 1,000 services, cost a cold build ~4.7 s; one per service 1,000 files, ~0.35 s; one per shard 64. Reading trusts nothing (src/cache/generation.ts verifies every
 * entry); a folder that cannot be read is an empty cache, one that cannot be written a warning. */
import { createHash } from "node:crypto";
import { type Dirent, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { packageRoot } from "../util/package-root.js";
import { SVCSPEC_VERSION } from "../util/version.js";
import { type GenerationCache, sha256, splitEntries, splitKeyed } from "./generation.js";
import { splitVerdicts, type ValidationCache } from "./validation.js";

const ENTRY_NAME = /^[1-9][0-9]*-[0-9]+-[0-9a-f]{64}\.json$/;
/** The file of the cross-service manifests' entries: `manifests-<sha256 of its keys>.json`. */
const MANIFESTS_NAME = /^manifests-[0-9a-f]{64}\.json$/;
/** The file of the whole-Model outputs' entries: `cross-<sha256 of its keys>.json`. */
const CROSS_NAME = /^cross-[0-9a-f]{64}\.json$/;
/** The file of the validation cache's entries (src/cache/validation.ts): `verdicts-<sha256 of its keys>.json`. */
const VERDICTS_NAME = /^verdicts-[0-9a-f]{64}\.json$/;
const isCacheFile = (name: string) => ENTRY_NAME.test(name) || MANIFESTS_NAME.test(name) || CROSS_NAME.test(name) || VERDICTS_NAME.test(name);

export function generationCacheDir(cacheDir: string): string {
  return join(cacheDir, "generate");
}

let identity: string | null = null;

/** svcspec's identity for the cache key: its version, a digest of its own code and assets (dist/,
 * src/, generators/ under the package root: a change of code with the same version number is
 * another identity), the versions of its dependencies as installed, and Node's version and its ICU
 * and time-zone data (validation asks ICU which zones exist). Once per process. */
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
  // the runtime too: which time zones validation accepts is ICU's data (Intl), not svcspec's code
  h.update(`node\0${process.version}\0${process.versions.icu ?? "-"}\0${process.versions.tz ?? "-"}\0`);
  return (identity = `${SVCSPEC_VERSION}+${h.digest("hex").slice(0, 32)}`);
}

/** About this many services share a file: few enough that one changed service rewrites little. */
export const SERVICES_PER_FILE = 16;

/** The shards of services by name: a power of two of them (`count`), a service in shard
 * `sha256(name) mod count`, and the index of each non-empty shard's services (in the Model's order),
 * by shard. A service stays in its shard while the number of shards stays (it doubles as the
 * organisation grows past a power of two). */
export function shardsOf(names: readonly string[]): { count: number; shards: { shard: number; services: number[] }[] } {
  let count = 1;
  while (count * SERVICES_PER_FILE < names.length) count *= 2;
  const byShard: number[][] = Array.from({ length: count }, () => []);
  names.forEach((name, i) => byShard[parseInt(sha256(name).slice(0, 8), 16) % count]!.push(i));
  return { count, shards: byShard.flatMap((services, shard) => (services.length ? [{ shard, services }] : [])) };
}

/** The keys of each non-empty shard, a shard's services in the Model's order. */
export function shardKeys(services: readonly { name: string; keys: readonly string[] }[]): string[][] {
  return shardsOf(services.map((s) => s.name)).shards.map(({ services: members }) => members.flatMap((i) => services[i]!.keys));
}

/** The name of a shard's file: which shard of how many, and a digest of the keys it was written for. */
export function shardFileName(count: number, shard: number, keys: readonly string[]): string {
  return `${count}-${shard}-${sha256(keys.join("\n"))}.json`;
}

/** The generation cache folder for one compile: its shards as compile()'s groups, each shard's file
 * read when its turn comes (regular files named as shardFileName names them only: no link is
 * followed, nothing else is opened; a missing or unreadable file is a miss), and, when `write`,
 * each shard's file written as soon as the shard is done if one of its entries was recomputed or
 * it has no file under the name of its keys (atomically; its other entries are the texts read and
 * verified). `finish` then removes every other file of the folder (old files, files that are not
 * the cache's), except other processes' temporary files, and returns a warning when the folder
 * could not be written. When the number of shards changed since the last build (the organisation
 * passed a power of two of 16 services), no file is named for the new shards: that build is a cold
 * one (reading every old file instead would hold the whole cache in memory at once). */
export function openGenerationCache(dir: string, version: string, write: boolean): GenerationCache & ValidationCache & { finish(): string | null } {
  let listed: Dirent[] = [];
  try {
    listed = readdirSync(dir, { withFileTypes: true });
  } catch {
    // no folder yet, or not one we can read: an empty cache
  }
  // regular files only: loading reads no other kind, so a folder or link under a shard's name is replaced
  const present = new Set(listed.filter((d) => d.isFile() && isCacheFile(d.name)).map((d) => d.name));
  let count = 1;
  let shardOfGroup: number[] = [];
  const byShard = new Map<string, string[]>();
  const open = new Map<number, ReadonlyMap<string, string>>();
  const keep = new Set<string>();
  let failure: string | null = null;
  let prepared = false;
  const read = (names: readonly string[], split: (text: string) => Map<string, string> = splitEntries): Map<string, string> => {
    const out = new Map<string, string>();
    for (const name of names) {
      try {
        for (const [key, text] of split(readFileSync(join(dir, name), "utf8"))) out.set(key, text);
      } catch {
        // unreadable: misses
      }
    }
    return out;
  };
  const prepare = () => {
    if (prepared) return;
    mkdirSync(dir, { recursive: true });
    const ignore = join(dir, "..", ".gitignore");
    if (!existsSync(ignore)) writeFileSync(ignore, "# svcspec's cache: safe to delete\n*\n");
    prepared = true;
  };
  /** One file of entries named by the digest of their keys, written unless it is there and nothing is new. */
  const storeKeyed = (prefix: string, entries: ReadonlyMap<string, string>, made: boolean) => {
    if (!write || failure || !entries.size) return;
    const keys = [...entries.keys()].sort();
    const name = `${prefix}-${sha256(keys.join("\n"))}.json`;
    keep.add(name);
    if (present.has(name) && !made) return;
    try {
      prepare();
      const file = join(dir, name);
      const part = `${file}.${process.pid}.part`;
      writeFileSync(part, `${keys.map((k) => entries.get(k)!).join("\n")}\n`);
      renameSync(part, file);
    } catch (e) {
      fail(e);
    }
  };
  const fail = (e: unknown) => (failure = `⚠ the generation cache ${dir} could not be written (${(e as NodeJS.ErrnoException).code ?? String(e)}): the output is complete, the next build recomputes what it would have held\n`);
  return {
    version,
    groups(names) {
      const plan = shardsOf(names);
      count = plan.count;
      shardOfGroup = plan.shards.map((s) => s.shard);
      for (const name of present) {
        if (!ENTRY_NAME.test(name)) continue;
        const [c, shard] = name.split("-");
        if (Number(c) !== count) continue;
        byShard.set(shard!, [...(byShard.get(shard!) ?? []), name]);
      }
      return plan.shards.map((s) => s.services);
    },
    entries(g) {
      const entries = read(byShard.get(String(shardOfGroup[g])) ?? []);
      if (write) open.set(g, entries);
      return entries;
    },
    store(g, services) {
      const known = open.get(g);
      open.delete(g);
      if (!write || failure) return;
      const keys = services.flatMap((s) => s.keys);
      const name = shardFileName(count, shardOfGroup[g]!, keys);
      keep.add(name);
      // a shard whose file is there under the name of its keys, none of them recomputed, is as written
      if (present.has(name) && services.every((s) => s.fresh.size === 0)) return;
      try {
        prepare();
        const text = services.flatMap((s) => s.keys.map((k) => s.fresh.get(k) ?? known!.get(k)!));
        const file = join(dir, name);
        const part = `${file}.${process.pid}.part`;
        writeFileSync(part, `${text.join("\n")}\n`);
        renameSync(part, file);
      } catch (e) {
        fail(e);
      }
    },
    manifests() {
      return read([...present].filter((n) => MANIFESTS_NAME.test(n)));
    },
    storeManifests(entries, made) {
      storeKeyed("manifests", entries, made);
    },
    crossOutputs() {
      return read([...present].filter((n) => CROSS_NAME.test(n)), (text) => splitKeyed(text, 2));
    },
    storeCrossOutputs(entries, made) {
      storeKeyed("cross", entries, made);
    },
    verdicts() {
      return read([...present].filter((n) => VERDICTS_NAME.test(n)), splitVerdicts);
    },
    storeVerdicts(entries, made) {
      storeKeyed("verdicts", entries, made);
    },
    finish() {
      if (!write || failure) return failure;
      // what was there before this build wrote (its own files are all kept)
      for (const { name } of listed) {
        if (isCacheFile(name) ? keep.has(name) : name.endsWith(".part")) continue;
        try {
          unlinkSync(join(dir, name));
        } catch {
          // a folder under that name, or gone already: the next build tries again
        }
      }
      return null;
    },
  };
}
