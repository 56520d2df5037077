/** The validation cache (src/cache/validation.ts) never changes what validation finds: with it,
 * cold, warm, over damaged entries, after a file or the Organization changed, every run reports
 * the diagnostics and lowers the Model of a run without it; and the warm run really is spared the
 * parse and the per-document checks (its counts), so these tests cannot pass with the cache off. */
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { canonicalJson } from "../src/cache/generation.js";
import { decodeVerdict, encodeVerdict, fileKey, jsonFaithful, splitVerdicts, type ValidationCache } from "../src/cache/validation.js";
import { runBuild } from "../src/cli/commands/build.js";
import { runValidate } from "../src/cli/commands/validate.js";
import type { Io } from "../src/cli/io.js";
import { validate } from "../src/compile.js";
import type { SourceFile } from "../src/load/source.js";
import { builtinPack } from "../src/policy/builtin.js";
import type { PolicyPack } from "../src/policy/pack.js";
import { FIXTURES, readTree, ROOT, sourcesOf, tempDir } from "./helpers.js";

const VERSION = "0.0.0+validation-cache-test";

/** A cache in memory, holding what the last run stored (as the store's file does). */
function memoryCache(version = VERSION): ValidationCache & { entries: Map<string, string> } {
  const c = {
    version,
    entries: new Map<string, string>(),
    verdicts: () => c.entries,
    storeVerdicts: (e: ReadonlyMap<string, string>) => void (c.entries = new Map(e)),
  };
  return c;
}

const example = (): SourceFile[] => sourcesOf(join(ROOT, "spec"));

function edited(sources: readonly SourceFile[], file: string, edit: (text: string) => string): SourceFile[] {
  let found = false;
  const out = sources.map((s) => {
    if (!s.path.endsWith(file)) return s;
    found = true;
    const text = edit(s.text);
    expect(text, `${file} edited`).not.toBe(s.text);
    return { ...s, text };
  });
  expect(found, file).toBe(true);
  return out;
}

/** What validation found: diagnostics and the Model, to compare runs with and without the cache. */
function found(sources: readonly SourceFile[], cache?: ValidationCache) {
  const r = validate(sources, cache ? { validation: cache } : {});
  return { diagnostics: r.diagnostics, model: r.model ? canonicalJson(r.model) : null, known: r.validation };
}

function expectSameAsWithout(sources: readonly SourceFile[], cache: ValidationCache) {
  const without = found(sources);
  const withCache = found(sources, cache);
  expect(withCache.diagnostics).toEqual(without.diagnostics);
  expect(withCache.model).toEqual(without.model);
  return withCache;
}

