/** Policies proven with opa: the built-in pack's Rego passes opa check --strict, opa fmt and its
 * opa tests, and policies/builtin.wasm is what opa builds from it; an organisation's policies are
 * compiled on a cold cache, their Rego errors are located, `svcspec policy test` runs their tests;
 * and the wasm run in Node decides as `opa eval` does on every document of every fixture (a
 * differential test). What needs no opa: test/policies.test.ts. */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as sdk from "@open-policy-agent/opa-wasm";
import { loneSurrogateAt } from "../../src/util/text.js";
import { describe, expect, it } from "vitest";
import { TIME_BUILTINS } from "../../src/access/wasm.js";
import { parseSources, type SpecDocument } from "../../src/load/source.js";
import { builtinDir, builtinPack } from "../../src/policy/builtin.js";
import { buildPolicies, cachedWasm, entryModule, policyModules } from "../../src/policy/build.js";
import { policyData } from "../../src/policy/evaluate.js";
import { POLICIES_ENTRYPOINT, type RegoSource, sourceHash } from "../../src/policy/pack.js";
import { toJson } from "../../src/render/json.js";
import { localTool } from "../../src/tools/discover.js";
import { FIXTURES, ROOT, UPDATE, run, sourcesOf, tempDir } from "../helpers.js";

const opa = localTool("opa", ROOT);
const ORG = join(FIXTURES, "policies", "org");
const orgModules = () => [...policyModules(join(ORG, "policies")), entryModule()];

