/** The generation cache (src/cache, compile()'s per-service seam) never changes what `build`
 * writes: a generated organisation built cold, warm, over a deliberately corrupted cache, after one
 * service changed and after the Organization changed gives the bytes of a build without the cache
 * every time; and the warm build really is served by the cache (its hit count), so these tests
 * cannot pass with the cache silently off. */
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestsOf } from "../src/output/fileset.js";
import { canonicalJson, decodeEntry, encodeEntry, entryChecksum, entryKey, ENTRY_FORMAT, sha256, splitEntries, withDigests } from "../src/cache/generation.js";
import type { Io } from "../src/cli/io.js";
import { runBuild } from "../src/cli/commands/build.js";
import { runCheck } from "../src/cli/commands/check.js";
import { Ratio } from "../src/model/decimal.js";
import type { TargetOutput } from "../src/package/request.js";
import { readTree, ROOT, tempDir } from "./helpers.js";

const SERVICES = 21;
/** Generators with a per-service seam (docs, prometheus, k6, kubernetes, opa, grafana). */
const SEAMS = 6;

interface Stats {
  hits: number;
  computed: number;
  rejected: number;
}

const tmp = tempDir("svcspec-gencache-");
const spec = join(tmp.path, "spec");
const cache = join(tmp.path, "cache");
const entries = join(cache, "generate");
let outs = 0;

/** `n` copies of the example's services (as scripts/bench-support.mjs writes them) and its Organization. */
function writeSpec(n: number): void {
  mkdirSync(join(spec, "services"), { recursive: true });
  cpSync(join(ROOT, "spec", "organization.yaml"), join(spec, "organization.yaml"));
  const dir = join(ROOT, "spec", "services");
  const templates = readdirSync(dir).sort().map((f) => readFileSync(join(dir, f), "utf8"));
  for (let i = 0; i < n; i++) {
    const t = templates[i % templates.length]!;
    const name = /\n {2}name: ([a-z0-9-]+)/.exec(t)![1]!;
    writeFileSync(join(spec, "services", `${name}-${i}.yaml`), t.replace(/\n {2}name: [a-z0-9-]+/, `\n  name: ${name}-${i}`));
  }
}

function io(cacheDir = cache): { io: Io; err: () => string } {
  let err = "";
  return { io: { out: () => {}, err: (t) => void (err += t), cwd: tmp.path, env: { ...process.env, SVCSPEC_CACHE: cacheDir } }, err: () => err };
}

/** A build into a fresh folder: the tree it wrote and what the cache did. */
function build(opts: { cache?: boolean; cacheDir?: string } = {}): { tree: Map<string, string>; stats: Stats | null; err: string } {
  const out = join(tmp.path, `out-${outs++}`);
  const c = io(opts.cacheDir);
  const code = runBuild(c.io, { spec, out, format: "text", force: false, verbose: true, cache: opts.cache ?? true });
  expect(code, c.err()).toBe(0);
  const m = /generation cache: (\d+) hit\(s\), (\d+) computed, (\d+) rejected/.exec(c.err());
  const tree = readTree(out);
  rmSync(out, { recursive: true, force: true });
  return { tree, stats: m ? { hits: Number(m[1]), computed: Number(m[2]), rejected: Number(m[3]) } : null, err: c.err() };
}

function entryFiles(): string[] {
  return readdirSync(entries, { withFileTypes: true }).filter((d) => d.isFile() && /^[0-9a-f]{64}\.json$/.test(d.name)).map((d) => d.name).sort();
}

function expectSame(a: Map<string, string>, b: Map<string, string>): void {
  expect([...a.keys()]).toEqual([...b.keys()]);
  const differ = [...a.keys()].filter((p) => a.get(p) !== b.get(p));
  expect(differ).toEqual([]);
}

let reference: Map<string, string>;
const total = SERVICES * SEAMS;

beforeAll(() => {
  writeSpec(SERVICES);
  reference = build({ cache: false }).tree;
}, 600_000);
afterAll(() => tmp.cleanup());