describe("validation cache: what validation finds is that of a run without it", () => {
  it("cold keeps every clean file; warm takes them all and skips every service's own checks", () => {
    const sources = example();
    const cache = memoryCache();
    const cold = expectSameAsWithout(sources, cache);
    expect(cold.known).toEqual({ sources: sources.length, files: 0, services: 0, policies: 0 });
    expect(cold.model).not.toBeNull();
    // one entry per file, one per service document
    expect(cache.entries.size).toBe(sources.length + 7);
    const warm = expectSameAsWithout(sources, cache);
    expect(warm.known).toEqual({ sources: sources.length, files: sources.length, services: 7, policies: 0 });
  });

  it("a file with a warning or an error is never kept: the warm run finds it again", () => {
    const warned = edited(example(), "notifications.yaml", (t) => t.replace("labels: { channel_owner: platform }", "labels: { channel_owner: platform, severity: low }"));
    const cache = memoryCache();
    const cold = expectSameAsWithout(warned, cache);
    expect(cold.diagnostics.map((d) => d.code)).toEqual(["SVC053"]);
    const warm = expectSameAsWithout(warned, cache);
    expect(warm.diagnostics.map((d) => `${d.file} ${d.code}`)).toEqual([cold.diagnostics[0]!.file + " SVC053"]);
    expect(warm.known).toEqual({ sources: warned.length, files: warned.length - 1, services: 6, policies: 0 });
    // an error (a PromQL typo) in a file the cache held: the changed text is another key
    const broken = edited(warned, "search.yaml", (t) => t.replace('http_requests_total{job="search"}', 'http_requests_total{job="search"'));
    const after = expectSameAsWithout(broken, cache);
    expect(after.diagnostics.some((d) => d.severity === "error" && d.file.endsWith("search.yaml"))).toBe(true);
    expect(after.model).toBeNull();
  });

  it("the Organization changed: every service's own checks run again under it (a team removed is reported)", () => {
    const sources = example();
    const cache = memoryCache();
    found(sources, cache);
    const noCatalog = edited(sources, "organization.yaml", (t) => t.replace("\n    catalog:  ", "\n    catalog-old:  "));
    const warm = expectSameAsWithout(noCatalog, cache);
    expect([...new Set(warm.diagnostics.filter((d) => d.code === "SVC030").map((d) => d.file.split("/").pop()))].sort()).toEqual(["catalog.yaml", "search.yaml"]);
    // the service files' values are still taken (their text is the same), their checks are not skipped
    expect(warm.known).toEqual({ sources: sources.length, files: sources.length - 1, services: 0, policies: 0 });
  });

  it("damaged entries (a flipped byte, another key's entry, another version's, garbage) are parsed and checked again, never used", () => {
    const sources = example();
    const cache = memoryCache();
    found(sources, cache);
    const search = sources.find((s) => s.path.endsWith("search.yaml"))!;
    const catalog = sources.find((s) => s.path.endsWith("catalog.yaml"))!;
    const payments = sources.find((s) => s.path.endsWith("payments-api.yaml"))!;
    const checkout = sources.find((s) => s.path.endsWith("checkout.yaml"))!;
    const key = (s: SourceFile) => fileKey(VERSION, s.text);
    // a flipped byte in a value: still JSON, a valid spec, another Model if it were used
    const good = cache.entries.get(key(search))!;
    expect(good).toContain('"name":"search"');
    cache.entries.set(key(search), good.replace('"name":"search"', '"name":"seerch"'));
    // another file's entry under this key
    cache.entries.set(key(catalog), cache.entries.get(key(payments))!);
    // garbage, and an entry of another svcspec version for the same text
    cache.entries.set(key(payments), "{not json\n[");
    const other = memoryCache("0.0.1+another");
    found(sources, other);
    cache.entries.set(key(checkout), other.entries.get(fileKey("0.0.1+another", checkout.text))!);
    const r = expectSameAsWithout(sources, cache);
    expect(r.known!.files).toBe(sources.length - 4);
    // they were replaced by good ones: the next run takes every file
    expect(expectSameAsWithout(sources, cache).known!.files).toBe(sources.length);
  });

  it("a copy of a clean file under another name is taken by its text, and its service is still a duplicate", () => {
    const sources = example();
    const cache = memoryCache();
    found(sources, cache);
    const search = sources.find((s) => s.path.endsWith("search.yaml"))!;
    const copied = [...sources, { ...search, path: search.path.replace("search.yaml", "zz-search-copy.yaml"), name: search.name.replace("search.yaml", "zz-search-copy.yaml") }];
    const r = expectSameAsWithout(copied, cache);
    expect(r.diagnostics.map((d) => `${d.file.split("/").pop()} ${d.code}`)).toEqual(["zz-search-copy.yaml SVC021"]);
    expect(r.known!.files).toBe(copied.length);
  });

  it("values JSON does not carry (.inf, .nan, -0), and files that use aliases, are parsed every time", () => {
    expect(jsonFaithful([{ a: [1, "x", true, null, { b: 2.5 }] }])).toBe(true);
    for (const v of [Infinity, -Infinity, NaN, -0]) expect(jsonFaithful([{ a: { b: v } }]), String(v)).toBe(false);
    expect(jsonFaithful([{ a: new Date(0) }])).toBe(false);
    // (an alias the schema accepts: a runbook written once and referenced)
    const withAlias = edited(example(), "search.yaml", (t) => t.replace("  runbook: https://runbooks.traceo.example/search", "  runbook: &rb https://runbooks.traceo.example/search").replace("  description: Product search and suggestions.", "  description: *rb"));
    const cache = memoryCache();
    expectSameAsWithout(withAlias, cache);
    expect(expectSameAsWithout(withAlias, cache).known!.files).toBe(withAlias.length - 1);
  });

  it("texts that differ only in a lone surrogate have different keys (UTF-8 would make both U+FFFD)", () => {
    expect(fileKey(VERSION, "name: a\ud800")).not.toBe(fileKey(VERSION, "name: a\ufffd"));
    expect(fileKey(VERSION, "x")).not.toBe(fileKey("0.0.1+another", "x"));
  });

  it("policies: a pack that reads no services is not evaluated again on a document it found nothing in under the same Organization; a finding is made every time", () => {
    const pack = builtinPack();
    expect(pack.readsServices).toBe(false);
    const dir = join(FIXTURES, "invalid", "policy-paging-without-runbook");
    const sources = sourcesOf(join(dir, "spec"), dir);
    const withPolicies = (cache?: ValidationCache) => validate(sources, { policies: [pack], ...(cache ? { validation: cache } : {}) });
    const cache = memoryCache();
    const cold = withPolicies(cache);
    expect(cold.diagnostics.map((d) => d.code)).toEqual(["paging_needs_runbook"]);
    const warm = withPolicies(cache);
    expect(warm.diagnostics).toEqual(cold.diagnostics);
    // the Organization quiet, the service with the finding evaluated again
    expect(warm.validation!.policies).toBe(sources.length - 1);
    // the rule switched off: another Organization, so every document is evaluated under it
    const off = edited(sources, "organization.yaml", (t) => `${t}  policies:\n    disable: [paging_needs_runbook]\n`);
    const offRun = validate(off, { policies: [pack], validation: cache });
    expect(offRun.diagnostics).toEqual([]);
    expect(offRun.validation!.policies).toBe(0);
    expect(validate(off, { policies: [pack], validation: cache }).validation!.policies).toBe(off.length);
    // ... and switched on again: found again (the verdict under the other Organization does not apply)
    expect(withPolicies(cache).diagnostics).toEqual(cold.diagnostics);
    // a pack that may read the services is evaluated every time
    const reading: PolicyPack = { ...pack, readsServices: true };
    const other = memoryCache();
    validate(sources, { policies: [reading], validation: other });
    expect(validate(sources, { policies: [reading], validation: other }).validation!.policies).toBe(0);
  });

  it("entries round-trip under their own key only", () => {
    const e = encodeVerdict("a".repeat(64), [{ kind: "Service" }]);
    expect(decodeVerdict(e, "a".repeat(64))).toEqual([{ kind: "Service" }]);
    expect(decodeVerdict(e, "b".repeat(64))).toBeUndefined();
    expect(decodeVerdict(e.slice(0, -2), "a".repeat(64))).toBeUndefined();
    const two = `garbage\n${e}\n${encodeVerdict("b".repeat(64), true)}\n`;
    expect([...splitVerdicts(two).keys()]).toEqual(["a".repeat(64), "b".repeat(64)]);
  });
});