function runOpa(args: string[], cwd: string) {
  return spawnSync(opa!, args, { cwd, encoding: "utf8", timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
}

function built(modules: readonly RegoSource[]): Buffer {
  const r = buildPolicies(opa!, modules);
  if (!("wasm" in r)) throw new Error(`opa refused the policies: ${JSON.stringify(r.problems)} ${r.output}`);
  return r.wasm;
}

describe("the built-in pack's Rego", () => {
  it("opa check --strict, opa fmt --list and svcspec policy test pass", async () => {
    expect(opa, "opa missing: run scripts/setup-tools.sh").not.toBeNull();
    const check = runOpa(["check", "--strict", "."], builtinDir());
    expect(check.status, check.stdout + check.stderr).toBe(0);
    const fmt = runOpa(["fmt", "--list", "--fail", "."], builtinDir());
    expect(fmt.stdout + fmt.stderr).toBe("");
    const r = await run(["policy", "test"], ROOT);
    expect(r.err, r.err).toMatch(/^ {2}✔ {2}opa test {17}ok \(\d+ tests in policies\/\)\n✔ policy test: 1 ran, 0 failed, 0 missing\n$/);
    expect(r.code).toBe(0);
  });

  it("policies/builtin.wasm is what opa builds from it now (else: npm run policies:build)", () => {
    expect(built(policyModules(builtinDir())).equals(readFileSync(join(builtinDir(), "builtin.wasm")))).toBe(true);
  });
});

describe("an organisation's policies", () => {
  it("the fixture's cached wasm is what opa builds from its policies (UPDATE_GOLDEN=1 rewrites it)", () => {
    const wasm = built(orgModules());
    const dir = join(ORG, "cache", "policies");
    if (UPDATE) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${sourceHash(orgModules())}.wasm`), wasm);
    }
    expect(cachedWasm(join(ORG, "cache"), orgModules())?.equals(wasm)).toBe(true);
    expect(readdirSync(dir)).toEqual([`${sourceHash(orgModules())}.wasm`]);
  });

  it("a cold cache is compiled with opa, stored (ignoring itself in Git) and gives the warm cache's diagnostics", async () => {
    const tmp = tempDir();
    try {
      const cache = join(tmp.path, "cache");
      const cold = await run(["validate", "--format", "json"], ORG, { SVCSPEC_CACHE: cache });
      const warm = await run(["validate", "--format", "json"], ORG, { SVCSPEC_CACHE: join(ORG, "cache") });
      expect(cold.code).toBe(1);
      expect(cold.out).toBe(warm.out);
      expect(readdirSync(join(cache, "policies"))).toEqual([`${sourceHash(orgModules())}.wasm`]);
      expect(readFileSync(join(cache, ".gitignore"), "utf8")).toMatch(/^\*$/m);
    } finally {
      tmp.cleanup();
    }
  });

  it("Rego errors are located at their file, line and column, a built-in wasm lacks among them", async () => {
    const tmp = tempDir();
    try {
      cpSync(join(ORG, "spec"), join(tmp.path, "spec"), { recursive: true });
      mkdirSync(join(tmp.path, "policies"));
      writeFileSync(join(tmp.path, "policies", "clock.rego"), "package svcspec.policies.clock\n\ndeny contains \"late\" if {\n\ttime.now_ns() > 0\n}\n");
      const r = await run(["validate"], tmp.path, { SVCSPEC_CACHE: join(tmp.path, "cache") });
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^policies\/clock\.rego:4:2: error SVC005: rego_type_error: undefined function time\.now_ns\n {2}hint: policies run in wasm: only the built-ins of @open-policy-agent\/opa-wasm and time\.parse_rfc3339_ns, time\.clock, time\.weekday are available$/m);
      writeFileSync(join(tmp.path, "policies", "clock.rego"), "package svcspec.policies.clock\n\ndeny contains \"late\" if {\n\tinput.kind ==\n}\n");
      const syntax = await run(["validate"], tmp.path, { SVCSPEC_CACHE: join(tmp.path, "cache") });
      expect(syntax.err).toMatch(/^policies\/clock\.rego:5:1: error SVC005: rego_parse_error: /m);
    } finally {
      tmp.cleanup();
    }
  });

  it("svcspec policy test runs the organisation's tests, and reports a failing one at its line", async () => {
    const ok = await run(["policy", "test"], ORG);
    expect(ok.err).toBe("  ✔  opa test                 ok (5 tests in policies/)\n✔ policy test: 1 ran, 0 failed, 0 missing\n");
    expect(ok.code).toBe(0);
    const tmp = tempDir();
    try {
      cpSync(join(ORG, "policies"), join(tmp.path, "rules"), { recursive: true });
      const f = join(tmp.path, "rules", "slo_description_test.rego");
      writeFileSync(f, readFileSync(f, "utf8").replace('"description": "fast enough"', '"name": "latency"'));
      const failed = await run(["policy", "test", "--policies", "rules"], tmp.path);
      expect(failed.code).toBe(1);
      expect(failed.err).toMatch(/^ {2}✖ {2}opa test {17}FAILED: 1 of 5 tests in rules\/\n {7}rules\/slo_description_test\.rego:11: data\.svcspec\.policies\.slo_description_test\.test_slo_with_description: FAIL\n✖ policy test: 1 ran, 1 failed, 0 missing\n$/);
    } finally {
      tmp.cleanup();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The differential test: wasm in Node against opa eval, on every document of every fixture.

interface Case {
  id: string;
  documents: SpecDocument[];
}

function fixtureCases(): Case[] {
  const invalid = join(FIXTURES, "invalid");
  const dirs = [
    ["spec", ROOT],
    ...["minimal", "window-28d", join("policies", "org")].map((n) => [join(FIXTURES, n, "spec"), join(FIXTURES, n)]),
    ...readdirSync(invalid, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => [join(invalid, e.name, "spec"), join(invalid, e.name)]),
  ] as [string, string][];
  return dirs
    .map(([spec, cwd]) => ({ id: spec.slice(ROOT.length + 1), documents: parseSources(sourcesOf(spec, cwd)).documents.filter((d) => wellFormed(d.value)) }))
    .filter((c) => c.documents.length > 0);
}

/** A document with a lone surrogate never reaches the policies (SVC006 stops it first), and no
 * JSON reader of either engine takes one. */
function wellFormed(v: unknown): boolean {
  if (typeof v === "string") return loneSurrogateAt(v) < 0;
  if (Array.isArray(v)) return v.every(wellFormed);
  if (v !== null && typeof v === "object") return Object.entries(v).every(([k, x]) => loneSurrogateAt(k) < 0 && wellFormed(x));
  return true;
}

type Result = Record<string, Record<string, unknown[]>>;

/** The sets as sorted arrays of canonical JSON: the two engines need not list a set's elements, or
 * an object's keys, in one order. */
function canonical(r: unknown): unknown {
  const out: Result = {};
  for (const [key, byName] of Object.entries((r ?? {}) as Result)) {
    out[key] = Object.fromEntries(Object.entries(byName).map(([name, set]) => [name, set.map((x) => toJson(x)).sort()]));
  }
  return out;
}

const loadPolicySync: typeof sdk.loadPolicySync = ((sdk as unknown as { default?: typeof sdk }).default ?? sdk).loadPolicySync;

function wasmResults(wasm: Uint8Array, cases: Case[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const c of cases) {
    const policy = loadPolicySync(wasm, undefined, TIME_BUILTINS);
    policy.setData(policyData(c.documents));
    c.documents.forEach((d, j) => out.set(`${c.id}#${j}`, canonical((policy.evaluate(d.value, POLICIES_ENTRYPOINT) as { result?: unknown }[])[0]?.result)));
  }
  return out;
}

/** One opa eval over every case: a harness rule per document evaluates the entrypoint with that
 * document as input and its case's data (static references: `with` takes them in any OPA). */
function opaResults(modules: readonly RegoSource[], cases: Case[], tmp: string): Map<string, unknown> {
  const src = join(tmp, "src");
  for (const m of modules) {
    mkdirSync(join(src, m.path, ".."), { recursive: true });
    writeFileSync(join(src, m.path), m.text);
  }
  const data: Record<string, unknown>[] = cases.map((c) => ({ ...policyData(c.documents).svcspec, documents: c.documents.map((d) => d.value) }));
  writeFileSync(join(tmp, "cases.json"), JSON.stringify({ cases: data }));
  const rules = cases.flatMap((c, i) =>
    c.documents.map((_, j) => {
      const at = `data.cases[${i}]`;
      const org = data[i]!["organization"] ? ` with data.svcspec.organization as ${at}.organization` : "";
      return `r_${i}_${j} := x if {\n\tx := data.svcspec.entry with input as ${at}.documents[${j}]${org} with data.svcspec.services as ${at}.services with data.svcspec.defaults as ${at}.defaults\n}\n`;
    }),
  );
  writeFileSync(join(tmp, "harness.rego"), `package harness\n\n${rules.join("\n")}`);
  const r = runOpa(["eval", "--format", "json", "-d", "src", "-d", "cases.json", "-d", "harness.rego", "data.harness"], tmp);
  if (r.status !== 0) throw new Error(`opa eval failed: ${r.stdout}${r.stderr}`);
  const value = (JSON.parse(r.stdout) as { result: { expressions: { value: Record<string, unknown> }[] }[] }).result[0]!.expressions[0]!.value;
  const out = new Map<string, unknown>();
  cases.forEach((c, i) => c.documents.forEach((_, j) => out.set(`${c.id}#${j}`, canonical(value[`r_${i}_${j}`]))));
  return out;
}

describe("the wasm decides as opa eval does", () => {
  it.each([
    ["the built-in pack", () => policyModules(builtinDir()), () => builtinPack().wasm, () => fixtureCases()],
    ["the fixture organisation's pack", orgModules, () => cachedWasm(join(ORG, "cache"), orgModules())!, () => fixtureCases().filter((c) => c.id.startsWith("test/fixtures/policies/") || c.id === "spec")],
  ] as const)("%s, on every document of every fixture", (_what, modules, wasm, cases) => {
    expect(opa, "opa missing: run scripts/setup-tools.sh").not.toBeNull();
    const tmp = tempDir();
    try {
      const all = cases();
      const fromWasm = wasmResults(wasm(), all);
      const fromOpa = opaResults(modules(), all, tmp.path);
      expect(fromWasm.size).toBeGreaterThan(all.length);
      expect([...fromWasm.keys()]).toEqual([...fromOpa.keys()]);
      for (const [key, value] of fromWasm) expect(value, key).toEqual(fromOpa.get(key));
      // Not a comparison of empty results: on the fixtures every rule reports something.
      const sets = [...fromWasm.values()].flatMap((v) => Object.values(v as Result).flatMap((byName) => Object.entries(byName)));
      expect([...new Set(sets.filter(([, set]) => set.length).map(([name]) => name))].sort()).toEqual([...new Set(sets.map(([name]) => name))].sort());
    } finally {
      tmp.cleanup();
    }
  });
});
