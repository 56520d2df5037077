/** Policies at validate time, in the unit tier: the built-in pack (precompiled, shipped) and an
 * organisation's pack read from a warm cache run in Node with no opa; a cold cache without opa is
 * one diagnostic that says what to do. What needs opa (compiling, opa test, the differential test
 * against opa eval) is in test/consumer/policies.test.ts. */
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { compile, validate } from "../src/compile.js";
import type { SourceFile } from "../src/load/source.js";
import { builtinDir, builtinManifest, builtinPack } from "../src/policy/builtin.js";
import { cachedWasm, entryModule, policyModules } from "../src/policy/build.js";
import { packageNames, type PolicyPack, readsServices, sourceHash } from "../src/policy/pack.js";
import { FIXTURES, ROOT, run, sourcesOf, tempDir } from "./helpers.js";

// In this file opa is not installed: tool discovery finds nothing (no tool runs in the unit tier).
vi.mock("../src/tools/discover.js", async (original) => ({ ...(await original<typeof import("../src/tools/discover.js")>()), findTool: () => null, localTool: () => null }));

const ORG = join(FIXTURES, "policies", "org");
const ORG_CACHE = join(ORG, "cache");
const INVALID = join(FIXTURES, "invalid");
const schema = JSON.parse(readFileSync(join(ROOT, "schemas", "svcspec.v1.schema.json"), "utf8")) as {
  definitions: { organizationSpec: { properties: { policies: { properties: { disable: { items: { enum: string[] } } } } } } };
};

let tmp: { path: string; cleanup(): void };
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

/** A spec folder's files with one file's text changed. */
function edited(dir: string, file: string, edit: (text: string) => string): SourceFile[] {
  return sourcesOf(join(dir, "spec"), dir).map((s) => (s.path === file ? { ...s, text: edit(s.text) } : s));
}

describe("the Service documents as data: handed only to a pack whose Rego may read them", () => {
  const reads = (text: string) => readsServices([{ path: "p.rego", text }]);

  it("judged from the Rego without its strings and comments: naming `services`, or `data` or `data.svcspec` read whole or by a computed key", () => {
    for (const text of ["some n, o in data.svcspec.services", "x := data . svcspec . services", "import data.svcspec.services as s", "import data.svcspec\nx := svcspec.organization", "x := data.svcspec[k]", "x := data[k]", "import data", "x := data"]) expect(reads(text), text).toBe(true);
    for (const text of ["x := data.svcspec.organization.spec", 'msg := "every services entry"', "# services\nx := 1", "x := `services`", "package svcspec.policies.critical_services_page", "x := input.spec.data", "import data.svcspec.lib\nx := lib.tier(input)", "deny[name] := data.svcspec.policies[name].deny"]) expect(reads(text), text).toBe(false);
    expect(readsServices([{ path: "a.rego", text: "x := 1" }, { path: "b.rego", text: "y := data.svcspec.services" }])).toBe(true);
  });

  it("the built-in pack reads none, and finds the same on every policy fixture with them as without", () => {
    expect(builtinPack().readsServices).toBe(false);
    const handed: PolicyPack = { ...builtinPack(), readsServices: true };
    const fixtures = readdirSync(INVALID).filter((n) => n.startsWith("policy-"));
    expect(fixtures.length).toBeGreaterThanOrEqual(8);
    for (const name of fixtures) {
      const sources = sourcesOf(join(INVALID, name, "spec"), join(INVALID, name));
      const lean = validate(sources, { policies: [builtinPack()] }).diagnostics;
      expect(lean.length, name).toBeGreaterThan(0);
      expect(lean, name).toEqual(validate(sources, { policies: [handed] }).diagnostics);
    }
  });

  it("the organisation's fixture pack names them (namespace_single_team), so it is handed them", () => {
    expect(readsServices(policyModules(join(ORG, "policies")))).toBe(true);
  });
});

