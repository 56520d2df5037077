/** The generation cache (src/cache, compile()'s per-service seam) never changes what `build`
 * writes: a generated organisation built cold, warm, into a fresh folder, over a deliberately
 * corrupted cache, over an output folder changed by hand, after one service changed and after the
 * Organization changed gives the bytes of a build without the cache every time; and the warm build
 * really is served by the cache (its hit count), so these tests cannot pass with the cache silently
 * off. The cache names each entry's files by digest and keeps the contents of those alone that the
 * cross-service outputs read: the output folder holds the rest. */
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestsOf } from "../src/output/fileset.js";
import { canonicalJson, decodeEntry, encodeEntry, entryChecksum, entryKey, ENTRY_FORMAT, type PackagedOutput, sha256, splitEntries, withDigests } from "../src/cache/generation.js";
import type { Io } from "../src/cli/io.js";
import { runBuild } from "../src/cli/commands/build.js";
import { runCheck } from "../src/cli/commands/check.js";
import { shardKeys } from "../src/cache/store.js";
import { Ratio } from "../src/model/decimal.js";
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

/** The files whose contents the cache keeps: those a cross-service output reads (the OPA bundle's
 * revision digests them). A dashboard is only embedded: packaging reads it back from the output. */
const KEPT = /^opa\//;

/** The output folder the cached builds share (a cache entry is used only where it holds the files). */
const main = join(tmp.path, "out-main");

/** A build into `main`, or (`fresh`; the default without the cache) into a new folder, removed
 * after: the tree it wrote and what the cache did. */
function build(opts: { cache?: boolean; cacheDir?: string; fresh?: boolean } = {}): { tree: Map<string, string>; stats: Stats | null; err: string } {
  const fresh = opts.fresh ?? opts.cache === false;
  const out = fresh ? join(tmp.path, `out-${outs++}`) : main;
  const c = io(opts.cacheDir);
  const code = runBuild(c.io, { spec, out, format: "text", force: false, verbose: true, cache: opts.cache ?? true });
  expect(code, c.err()).toBe(0);
  const tree = readTree(out);
  if (fresh) rmSync(out, { recursive: true, force: true });
  return { tree, stats: statsOf(c.err()), err: c.err() };
}

function statsOf(err: string): Stats | null {
  const m = /generation cache: (\d+) hit\(s\), (\d+) computed, (\d+) rejected/.exec(err);
  return m ? { hits: Number(m[1]), computed: Number(m[2]), rejected: Number(m[3]) } : null;
}

/** A shard file's entries as line triples (header, view, contents), with the paths each view names. */
function entriesOf(file: string): { lines: string[]; paths: string[][] } {
  const lines = readFileSync(join(entries, file), "utf8").split("\n");
  const paths: string[][] = [];
  for (let j = 1; j < lines.length; j += 3) paths.push((JSON.parse(lines[j]!) as { files: { path: string }[] }).files.map((f) => f.path));
  return { lines, paths };
}

/** The keys of each shard's file as the cache spreads this spec's services (their names only matter). */
function shards(): string[][] {
  const names = readdirSync(join(spec, "services")).map((f) => f.replace(/\.yaml$/, ""));
  return shardKeys(names.map((name) => ({ name, keys: Array.from({ length: SEAMS }, (_, i) => `${name} ${i}`) })));
}

/** A shard's file: `<shards>-<shard>-<sha256 of its keys>.json`. */
const ENTRY_FILE = /^\d+-\d+-[0-9a-f]{64}\.json$/;
/** The cross-service manifests' file: `manifests-<sha256 of its keys>.json`. */
const MANIFESTS_FILE = /^manifests-[0-9a-f]{64}\.json$/;
/** The whole-Model outputs' file: `cross-<sha256 of its keys>.json`. */
const CROSS_FILE = /^cross-[0-9a-f]{64}\.json$/;
/** The validation cache's file (test/validation-cache.test.ts): `verdicts-<sha256 of its keys>.json`. */
const VERDICTS_FILE = /^verdicts-[0-9a-f]{64}\.json$/;

