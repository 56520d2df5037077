// build knows an unchanged file from what it saw of it last time (src/output/stat-cache.ts)
// instead of reading every file back; a file changed behind its back is still found and repaired,
// and a broken cache only costs reads, never wrong output.
import { readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { constants } from "node:fs";
import { nodeFs, type OutputFs } from "../src/output/disk.js";
import type { FileSet } from "../src/output/fileset.js";
import { LOCK } from "../src/output/lock.js";
import { statCachePath } from "../src/output/stat-cache.js";
import { drift, MANIFEST, sync } from "../src/output/sync.js";
import { readTree, tempDir } from "./helpers.js";

let tmp: ReturnType<typeof tempDir>;
let out: string;
let cache: string;
beforeEach(() => {
  tmp = tempDir("svcspec-stat-cache-");
  out = join(tmp.path, "out");
  cache = statCachePath(join(tmp.path, ".svcspec-cache"), out);
});
afterEach(() => tmp.cleanup());

const files = (extra = ""): FileSet =>
  new Map([
    ["docs/a.md", `# a${extra}\n`],
    ["docs/b.md", "# b\n"],
    ["prometheus/a.rules.yaml", "groups: []\n"],
    ["kubernetes/a/kustomization.yaml", "resources: []\n"],
  ]);

/** nodeFs, counting the files opened for reading (not the temp files created for writing). */
function counting(): { fs: OutputFs; reads: string[] } {
  const reads: string[] = [];
  const fs: OutputFs = {
    ...nodeFs,
    openSync: (p, f, m) => {
      if ((f & (constants.O_WRONLY | constants.O_RDWR)) === 0) reads.push(p.slice(out.length + 1));
      return nodeFs.openSync(p, f, m);
    },
  };
  return { fs, reads };
}

/** The cache vouches only for files whose ctime is a clock tick older than its save. */
const settle = () => new Promise((r) => setTimeout(r, 60));

describe("build reads back only what it cannot vouch for", () => {
  it("an unchanged folder: only the manifest is read; without the cache every file is", async () => {
    sync(out, files(), { statCache: cache });
    // Files written in the clock tick of the cache's save are racy: the next build reads them once.
    await settle();
    const racy = counting();
    sync(out, files(), { statCache: cache, fs: racy.fs });
    expect(racy.reads).toEqual(expect.arrayContaining([...files().keys()]));
    await settle();
    const warm = counting();
    const r = sync(out, files(), { statCache: cache, fs: warm.fs });
    expect(r.unchanged).toBe(4);
    expect(warm.reads.filter((p) => p !== LOCK)).toEqual([MANIFEST]);
    const cold = counting();
    sync(out, files(), { fs: cold.fs });
    expect(cold.reads.filter((p) => p !== MANIFEST && p !== LOCK).sort()).toEqual([...files().keys()].sort());
  });

  it("a build that changes nothing writes neither the manifest nor the stat cache; a change writes both", async () => {
    sync(out, files(), { statCache: cache });
    await settle();
    sync(out, files(), { statCache: cache }); // the racy files read once, recorded: the cache is written
    await settle();
    const stamp = (p: string) => `${statSync(p).ino} ${statSync(p).mtimeMs}`;
    const before = [stamp(join(out, MANIFEST)), stamp(cache)];
    for (let i = 0; i < 2; i++) {
      const warm = counting();
      expect(sync(out, files(), { statCache: cache, fs: warm.fs }).unchanged).toBe(4);
      // still vouched for by the cache it did not write
      expect(warm.reads.filter((p) => p !== LOCK)).toEqual([MANIFEST]);
      expect([stamp(join(out, MANIFEST)), stamp(cache)]).toEqual(before);
    }
    expect(sync(out, files("x"), { statCache: cache }).changed).toEqual(["docs/a.md"]);
    const after = [stamp(join(out, MANIFEST)), stamp(cache)];
    expect(after[0]).not.toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
  });

  it("a file edited behind svcspec's back, same size and mtime put back, is read, reported and repaired", async () => {
    sync(out, files(), { statCache: cache });
    await settle();
    const target = join(out, "docs/b.md");
    const before = statSync(target);
    writeFileSync(target, "# B\n");
    utimesSync(target, before.atime, before.mtime);
    expect(drift(out, files()).changed).toEqual(["docs/b.md"]);
    const r = sync(out, files(), { statCache: cache });
    expect(r.changed).toEqual(["docs/b.md"]);
    expect(readFileSync(target, "utf8")).toBe("# b\n");
  });

  it("a file replaced by another (new inode) with the same bytes is read and found unchanged", async () => {
    sync(out, files(), { statCache: cache });
    await settle();
    const target = join(out, "docs/b.md");
    writeFileSync(`${target}.new`, "# b\n");
    nodeFs.renameSync(`${target}.new`, target);
    const c = counting();
    const r = sync(out, files(), { statCache: cache, fs: c.fs });
    expect(r.changed).toEqual([]);
    expect(c.reads).toContain("docs/b.md");
  });

  const broken: [string, (text: string) => string][] = [
    ["not JSON", () => "{"],
    ["another svcspec version", (t) => t.replace(/"svcspec":"[^"]*"/, '"svcspec":"0.0.0-other"')],
    ["another output folder", (t) => t.replace(/"root":"[^"]*"/, '"root":"/elsewhere"')],
    ["wrong hashes", (t) => t.replace(/"[0-9a-f]{64}"/g, `"${"0".repeat(64)}"`)],
    ["wrong sizes and inodes", (t) => t.replace(/\[(\d+),(\d+),/g, "[1,2,")],
    ["entries of the wrong shape", (t) => t.replace(/"files":\{.*\}\}$/, '"files":{"docs/a.md":"x","docs/b.md":[1],"__proto__":[0,0,0,"x"]}}')],
  ];
  it.each(broken)("a cache with %s: the same bytes as a build without one", async (_what, corrupt) => {
    sync(out, files(), { statCache: cache });
    await settle();
    writeFileSync(cache, corrupt(readFileSync(cache, "utf8")));
    // The spec changes a file, and another is edited behind svcspec's back.
    writeFileSync(join(out, "docs/b.md"), "# edited\n");
    sync(out, files("!"), { statCache: cache });
    const withCache = readTree(out);
    const cold = tempDir("svcspec-stat-cold-");
    try {
      sync(join(cold.path, "out"), files("!"));
      expect(withCache).toEqual(readTree(join(cold.path, "out")));
    } finally {
      cold.cleanup();
    }
    expect(drift(out, files("!"))).toMatchObject({ added: [], changed: [], orphaned: [] });
  });
});