describe("the built-in policy pack", () => {
  const modules = policyModules(builtinDir());
  const rules = packageNames(modules);

  it("policies/builtin.wasm was built from the Rego beside it (else: npm run policies:build)", () => {
    expect(builtinManifest()).toEqual({ sourceHash: sourceHash(modules), rules });
  });

  it("has the rules the issue asks for, each with opa tests, an invalid fixture and a schema name", () => {
    expect(rules).toEqual(["chaos_in_business_hours", "critical_chaos_steady_state", "critical_services_page", "load_thresholds_within_slos", "paging_needs_runbook", "pii_access_needs_mfa", "pii_fields_redacted", "wildcard_rule_needs_subjects"]);
    expect(schema.definitions.organizationSpec.properties.policies.properties.disable.items.enum).toEqual(rules);
    const expected = readdirSync(INVALID, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .flatMap((e) => readFileSync(join(INVALID, e.name, "expect.txt"), "utf8").split("\n"))
      .map((l) => l.split(/\s+/)[0]);
    const docs = readFileSync(join(ROOT, "docs", "policies.md"), "utf8");
    for (const rule of rules) {
      expect(existsSync(join(builtinDir(), `${rule}_test.rego`)), `${rule}_test.rego`).toBe(true);
      expect(expected, `an invalid fixture for ${rule}`).toContain(rule);
      expect(docs, `docs/policies.md names ${rule}`).toContain(`\`${rule}\``);
    }
  });

  it("the example spec passes it, with no warning", async () => {
    const r = await run(["validate", "--strict"], ROOT);
    expect(r.err).toBe("✔ spec: 8 documents valid (7 services)\n");
    expect(r.code).toBe(0);
  });

  it("runs by default and blocks the build: compile() with the pack generates nothing over a deny", () => {
    const sources = sourcesOf(join(INVALID, "policy-paging-without-runbook", "spec"), join(INVALID, "policy-paging-without-runbook"));
    expect(compile(sources).files).not.toBeNull();
    const policed = compile(sources, { policies: [builtinPack()] });
    expect(policed.files).toBeNull();
    expect(policed.diagnostics.map((d) => [d.code, d.severity, d.file, d.line, d.col])).toEqual([["paging_needs_runbook", "error", "spec/services/checkout.yaml", 8, 9]]);
  });

  it("a rule switched off in the Organization reports nothing; the others still run", () => {
    const dir = join(INVALID, "policy-paging-without-runbook");
    const off = (names: string) => edited(dir, "spec/organization.yaml", (t) => `${t}  policies:\n    disable: [${names}]\n`);
    expect(validate(off("paging_needs_runbook"), { policies: [builtinPack()] }).diagnostics).toEqual([]);
    expect(validate(off("pii_fields_redacted"), { policies: [builtinPack()] }).diagnostics.map((d) => d.code)).toEqual(["paging_needs_runbook"]);
    // An unknown name is a schema error at the name, not a silent no-op.
    const typo = validate(off("paging_needs_runbok"), { policies: [builtinPack()] }).diagnostics;
    expect(typo.map((d) => [d.code, d.line])).toEqual([["SVC013", 19]]);
  });
});

describe("an organisation's policies", () => {
  it("the fixture's compiled policies are in its cache (else: UPDATE_GOLDEN=1 npx vitest run test/consumer/policies.test.ts)", () => {
    expect(cachedWasm(ORG_CACHE, [...policyModules(join(ORG, "policies")), entryModule()])).not.toBeNull();
  });

  it("a warm cache needs no opa: text shows located errors and warnings with hints", async () => {
    const r = await run(["validate"], ORG, { SVCSPEC_CACHE: ORG_CACHE });
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      [
        "spec/services/checkout.yaml:4:9: warning slo_description: SLO `latency` of service `checkout` has no description",
        "  hint: policy svcspec.policies.slo_description in policies/ says so",
        "spec/services/checkout.yaml:6:14: error namespace_single_team: namespace `shop` of service `checkout` (team payments) is also used by `storefront` (team web)",
        "  hint: give each team its own namespace, e.g. the team's name (the default)",
        "spec/services/storefront.yaml:6:14: error namespace_single_team: namespace `shop` of service `storefront` (team web) is also used by `checkout` (team payments)",
        "  hint: give each team its own namespace, e.g. the team's name (the default)",
        "✖ spec: 2 errors, 1 warning",
        "",
      ].join("\n"),
    );
  });

  it("json and github formats carry the same located diagnostics", async () => {
    const json = await run(["validate", "--format", "json"], ORG, { SVCSPEC_CACHE: ORG_CACHE });
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.out) as { valid: boolean; diagnostics: object[] };
    expect(parsed.valid).toBe(false);
    expect(parsed.diagnostics).toEqual([
      expect.objectContaining({ code: "slo_description", severity: "warning", file: "spec/services/checkout.yaml", line: 4, col: 9 }),
      expect.objectContaining({ code: "namespace_single_team", severity: "error", file: "spec/services/checkout.yaml", line: 6, col: 14, hint: "give each team its own namespace, e.g. the team's name (the default)" }),
      expect.objectContaining({ code: "namespace_single_team", severity: "error", file: "spec/services/storefront.yaml", line: 6, col: 14 }),
    ]);
    const github = await run(["validate", "--format", "github"], ORG, { SVCSPEC_CACHE: ORG_CACHE });
    expect(github.code).toBe(1);
    expect(github.err).toMatch(/^::warning file=spec\/services\/checkout\.yaml,line=4,col=9,title=slo_description::SLO `latency` of service `checkout` has no description%0Ahint: /m);
    expect(github.err).toMatch(/^::error file=spec\/services\/storefront\.yaml,line=6,col=14,title=namespace_single_team::namespace `shop` of service `storefront`/m);
  });

  it("the Organization switches off a built-in rule, not an organisation's own", async () => {
    // The fixture disables chaos_in_business_hours; a night-time schedule on checkout stays quiet.
    cpSync(ORG, tmp.path, { recursive: true });
    const f = join(tmp.path, "spec/services/checkout.yaml");
    writeFileSync(f, readFileSync(f, "utf8").replace("    - name: latency\n", "    - name: latency\n      description: fast enough\n"));
    writeFileSync(join(tmp.path, "spec/services/storefront.yaml"), readFileSync(join(tmp.path, "spec/services/storefront.yaml"), "utf8").replace("namespace: shop ", "namespace: web  "));
    const r = await run(["validate", "--strict"], tmp.path, { SVCSPEC_CACHE: ORG_CACHE });
    expect(r.err).toBe("✔ spec: 3 documents valid (2 services)\n");
  });

  it("a cold cache without opa is one diagnostic that says how to install it; the spec is still checked", async () => {
    cpSync(join(INVALID, "policy-paging-without-runbook", "spec"), join(tmp.path, "spec"), { recursive: true });
    cpSync(join(ORG, "policies"), join(tmp.path, "policies"), { recursive: true });
    const r = await run(["validate"], tmp.path, { SVCSPEC_CACHE: join(tmp.path, "cold") });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^policies: error SVC005: the policies in policies\/ are not compiled yet \(or changed since\), and compiling them needs opa, which is not installed\n  hint: install opa 1\.x onto the PATH \(https:\/\/www\.openpolicyagent\.org\/docs#running-opa; in a clone of svcspec, scripts\/setup-tools\.sh\); each compile is cached in \S+, so opa is needed again only when the policies change$/m);
    expect(r.err).toMatch(/^spec\/services\/checkout\.yaml:8:9: error paging_needs_runbook: /m);
    expect(r.err).toMatch(/✖ spec: 2 errors, 0 warnings\n$/);
    // build and check fail alike and write nothing.
    expect((await run(["build"], tmp.path, { SVCSPEC_CACHE: join(tmp.path, "cold") })).code).toBe(1);
    expect(existsSync(join(tmp.path, "out"))).toBe(false);
  });

  it("--policies naming a missing folder is a diagnostic", async () => {
    const r = await run(["validate", "--spec", "spec", "--policies", "rules"], ORG, { SVCSPEC_CACHE: ORG_CACHE });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^rules: error SVC005: policies folder rules does not exist\n  hint: pass --policies <dir>/m);
  });

  it("svcspec policy test without opa says it is missing and fails", async () => {
    const r = await run(["policy", "test"], ORG);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^  \?  opa test {17}MISSING: opa is not installed\n✖ policy test: 0 ran, 0 failed, 1 missing\n/);
  });
});