describe("generation cache: the same bytes as a build without it", () => {
  it("no cache (--no-cache) reports it off and writes no cache", () => {
    const r = build({ cache: false });
    expect(r.err).toContain("generation cache: off");
    expect(() => readdirSync(entries)).toThrow();
    expectSame(r.tree, reference);
  }, 600_000);

  it("cold: every entry computed and stored, the output unchanged", () => {
    const r = build();
    expect(r.stats).toEqual({ hits: 0, computed: total, rejected: 0 });
    expect(entryFiles()).toHaveLength(SERVICES);
    expect(entryFiles().map((f) => readFileSync(join(entries, f), "utf8").split("\n").length - 1)).toEqual(Array(SERVICES).fill(2 * SEAMS));
    expectSame(r.tree, reference);
  }, 600_000);

  it("warm: every service served by the cache, the output unchanged", () => {
    const r = build();
    expect(r.stats).toEqual({ hits: total, computed: 0, rejected: 0 });
    expectSame(r.tree, reference);
  }, 600_000);

  it("check reads the cache, writes nothing to it, and finds the warm build's output up to date", () => {
    const out = join(tmp.path, "out-check");
    expect(runBuild(io().io, { spec, out, format: "text", force: false, verbose: false })).toBe(0);
    const before = entryFiles();
    const c = io();
    expect(runCheck(c.io, { spec, out, format: "text", diff: false }), c.err()).toBe(0);
    expect(c.err()).toContain("is up to date");
    // over an empty cache it computes everything and still stores nothing
    const empty = join(tmp.path, "cache-empty");
    const e = io(empty);
    expect(runCheck(e.io, { spec, out, format: "text", diff: false }), e.err()).toBe(0);
    expect(() => readdirSync(join(empty, "generate"))).toThrow();
    expect(entryFiles()).toEqual(before);
    rmSync(out, { recursive: true, force: true });
  }, 600_000);

  it("a corrupted cache (truncated, a flipped byte, an entry under another key, another version's, the wrong shape, empty, garbage lines and names) is recomputed, never used", () => {
    const files = entryFiles();
    const at = (i: number) => join(entries, files[i]!);
    const lines = (i: number) => readFileSync(at(i), "utf8").split("\n");
    const put = (i: number, ls: string[]) => writeFileSync(at(i), ls.join("\n"));
    const header = (line: string) => JSON.parse(line) as Record<string, string>;
    // truncated in the middle of its last entry's payload: that entry only
    const t0 = readFileSync(at(0), "utf8");
    writeFileSync(at(0), t0.slice(0, t0.length - Math.floor(lines(0).at(-2)!.length / 2)));
    // a flipped byte in a payload (still JSON), and one in a header's checksum
    const l1 = lines(1);
    const pos = l1[1]!.indexOf('"content":"') + 12;
    l1[1] = l1[1]!.slice(0, pos) + String.fromCharCode(l1[1]!.charCodeAt(pos) ^ 1) + l1[1]!.slice(pos + 1);
    put(1, l1);
    const l2 = lines(2);
    l2[0] = l2[0]!.replace(/"sha256":"([0-9a-f])/, (_m, c: string) => `"sha256":"${c === "0" ? "1" : "0"}`);
    put(2, l2);
    // another service's entry, whole and verified under its own key, relabelled with this entry's key
    const [l3, l4] = [lines(3), lines(4)];
    l4[0] = JSON.stringify({ ...header(l3[0]!), key: header(l4[0]!)["key"] });
    l4[1] = l3[1]!;
    put(4, l4);
    // another identity's entry under this key
    const l5 = lines(5);
    l5[0] = JSON.stringify({ ...header(l5[0]!), version: "0.0.1+another" });
    put(5, l5);
    // the right key, identity and checksum over a payload of the wrong shape
    const l6 = lines(6);
    const h6 = header(l6[0]!);
    const bad = JSON.stringify({ files: [{ path: 1, content: "x" }], packages: [] });
    l6[0] = JSON.stringify({ ...h6, sha256: entryChecksum(h6["key"]!, h6["version"]!, JSON.parse(bad) as Parameters<typeof entryChecksum>[2]) });
    l6[1] = bad;
    put(6, l6);
    // an empty file: its service's entries are misses
    writeFileSync(at(7), "");
    // garbage lines before and between entries: skipped, the entries still found
    const l8 = lines(8);
    put(8, ["\u0000garbage", "{", ...l8.slice(0, 2), "not json", ...l8.slice(2)]);
    // garbage names: none is read, all but another process's temporary file are pruned
    writeFileSync(join(entries, "notes.txt"), "x");
    writeFileSync(join(entries, `${"a".repeat(64)}.json`), "x\n");
    writeFileSync(join(entries, `${files[10]}.99999.part`), "half");
    mkdirSync(join(entries, `${"b".repeat(64)}.json`));
    symlinkSync(at(11), join(entries, `${"c".repeat(64)}.json`));
    const r = build();
    expect(r.stats).toEqual({ hits: total - 6 - SEAMS, computed: SEAMS, rejected: 6 });
    expectSame(r.tree, reference);
    const left = readdirSync(entries).sort();
    expect(left.filter((n) => !/^[0-9a-f]{64}\.json$/.test(n))).toEqual([`${files[10]}.99999.part`]);
    expect(left).not.toContain(`${"a".repeat(64)}.json`);
    expect(left).not.toContain(`${"c".repeat(64)}.json`);
    // the damaged files were rewritten: the next build is served whole
    expect(build().stats).toEqual({ hits: total, computed: 0, rejected: 0 });
  }, 600_000);

  it("one service changed: only its entries computed, the output that of a build without the cache", () => {
    const file = join(spec, "services", "checkout-1.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("objective: 99.95", "objective: 99.92"));
    const cold = build({ cache: false }).tree;
    expect(cold).not.toEqual(reference);
    const warm = build();
    expect(warm.stats).toEqual({ hits: total - SEAMS, computed: SEAMS, rejected: 0 });
    expectSame(warm.tree, cold);
    // the old file of that service was pruned: one file per service
    expect(entryFiles()).toHaveLength(SERVICES);
  }, 600_000);

  it("the Organization changed: every entry computed again, the output that of a build without the cache", () => {
    const file = join(spec, "organization.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("standard:    { objective: 99.5,", "standard:    { objective: 99.6,"));
    const cold = build({ cache: false }).tree;
    const warm = build();
    expect(warm.stats).toEqual({ hits: 0, computed: total, rejected: 0 });
    expectSame(warm.tree, cold);
  }, 600_000);

  it("a cache folder that cannot be written is a warning, and the build is complete", () => {
    const blocked = join(tmp.path, "not-a-folder");
    writeFileSync(blocked, "a file where the cache folder would go\n");
    const r = build({ cacheDir: blocked });
    expect(r.err).toMatch(/⚠ the generation cache .* could not be written/);
    expect(r.stats?.computed).toBe(total);
    expectSame(r.tree, build({ cache: false }).tree);
  }, 600_000);
});

describe("generation cache entries", () => {
  const output: TargetOutput = { files: [{ path: "docs/a.md", content: "# a\n" }], packages: [{ kind: "Kustomization", folder: "kubernetes/a", sources: ["spec/a.yaml"] }] };
  const key = entryKey("1.0.0+x", "docs/v1", "", "org", "svc");

  it("round-trips, and only under its own key and version", () => {
    const text = encodeEntry(key, "1.0.0+x", output);
    expect(splitEntries(`junk\n${text}\n${text.replace(key, "f".repeat(64))}\n`)).toEqual(new Map([[key, text], ["f".repeat(64), text.replace(key, "f".repeat(64))]]));
    expect(decodeEntry(text.replace(key, "f".repeat(64)), "f".repeat(64), "1.0.0+x")).toBeNull();
    expect(text.startsWith(`{"format":"${ENTRY_FORMAT}"`)).toBe(true);
    // decoded, each file carries the SHA-256 of its content, which the checksum covered
    expect(decodeEntry(text, key, "1.0.0+x")).toEqual(withDigests(output));
    const decoded = decodeEntry(text, key, "1.0.0+x")!;
    expect(digestsOf(decoded.files)).toEqual(new Map([["docs/a.md", sha256("# a\n")]]));
    // a file rebuilt from it, or changed in place, carries no digest: a stale one cannot vouch for other bytes
    expect(digestsOf([{ ...decoded.files[0]!, content: "# b\n" }])).toEqual(new Map());
    decoded.files[0]!.content = "# c\n";
    expect(digestsOf(decoded.files)).toEqual(new Map());
    expect(encodeEntry(key, "1.0.0+x", withDigests(output))).toBe(text);
    expect(decodeEntry(text, entryKey("1.0.0+x", "docs/v1", "", "org", "other"), "1.0.0+x")).toBeNull();
    expect(decodeEntry(text, key, "1.0.0+y")).toBeNull();
    for (let i = 0; i < text.length; i += 7) expect(decodeEntry(text.slice(0, i), key, "1.0.0+x")).toBeNull();
  });

  it("keys differ by every part", () => {
    const keys = [key, entryKey("1.0.1+x", "docs/v1", "", "org", "svc"), entryKey("1.0.0+x", "opa/v1", "", "org", "svc"), entryKey("1.0.0+x", "docs/v1", "t", "org", "svc"), entryKey("1.0.0+x", "docs/v1", "", "org2", "svc"), entryKey("1.0.0+x", "docs/v1", "", "org", "svc2")];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("canonical JSON sorts keys and names classes, bigints and undefined", () => {
    expect(canonicalJson({ b: 1, a: [true, null] })).toBe(canonicalJson({ a: [true, null], b: 1 }));
    expect(canonicalJson(Ratio.parse("99.9"))).not.toBe(canonicalJson({ ...Ratio.parse("99.9") }));
    expect(canonicalJson(Ratio.parse("99.9"))).not.toBe(canonicalJson(Ratio.parse("99.95")));
    expect(canonicalJson({ a: undefined })).not.toBe(canonicalJson({ a: null }));
    expect(canonicalJson(1n)).not.toBe(canonicalJson(1));
    expect(() => canonicalJson(new Map())).toThrow(/cannot key/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/cannot key/);
  });
});