describe("validation cache on disk (build)", () => {
  const tmp = tempDir("svcspec-valcache-");
  afterAll(() => tmp.cleanup());
  const spec = join(tmp.path, "spec");
  const cacheDir = join(tmp.path, "cache");
  cpSync(join(ROOT, "spec"), spec, { recursive: true });

  function build(out: string): { code: number; err: string } {
    let err = "";
    const io: Io = { out: () => {}, err: (t) => void (err += t), cwd: tmp.path, env: { ...process.env, SVCSPEC_CACHE: cacheDir } };
    const code = runBuild(io, { spec, out, format: "text", force: false, verbose: true, cache: true });
    return { code, err };
  }
  const knownOf = (err: string) => /validation cache: (\d+) of (\d+) spec files as parsed and checked before, (\d+) services' own checks and (\d+) documents' policy evaluations skipped/.exec(err)?.slice(1).map(Number);

  it("warm, and over a damaged verdicts file, the bytes of a cold build; the damaged file is written again", () => {
    const cold = build(join(tmp.path, "out-cold"));
    expect(cold.code, cold.err).toBe(0);
    expect(knownOf(cold.err)).toEqual([0, 8, 0, 0]);
    const warm = build(join(tmp.path, "out-warm"));
    expect(knownOf(warm.err)).toEqual([8, 8, 7, 8]);
    const file = readdirSync(join(cacheDir, "generate")).find((n) => n.startsWith("verdicts-"))!;
    const text = readFileSync(join(cacheDir, "generate", file), "utf8");
    // a byte flipped in the body of a file's entry (a JSON array of values), the file cut in the
    // middle of its last entry (whichever it is: entries are in key order)
    const lines = text.split("\n");
    const body = lines.findIndex((l, i) => i % 2 === 1 && l.startsWith("[") && /"name":"[a-z]/.test(l));
    expect(body).toBeGreaterThan(0);
    lines[body] = lines[body]!.replace(/"name":"([a-z])/, (_m, c: string) => `"name":"${c === "a" ? "b" : "a"}`);
    writeFileSync(join(cacheDir, "generate", file), lines.join("\n").slice(0, text.length - 20));
    const damaged = build(join(tmp.path, "out-damaged"));
    expect(damaged.code, damaged.err).toBe(0);
    const [files, sources] = knownOf(damaged.err)!;
    expect(files).toBeLessThan(sources!);
    const reference = readTree(join(tmp.path, "out-cold"));
    for (const out of ["out-warm", "out-damaged"]) {
      const tree = readTree(join(tmp.path, out));
      expect([...tree.keys()]).toEqual([...reference.keys()]);
      expect([...tree.keys()].filter((p) => tree.get(p) !== reference.get(p))).toEqual([]);
    }
    expect(knownOf(build(join(tmp.path, "out-damaged")).err)).toEqual([8, 8, 7, 8]);
    rmSync(join(tmp.path, "out-cold"), { recursive: true, force: true });
  }, 120_000);

  it("validate reads the cache and writes nothing to it; what it finds is what it finds with --no-cache", () => {
    build(join(tmp.path, "out-v"));
    const folder = join(cacheDir, "generate");
    const before = readdirSync(folder).sort().map((n) => `${n} ${readFileSync(join(folder, n), "utf8").length}`);
    writeFileSync(join(spec, "services", "search.yaml"), readFileSync(join(spec, "services", "search.yaml"), "utf8").replace('code=~"5..|429"}', 'code=~"5..|429"'));
    const run = (cache: boolean) => {
      let err = "";
      const io: Io = { out: () => {}, err: (t) => void (err += t), cwd: tmp.path, env: { ...process.env, SVCSPEC_CACHE: cacheDir } };
      return { code: runValidate(io, { spec, format: "text", cache }), err };
    };
    const cached = run(true);
    expect(cached.code).toBe(1);
    expect(cached.err).toContain("search.yaml");
    expect(cached).toEqual(run(false));
    expect(readdirSync(folder).sort().map((n) => `${n} ${readFileSync(join(folder, n), "utf8").length}`)).toEqual(before);
  }, 120_000);
});