describe("--strict", () => {
  const dir = join(INVALID, "policy-chaos-scheduled-at-night");

  it("validate: a warning passes, and fails under --strict; the summary counts it", async () => {
    const lax = await run(["validate"], dir);
    expect(lax.code).toBe(0);
    expect(lax.err).toMatch(/warning chaos_in_business_hours: [\s\S]*✔ spec: 2 documents valid \(1 services\), 0 errors, 1 warning\n$/);
    const strict = await run(["validate", "--strict"], dir);
    expect(strict.code).toBe(1);
    expect(strict.err).toMatch(/✖ spec: 0 errors, 1 warning \(--strict: warnings fail\)\n$/);
    expect(JSON.parse((await run(["validate", "--strict", "--format", "json"], dir)).out)).toMatchObject({ valid: false });
  });

  it("build writes nothing and check fails", async () => {
    const out = join(tmp.path, "out");
    const build = await run(["build", "--strict", "--out", out], dir);
    expect(build.code).toBe(1);
    expect(build.err).toMatch(/✖ spec: 0 errors, 1 warning \(--strict: warnings fail\); \S+ left as it was\n$/);
    expect(existsSync(out)).toBe(false);
    expect((await run(["build", "--out", out], dir)).code).toBe(0);
    expect((await run(["check", "--out", out], dir)).code).toBe(0);
    const check = await run(["check", "--strict", "--out", out], dir);
    expect(check.code).toBe(1);
    expect(check.err).toMatch(/✖ spec: 0 errors, 1 warning \(--strict: warnings fail\)\n$/);
  });
});