/** What the cache did with the cross-service manifests (build --verbose). */
function manifestsOf(err: string): { kept: number; rendered: number } | null {
  const m = /cross-service manifests: (\d+) as on disk, (\d+) rendered/.exec(err);
  return m ? { kept: Number(m[1]), rendered: Number(m[2]) } : null;
}

/** What the cache did with the whole-Model outputs (build --verbose). */
function crossOf(err: string): { taken: number; computed: number } | null {
  const m = /whole-Model outputs: (\d+) as before, (\d+) computed/.exec(err);
  return m ? { taken: Number(m[1]), computed: Number(m[2]) } : null;
}

function entryFiles(): string[] {
  return readdirSync(entries, { withFileTypes: true }).filter((d) => d.isFile() && ENTRY_FILE.test(d.name)).map((d) => d.name).sort();
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

  it("cold: every entry computed and stored, the output unchanged; the entries keep the contents of the files under opa/ only (the bundle's revision reads them)", () => {
    const r = build();
    expect(r.stats).toEqual({ hits: 0, computed: total, rejected: 0 });
    let kept = 0;
    for (const f of entryFiles()) {
      const { lines, paths } = entriesOf(f);
      paths.forEach((ps, e) => {
        const contents = JSON.parse(lines[3 * e + 2]!) as (string | null)[];
        expect(contents.map((c) => typeof c)).toEqual(ps.map((p) => (KEPT.test(p) ? "string" : "object")));
        contents.forEach((c, i) => c !== null && (kept++, expect(c).toBe(r.tree.get(ps[i]!))));
      });
    }
    expect(kept).toBeGreaterThan(SERVICES);
    // the services spread over shards by name, one file each, every service's entries in one of them
    expect(entryFiles()).toHaveLength(shards().length);
    expect(shards().length).toBeGreaterThan(1);
    const sizes = entryFiles().map((f) => (readFileSync(join(entries, f), "utf8").split("\n").length - 1) / 3);
    expect(sizes.sort()).toEqual(shards().map((keys) => keys.length).sort());
    expect(sizes.reduce((a, b) => a + b)).toBe(total);
    expectSame(r.tree, reference);
  }, 600_000);

  it("warm: every service served by the cache, the output unchanged; no cross-service manifest rendered", () => {
    const r = build();
    expect(r.stats).toEqual({ hits: total, computed: 0, rejected: 0 });
    // the overview's, the bundle's and Fluent Bit's ConfigMaps, Alertmanager's Secret
    expect(manifestsOf(r.err)).toEqual({ kept: 4, rendered: 0 });
    expect(readdirSync(entries).filter((n) => MANIFESTS_FILE.test(n))).toHaveLength(1);
    // Alertmanager's and Fluent Bit's generate, the OPA bundle's and Grafana's assemble
    expect(crossOf(r.err)).toEqual({ taken: 4, computed: 0 });
    expect(readdirSync(entries).filter((n) => CROSS_FILE.test(n))).toHaveLength(1);
    expect(r.err).toMatch(/\(0 written, 0 deleted, \d+ unchanged\)/);
    expectSame(r.tree, reference);
  }, 600_000);

  it("into a fresh folder: every entry with a file computed again (the output folder holds the bytes, not the cache), the output unchanged", () => {
    const r = build({ fresh: true });
    const empty = entryFiles().reduce((n, f) => n + entriesOf(f).paths.filter((ps) => !ps.length).length, 0);
    expect(empty).toBeGreaterThan(0);
    expect(r.stats).toEqual({ hits: empty, computed: total - empty, rejected: 0 });
    expectSame(r.tree, reference);
    expect(build().stats).toEqual({ hits: total, computed: 0, rejected: 0 });
  }, 600_000);

  it("over an output folder changed by hand (files edited, one deleted): those services' entries computed again, never taken from the cache; check sees the change first", () => {
    for (const path of ["docs/checkout-1.md", "grafana/checkout-1.json"]) writeFileSync(join(main, path), readFileSync(join(main, path), "utf8") + "edited\n");
    rmSync(join(main, "prometheus", "checkout-1.rules.yaml"));
    const c = io();
    expect(runCheck(c.io, { spec, out: main, format: "text", diff: false })).toBe(1);
    // exactly the three: the dashboard's ConfigMap on disk embeds it as generated, not as edited
    expect(c.err().match(/^ {2}[MAD] .*$/gm)!.map((l) => l.trim().replace(/ \(.*$/, "").replace(`${main}/`, "")).sort()).toEqual(["A prometheus/checkout-1.rules.yaml", "M docs/checkout-1.md", "M grafana/checkout-1.json"]);
    const r = build();
    expect(r.stats).toEqual({ hits: total - 3, computed: 3, rejected: 0 });
    expect(manifestsOf(r.err)).toEqual({ kept: 4, rendered: 0 });
    expect(r.err).toMatch(/\(3 written, 0 deleted, \d+ unchanged\)/);
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

  it("a corrupted cache (truncated, flipped bytes, an entry under another key, another version's, the wrong shape, empty, garbage lines and names) is recomputed, never used", () => {
    const files = entryFiles();
    const at = (i: number) => join(entries, files[i]!);
    const header = (line: string) => JSON.parse(line) as Record<string, string>;
    // every damage but the emptied file goes into the first file, whose entries are line triples
    // (header, view, contents): entry j is l[3j], l[3j + 1], l[3j + 2]
    const { lines: l, paths } = entriesOf(files[0]!);
    const last = paths.length - 1;
    expect(last).toBeGreaterThan(8);
    // a flipped byte in a kept content (a file under opa/: still JSON, no longer its digest)
    const opa = paths.findIndex((ps, j) => j > 7 && j < last && ps.some((p) => KEPT.test(p)));
    expect(opa).toBeGreaterThan(7);
    const pos = l[3 * opa + 2]!.indexOf("a", 10);
    l[3 * opa + 2] = l[3 * opa + 2]!.slice(0, pos) + "b" + l[3 * opa + 2]!.slice(pos + 1);
    // a flipped byte in a view under its header's checksum, twice
    l[4] = l[4]!.replace(/"sha256":"([0-9a-f])/, (_m, c: string) => `"sha256":"${c === "0" ? "1" : "0"}`);
    l[22] = l[22]!.replace(/"sha256":"([0-9a-f])/, (_m, c: string) => `"sha256":"${c === "0" ? "1" : "0"}`);
    expect(paths[1]!.length * paths[7]!.length).toBeGreaterThan(0);
    // another entry, whole and verified under its own key, relabelled with entry 4's key
    l[12] = JSON.stringify({ ...header(l[9]!), key: header(l[12]!)["key"] });
    l[13] = l[10]!;
    l[14] = l[11]!;
    // another identity's entry under this key
    l[15] = JSON.stringify({ ...header(l[15]!), version: "0.0.1+another" });
    // the right key, identity and checksum over a view of the wrong shape
    const h6 = header(l[18]!);
    const bad = JSON.stringify({ files: [{ path: 1, sha256: "x" }], kustomizations: [] });
    l[18] = JSON.stringify({ ...h6, sha256: entryChecksum(h6["key"]!, h6["version"]!, bad) });
    l[19] = bad;
    // the file cut in the middle of the last entry's view: that entry only
    l[3 * last + 1] = l[3 * last + 1]!.slice(0, Math.floor(l[3 * last + 1]!.length / 2));
    // garbage lines before and between entries: skipped, the entries still found
    writeFileSync(at(0), ["\u0000garbage", "{", ...l.slice(0, 24), "not json", ...l.slice(24, 3 * last + 2)].join("\n"));
    // an emptied file: its services' entries are misses
    const emptied = entriesOf(files[1]!).paths.length;
    writeFileSync(at(1), "");
    // garbage names: none is read, all but another process's temporary file are pruned
    writeFileSync(join(entries, "notes.txt"), "x");
    // (named as the first file's shard is, so that they are looked at when its turn comes)
    const shard = files[0]!.split("-").slice(0, 2).join("-");
    writeFileSync(join(entries, `${shard}-${"a".repeat(64)}.json`), "x\n");
    writeFileSync(join(entries, `${files[0]}.99999.part`), "half");
    mkdirSync(join(entries, `${shard}-${"b".repeat(64)}.json`));
    symlinkSync(at(0), join(entries, `${shard}-${"c".repeat(64)}.json`));
    const r = build();
    expect(r.stats).toEqual({ hits: total - 7 - emptied, computed: emptied, rejected: 7 });
    expectSame(r.tree, reference);
    const left = readdirSync(entries).sort();
    expect(left.filter((n) => !ENTRY_FILE.test(n) && !MANIFESTS_FILE.test(n) && !CROSS_FILE.test(n) && !VERDICTS_FILE.test(n))).toEqual([`${files[0]}.99999.part`]);
    expect(left).toContain(`${shard}-${"b".repeat(64)}.json`);
    expect(left).not.toContain(`${shard}-${"a".repeat(64)}.json`);
    expect(left).not.toContain(`${shard}-${"c".repeat(64)}.json`);
    // the damaged files were rewritten: the next build is served whole
    expect(build().stats).toEqual({ hits: total, computed: 0, rejected: 0 });
  }, 600_000);

  it("a kept content damaged is found only where it is read, and never reaches the output", () => {
    // every kept content (the files under opa/) replaced by the right number of wrong strings
    let damaged = 0;
    for (const f of entryFiles()) {
      const { lines, paths } = entriesOf(f);
      paths.forEach((ps, e) => {
        if (!ps.some((p) => KEPT.test(p))) return;
        lines[3 * e + 2] = JSON.stringify(ps.map(() => "not the file\n"));
        damaged++;
      });
      writeFileSync(join(entries, f), lines.join("\n"));
    }
    expect(damaged).toBeGreaterThan(SERVICES / 2);
    const r = build();
    expect(r.stats).toEqual({ hits: total - damaged, computed: 0, rejected: damaged });
    expect(r.err).toMatch(/\(0 written, 0 deleted, \d+ unchanged\)/);
    expectSame(r.tree, reference);
    expect(build().stats).toEqual({ hits: total, computed: 0, rejected: 0 });
  }, 600_000);

  it("a cross-service manifest is rendered when what it embeds changed, when the output folder no longer holds it, and when its entry does not verify; never taken from a wrong entry", () => {
    const configMap = join(main, "kubernetes", "platform", "opa-bundle.configmap.yaml");
    // edited by hand: rendered again (and put back), the others kept
    writeFileSync(configMap, readFileSync(configMap, "utf8") + "# edited\n");
    const edited = build();
    expect(manifestsOf(edited.err)).toEqual({ kept: 3, rendered: 1 });
    expectSame(edited.tree, reference);
    // every manifest entry damaged (a flipped digest in its view, a truncated one, a path outside
    // the output folder, another manifest's path): all rendered
    const [name] = readdirSync(entries).filter((n) => MANIFESTS_FILE.test(n));
    const lines = readFileSync(join(entries, name!), "utf8").split("\n");
    const third = lines[7]!;
    lines[1] = lines[1]!.replace(/"sha256":"([0-9a-f])/, (_m, c: string) => `"sha256":"${c === "0" ? "1" : "0"}`);
    lines[4] = lines[4]!.slice(0, 20);
    lines[7] = lines[7]!.replace(/"path":"[^"]+"/, '"path":"../escape.yaml"');
    // a whole, verified entry that names another manifest (its path and digest, which out/ holds;
    // the header's checksum made for it)
    const h3 = JSON.parse(lines[9]!) as Record<string, string>;
    lines[9] = JSON.stringify({ ...h3, sha256: entryChecksum(h3["key"]!, h3["version"]!, third) });
    lines[10] = third;
    writeFileSync(join(entries, name!), lines.join("\n"));
    const damaged = build();
    expect(manifestsOf(damaged.err)).toEqual({ kept: 0, rendered: 4 });
    expectSame(damaged.tree, reference);
    expect(manifestsOf(build().err)).toEqual({ kept: 4, rendered: 0 });
  }, 600_000);

  it("a whole-Model output is computed again when its entry does not verify (a flipped byte, cut, another key's, another version's, the wrong shape), never taken from it", () => {
    const [name] = readdirSync(entries).filter((n) => CROSS_FILE.test(n));
    const file = join(entries, name!);
    const original = readFileSync(file, "utf8");
    const lines = original.split("\n");
    // entries are line pairs (header, body), one per output
    expect(lines.length).toBe(2 * 4 + 1);
    const header = (i: number) => JSON.parse(lines[2 * i]!) as Record<string, string>;
    // a flipped byte in a file's content
    const at = lines[1]!.indexOf("a", 40);
    lines[1] = lines[1]!.slice(0, at) + "b" + lines[1]!.slice(at + 1);
    // the body cut
    lines[3] = lines[3]!.slice(0, Math.floor(lines[3]!.length / 2));
    // another identity's header over a body it verifies
    lines[4] = JSON.stringify({ ...header(2), version: "0.0.1+another", sha256: entryChecksum(header(2)["key"]!, "0.0.1+another", lines[5]!) });
    // a body of the wrong shape (a path outside the output folder) under a checksum made for it
    const bad = JSON.stringify({ files: [{ path: "../escape.txt", content: "x" }], packages: [] });
    lines[6] = JSON.stringify({ ...header(3), sha256: entryChecksum(header(3)["key"]!, header(3)["version"]!, bad) });
    lines[7] = bad;
    writeFileSync(file, lines.join("\n"));
    const damaged = build();
    expect(crossOf(damaged.err)).toEqual({ taken: 0, computed: 4 });
    expectSame(damaged.tree, reference);
    expect(crossOf(build().err)).toEqual({ taken: 4, computed: 0 });
    // another output's entry, whole, under this one's key: its checksum binds its own key
    const pairs = readFileSync(file, "utf8").split("\n");
    const swapped = [JSON.stringify({ ...(JSON.parse(pairs[2]!) as object), key: (JSON.parse(pairs[0]!) as { key: string }).key }), pairs[3], ...pairs.slice(2)].join("\n");
    writeFileSync(file, swapped);
    const relabelled = build();
    expect(crossOf(relabelled.err)).toEqual({ taken: 3, computed: 1 });
    expectSame(relabelled.tree, reference);
    // requests of a shape the packaging stage would choke on or write outside the output folder,
    // each under a checksum made for it: never taken
    const again = readFileSync(file, "utf8").split("\n");
    const forged = (i: number, edit: (body: { files: unknown[]; packages: Record<string, unknown>[] }) => void) => {
      const h = JSON.parse(again[2 * i]!) as Record<string, string>;
      const body = JSON.parse(again[2 * i + 1]!) as { files: unknown[]; packages: Record<string, unknown>[] };
      edit(body);
      again[2 * i + 1] = JSON.stringify(body);
      again[2 * i] = JSON.stringify({ ...h, sha256: entryChecksum(h["key"]!, h["version"]!, again[2 * i + 1]!) });
    };
    const kindOf = (i: number) => (JSON.parse(again[2 * i + 1]!) as { packages: { kind: string }[] }).packages[0]?.kind;
    const configMaps = [0, 1, 2, 3].filter((i) => kindOf(i) === "ConfigMap");
    const others = [0, 1, 2, 3].filter((i) => kindOf(i) !== undefined && i !== configMaps[0]);
    expect(configMaps.length).toBeGreaterThanOrEqual(1);
    expect(others.length).toBeGreaterThanOrEqual(2);
    forged(others[0]!, (b) => void (b.packages[0]!["path"] = "../../outside.yaml"));
    forged(others[1]!, (b) => void (b.packages[0]!["kind"] = "Deployment"));
    // a whole, well-shaped ConfigMap request embedding a file the output neither made nor was handed
    forged(configMaps[0]!, (b) => void (b.packages[0]!["data"] = [{ kind: "file", key: "x", path: "docs/checkout-1.md" }]));
    writeFileSync(file, again.join("\n"));
    const shaped = build();
    expect(crossOf(shaped.err)).toEqual({ taken: 4 - 3, computed: 3 });
    expectSame(shaped.tree, reference);
    // a file of a whole-Model output changed on disk: its entry is not taken, the file put back
    const redact = join(main, "fluent-bit", "redact.lua");
    writeFileSync(redact, readFileSync(redact, "utf8") + "-- edited\n");
    const edited = build();
    expect(crossOf(edited.err)).toEqual({ taken: 3, computed: 1 });
    expectSame(edited.tree, reference);
  }, 600_000);

  it("one service changed: only its entries computed, the output that of a build without the cache", () => {
    const before = entryFiles();
    const file = join(spec, "services", "checkout-1.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("objective: 99.95", "objective: 99.92"));
    const cold = build({ cache: false }).tree;
    expect(cold).not.toEqual(reference);
    const warm = build();
    expect(warm.stats).toEqual({ hits: total - SEAMS, computed: SEAMS, rejected: 0 });
    // its dashboard's ConfigMap is its own (computed with it): no cross-service manifest changes
    expect(manifestsOf(warm.err)).toEqual({ kept: 4, rendered: 0 });
    // every whole-Model output reads every service: all computed again
    expect(crossOf(warm.err)).toEqual({ taken: 0, computed: 4 });
    expectSame(warm.tree, cold);
    // only its shard's file was rewritten, under a new name, and the old one pruned
    expect(entryFiles()).toHaveLength(shards().length);
    expect(entryFiles().filter((f) => !before.includes(f))).toHaveLength(1);
  }, 600_000);

  it("the Organization changed: every entry computed again, the output that of a build without the cache", () => {
    const file = join(spec, "organization.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("standard:    { objective: 99.5,", "standard:    { objective: 99.6,"));
    const cold = build({ cache: false }).tree;
    const warm = build();
    expect(warm.stats).toEqual({ hits: 0, computed: total, rejected: 0 });
    expect(crossOf(warm.err)).toEqual({ taken: 0, computed: 4 });
    expectSame(warm.tree, cold);
  }, 600_000);

  it("a service removed: its shard's file is written again under its new keys, without computing anything", () => {
    const before = entryFiles();
    rmSync(join(spec, "services", "checkout-1.yaml"));
    const cold = build({ cache: false }).tree;
    const warm = build();
    expect(warm.stats).toEqual({ hits: total - SEAMS, computed: 0, rejected: 0 });
    expectSame(warm.tree, cold);
    expect(entryFiles()).toHaveLength(shards().length);
    expect(entryFiles().filter((f) => !before.includes(f))).toHaveLength(1);
    // the shard that lost the service is on disk under its new name: the next build is served whole
    expect(build().stats).toEqual({ hits: total - SEAMS, computed: 0, rejected: 0 });
  }, 600_000);

  it("the number of shards changed (the organisation shrank to 16 services, one shard): a cold build, whose output is that of a build without the cache; then warm again", () => {
    const names = readdirSync(join(spec, "services")).sort();
    expect(names.length).toBeGreaterThan(16);
    expect(entryFiles().every((f) => f.startsWith("2-"))).toBe(true);
    for (const f of names.slice(16)) rmSync(join(spec, "services", f));
    const cold = build({ cache: false }).tree;
    const first = build();
    expect(first.stats).toEqual({ hits: 0, computed: 16 * SEAMS, rejected: 0 });
    expectSame(first.tree, cold);
    expect(entryFiles()).toEqual([expect.stringMatching(/^1-0-/)]);
    expect(build().stats).toEqual({ hits: 16 * SEAMS, computed: 0, rejected: 0 });
  }, 600_000);

  it("a cache folder that cannot be written is a warning, and the build is complete", () => {
    const blocked = join(tmp.path, "not-a-folder");
    writeFileSync(blocked, "a file where the cache folder would go\n");
    const r = build({ cacheDir: blocked });
    expect(r.err).toMatch(/⚠ the generation cache .* could not be written/);
    expect(r.stats?.computed).toBe(16 * SEAMS);
    expectSame(r.tree, build({ cache: false }).tree);
  }, 600_000);
});

describe("generation cache entries", () => {
  const output: PackagedOutput = { files: [{ path: "docs/a.md", content: "# a\n" }, { path: "docs/b.md", content: "# b\n" }], kustomizations: [{ kind: "Kustomization", folder: "kubernetes/a", sources: ["spec/a.yaml"] }] };
  const key = entryKey("1.0.0+x", "docs/v1", "", "org", "svc");

  it("round-trips, and only under its own key and version", () => {
    const text = encodeEntry(key, "1.0.0+x", output, (p) => p === "docs/b.md");
    expect(text.split("\n")).toHaveLength(3);
    expect(splitEntries(`junk\n${text}\n${text.replace(key, "f".repeat(64))}\n`)).toEqual(new Map([[key, text], ["f".repeat(64), text.replace(key, "f".repeat(64))]]));
    expect(decodeEntry(text.replace(key, "f".repeat(64)), "f".repeat(64), "1.0.0+x")).toBeNull();
    expect(text.startsWith(`{"format":"${ENTRY_FORMAT}"`)).toBe(true);
    // the view names each file's SHA-256, which the checksum covers
    const entry = decodeEntry(text, key, "1.0.0+x")!;
    expect(entry.view).toEqual({ files: [{ path: "docs/a.md", sha256: sha256("# a\n") }, { path: "docs/b.md", sha256: sha256("# b\n") }], kustomizations: output.kustomizations });
    // it keeps the contents asked for, and only those
    expect(entry.contents()).toEqual([null, "# b\n"]);
    expect(decodeEntry(encodeEntry(key, "1.0.0+x", output), key, "1.0.0+x")!.contents()).toEqual([null, null]);
    // a file with its digest attached carries it; changed in place, none: a stale one cannot vouch for other bytes
    const hashed = withDigests(output);
    expect(digestsOf(hashed.files)).toEqual(new Map([["docs/a.md", sha256("# a\n")], ["docs/b.md", sha256("# b\n")]]));
    expect(digestsOf([{ ...hashed.files[0]!, content: "# c\n" }])).toEqual(new Map());
    hashed.files[0]!.content = "# c\n";
    expect(digestsOf(hashed.files.slice(0, 1))).toEqual(new Map());
    expect(encodeEntry(key, "1.0.0+x", withDigests(output), (p) => p === "docs/b.md")).toBe(text);
    expect(decodeEntry(text, entryKey("1.0.0+x", "docs/v1", "", "org", "other"), "1.0.0+x")).toBeNull();
    expect(decodeEntry(text, key, "1.0.0+y")).toBeNull();
    // cut anywhere: no entry, or (cut in the contents) a view whose contents are refused
    for (let i = 0; i < text.length; i += 7) {
      const cut = decodeEntry(text.slice(0, i), key, "1.0.0+x");
      if (cut) expect(cut.contents()).toBeNull();
    }
  });

  it("contents that do not match the view's digests are refused, whatever the view says", () => {
    const [header, view, contents] = encodeEntry(key, "1.0.0+x", output, () => true).split("\n") as [string, string, string];
    expect(decodeEntry([header, view, contents].join("\n"), key, "1.0.0+x")!.contents()).toEqual(["# a\n", "# b\n"]);
    // one content swapped for another of the same length; one where the other is not kept
    for (const swap of [["# b\n", "# a\n"], [null, "# a\n"]]) {
      const swapped = decodeEntry([header, view, JSON.stringify(swap)].join("\n"), key, "1.0.0+x")!;
      expect(swapped.view.files).toHaveLength(2);
      expect(swapped.contents()).toBeNull();
    }
    // one content too few, a number for a string, not JSON
    for (const bad of [JSON.stringify(["# a\n"]), JSON.stringify(["# a\n", 1]), contents.slice(0, -1)]) expect(decodeEntry([header, view, bad].join("\n"), key, "1.0.0+x")!.contents()).toBeNull();
    // a view that says other digests does not verify under the header's checksum
    const otherView = view.replace(sha256("# a\n"), sha256("# z\n"));
    expect(decodeEntry([header, otherView, contents].join("\n"), key, "1.0.0+x")).toBeNull();
    // a view of the wrong shape with a checksum made for it
    const wrong = JSON.stringify({ files: [{ path: 1, sha256: "x" }], kustomizations: [] });
    const h = JSON.parse(header) as Record<string, string>;
    expect(decodeEntry([JSON.stringify({ ...h, sha256: entryChecksum(key, "1.0.0+x", wrong) }), wrong, "[]"].join("\n"), key, "1.0.0+x")).toBeNull();
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
    // YAML writes -0 as it is: an Organization with -0 must not share its key with one with 0
    expect(canonicalJson({ maxAlerts: -0 })).not.toBe(canonicalJson({ maxAlerts: 0 }));
    expect(() => canonicalJson(new Map())).toThrow(/cannot key/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/cannot key/);
  });
});

describe("generation cache files (shardKeys)", () => {
  const org = (n: number, tag = "") => Array.from({ length: n }, (_, i) => ({ name: `svc-${i}`, keys: [`svc-${i} a${tag}`, `svc-${i} b${tag}`] }));
  const shardOf = (shards: string[][], name: string) => shards.findIndex((keys) => keys.includes(`${name} a`) || keys.includes(`${name} a2`));

  it("a power of two of shards, about 16 services each, every service's keys together in one", () => {
    expect(shardKeys([])).toEqual([]);
    expect(shardKeys(org(16))).toHaveLength(1);
    expect(shardKeys(org(17))).toHaveLength(2);
    const big = shardKeys(org(1000));
    expect(big).toHaveLength(64);
    expect(Math.max(...big.map((k) => k.length / 2))).toBeLessThan(40);
    expect(big.flat().sort()).toEqual(org(1000).flatMap((s) => s.keys).sort());
    for (const keys of big) for (let i = 0; i < keys.length; i += 2) expect(keys[i + 1]).toBe(keys[i]!.replace(/ a$/, " b"));
  });

  it("a service changed keeps its shard, and so does every other service", () => {
    const before = shardKeys(org(1000));
    const changed = org(1000).map((s) => (s.name === "svc-7" ? { ...s, keys: ["svc-7 a2", "svc-7 b2"] } : s));
    const after = shardKeys(changed);
    const differ = after.filter((keys, i) => keys.join() !== before[i]!.join());
    expect(differ).toHaveLength(1);
    expect(shardOf(after, "svc-7")).toBe(shardOf(before, "svc-7"));
  });
});