describe("checks that need no policy", () => {
  it("a tier objective written as a fraction: SVC047 with the percentage meant, and no cascade of never-firing alerts", () => {
    const dir = join(INVALID, "policy-paging-without-runbook");
    const sources = edited(dir, "spec/organization.yaml", (t) => `${t}  tiers:\n    critical: { objective: 0.999, page: true, ticket: true }\n    low: { objective: 1, page: false, ticket: false }\n`);
    const d = validate(sources).diagnostics;
    expect(d.map((x) => [x.code, x.line, x.col, x.hint])).toEqual([
      ["SVC047", 19, 28, "did you mean 99.9? objectives are percentages: 99.95 means 99.95%"],
      ["SVC047", 20, 23, "objectives are percentages: 99.95 means 99.95%"],
    ]);
    // A string with % says percent: 0.5% is a (poor) objective, not a fraction.
    expect(validate(edited(dir, "spec/services/checkout.yaml", (t) => t.replace("objective: 99.95", 'objective: "0.5%"'))).diagnostics.map((x) => x.code)).not.toContain("SVC047");
  });

  it("an access test's maskedFields and reason are checked against the decision, each at its key", () => {
    const dir = join(INVALID, "access-test-wrong-expectation");
    const sources = edited(dir, "spec/services/checkout.yaml", (t) =>
      t
        .replace("        actions: [read, write, refund]\n", "        actions: [read, write, refund]\n        piiFields: [customer.email]\n")
        .replace("  access:\n", "  pii:\n    fields: [{ path: customer.email, action: hash }]\n  access:\n")
        .replace("    tests:\n", "      - { name: admins-read-orders, effect: allow, actions: [read], resources: [orders], subjects: { roles: [admin] } }\n    tests:\n")
        .replace("        expect: allow                 # wrong: the rule needs MFA", "        expect: deny")
        .replace("          environment: { ip: 10.8.1.2 }\n        expect: allow\n", "          environment: { ip: 10.8.1.2 }\n        expect: allow\n        maskedFields: []\n        reason: admins-read-orders\n"),
    );
    const d = validate(sources).diagnostics;
    expect(d.map((x) => [x.code, x.line, x.col, x.message])).toEqual([
      ["SVC084", 40, 9, 'access test "engineer on VPN reads orders" expects maskedFields [], but the decision masks ["customer.email"]'],
      ["SVC084", 41, 17, 'access test "engineer on VPN reads orders" expects reason `admins-read-orders`, but the decision\'s reasons are ["engineers-read-orders"]'],
    ]);
  });
});
