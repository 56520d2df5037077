/** The real validators must be installed (scripts/setup-tools.sh): a missing one fails here
 * instead of silently skipping the proofs that depend on it. */
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { localTool } from "../../src/tools/discover.js";
import { ROOT, run, tempDir } from "../helpers.js";
import { crdTitle, expectCrdSchemas, SKIP_CRDS } from "../support/kube-schemas.js";

const TOOLS: [string, string[], RegExp][] = [
  ["promtool", ["--version"], /promtool, version 2\.42\./],
  ["amtool", ["--version"], /amtool, version 0\.25\./],
  ["alertmanager", ["--version"], /alertmanager, version 0\.25\./],
  ["luajit", ["-v"], /LuaJIT 2\.1/],
  ["opa", ["version"], /Version: 1\./],
  ["k6", ["version"], /k6 v2\./],
  ["kubeconform", ["-v"], /v0\.7\./],
];

/** svcspec verify runs every generated promtool test (the minute tests and the history tests of #17:
 * about 2.5 min for the example on 2 cores), over the 120 s default. */
const VERIFY_TIMEOUT = 600_000;

describe("real validators", () => {
  it.each(TOOLS)("%s is installed at the pinned version", (tool, args, version) => {
    const bin = localTool(tool, ROOT);
    expect(bin, `${tool} is missing: run scripts/setup-tools.sh`).not.toBeNull();
    const r = spawnSync(bin!, args, { encoding: "utf8", timeout: 30_000 });
    expect((r.stdout ?? "") + (r.stderr ?? "")).toMatch(version);
  });

  it.skipIf(SKIP_CRDS)(crdTitle("svcspec verify runs every applicable validator over out/ and reports it"), async () => {
    expectCrdSchemas();
    const r = await run(["verify", "--require-tools"], ROOT);
    // Every consumer of the example's outputs ran and passed; none was skipped as "nothing to check".
    for (const check of ["promtool check rules", "promtool test rules", "amtool check-config", "amtool config routes test", "opa check --strict", "opa test", "luajit compile", "k6 inspect", "kubeconform -strict", "opa-wasm access.tests", "kubernetes-models core"]) {
      expect(r.err, check).toMatch(new RegExp(`✔  ${check.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&")}\\s+ok \\(\\d+`));
    }
    expect(r.err).toMatch(/verify: 11 ran, 0 failed, 0 missing/);
    expect(r.code).toBe(0);
  }, VERIFY_TIMEOUT);

  // Only the Kubernetes checks: the others do not read the schemas, and the case above runs them all.
  it("svcspec verify without the custom-resource schemas reports kubeconform missing (exit 3 unless --allow-missing), never a failed check", async () => {
    const empty = tempDir();
    try {
      const env = { SVCSPEC_KUBE_SCHEMAS: empty.path, SVCSPEC_CRDS: "" };
      const required = await run(["verify", "--only", "kubernetes"], ROOT, env);
      expect(required.err).toMatch(/\?  kubeconform -strict\s+MISSING: no custom-resource schemas in \S+ \(\$SVCSPEC_KUBE_SCHEMAS\); pass --crds <folder of CRDs> or set SVCSPEC_CRDS\n/);
      expect(required.err).toContain(`schemas in ${empty.path} (`);
      expect(required.err).not.toMatch(/could not find schema|FAILED/);
      expect(required.err).toMatch(/✔  kubernetes-models core\s+ok/);
      expect(required.err).toMatch(/✖ verify: 1 ran, 0 failed, 1 missing \(only kubernetes\)/);
      expect(required.err).not.toMatch(/promtool|amtool|opa|luajit|k6/);
      expect(required.code).toBe(3);
      expect((await run(["verify", "--require-tools", "--only", "kubernetes"], ROOT, env)).code).toBe(3);
      const lenient = await run(["verify", "--allow-missing", "--only", "kubernetes"], ROOT, env);
      expect(lenient.err).toMatch(/✔ verify: 1 ran, 0 failed, 1 missing \(only kubernetes\)/);
      expect(lenient.code, lenient.err).toBe(0);
    } finally {
      empty.cleanup();
    }
  });

  it("scripts/setup-tools.sh without a CRD folder keeps every validator, says the custom resources go unchecked and succeeds; SVCSPEC_REQUIRE_CRDS=1 fails", () => {
    // A tools folder whose validators are the installed ones (stamps copied, so nothing is built
    // again) and which has no schemas, with no CRD folder: a clone without ../shared.
    const installed = process.env["SVCSPEC_TOOLS"] || join(ROOT, ".tools");
    const stamps = readdirSync(installed).filter((f) => f.startsWith(".stamp-"));
    expect(stamps.length, `no validators installed in ${installed}: run scripts/setup-tools.sh`).toBeGreaterThanOrEqual(8);
    const t = tempDir();
    try {
      const tools = join(t.path, "tools");
      mkdirSync(tools);
      for (const d of ["bin", "root", "debs"]) symlinkSync(join(installed, d), join(tools, d));
      for (const f of stamps) copyFileSync(join(installed, f), join(tools, f));
      const setup = (env: Record<string, string>) =>
        spawnSync("bash", [join(ROOT, "scripts", "setup-tools.sh")], { cwd: ROOT, encoding: "utf8", timeout: 60_000, env: { ...process.env, SVCSPEC_REQUIRE_CRDS: "", SVCSPEC_TOOLS: tools, SVCSPEC_CRDS: join(t.path, "no-crds"), ...env } });
      const r = setup({});
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain(`no CRD folder at ${join(t.path, "no-crds")} (set SVCSPEC_CRDS to a folder of CRDs): kubeconform cannot check the custom resources`);
      expect(r.stderr).toMatch(/their tests skip and `svcspec verify` reports them missing/);
      expect(r.stderr).toMatch(/all validators in .*; custom resources unchecked \(no CRDs\)/);
      expect(r.stderr).not.toMatch(/installing|building/);
      expect(existsSync(join(tools, "kube-schemas"))).toBe(false);
      const ci = setup({ SVCSPEC_REQUIRE_CRDS: "1" });
      expect(ci.status).toBe(1);
      expect(ci.stderr).toContain("SVCSPEC_REQUIRE_CRDS=1: the custom-resource schemas are required");
    } finally {
      t.cleanup();
    }
  }, VERIFY_TIMEOUT);

  it("svcspec verify runs the spec's access tests through the wasm, and fails where the bundle decides otherwise", async () => {
    const t = tempDir();
    try {
      cpSync(join(ROOT, "spec"), join(t.path, "spec"), { recursive: true });
      cpSync(join(ROOT, "out", "opa"), join(t.path, "out", "opa"), { recursive: true });
      const ok = await run(["verify", "--spec", join(t.path, "spec"), "--out", join(t.path, "out")], ROOT);
      expect(ok.err).toMatch(/✔  opa-wasm access\.tests\s+ok \(\d+ access tests of \d+ services, \d+ deploy-gate cases\)/);
      const file = join(t.path, "spec", "services", "catalog.yaml");
      const text = readFileSync(file, "utf8");
      const flipped = text.replace(/(- name: viewer reads products from the office[\s\S]*?expect: )allow/, "$1deny");
      expect(flipped).not.toBe(text);
      // A wrong expectation does not build: validate decides every access test first (SVC084).
      writeFileSync(file, flipped);
      const built = await run(["build", "--spec", join(t.path, "spec"), "--out", join(t.path, "built")], ROOT);
      expect(built.code).toBe(1);
      expect(built.err).toMatch(/catalog\.yaml:\d+:\d+: error SVC084: access test "viewer reads products from the office" expects deny, but the rules allow it/);
      // The wasm step catches, by itself, a bundle of the same revision whose rules decide otherwise.
      writeFileSync(file, text);
      const data = join(t.path, "out", "opa", "svcspec", "services", "catalog", "data.json");
      const rules = readFileSync(data, "utf8");
      const tampered = rules.replace(/("name": "staff-read",[\s\S]*?"roles": \[\s*)"viewer",\s*/, "$1");
      expect(tampered).not.toBe(rules);
      writeFileSync(data, tampered);
      const r = await run(["verify", "--spec", join(t.path, "spec"), "--out", join(t.path, "out")], ROOT);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/opa-wasm access\.tests\s+FAILED/);
      expect(r.err).toMatch(/catalog: viewer reads products from the office: expected allow, got deny/);
    } finally {
      t.cleanup();
    }
  }, VERIFY_TIMEOUT);

  it("svcspec verify refuses to run one spec's access tests against another spec's bundle", async () => {
    const out = join(ROOT, "test", "fixtures", "minimal", "expected");
    const wrong = await run(["verify", "--out", out], ROOT);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/opa-wasm access\.tests\s+FAILED[\s\S]*was not compiled from the spec in spec \(the bundle revision differs\)/);
    // --allow-missing: this is about the access tests; on a clone without CRDs kubeconform is missing (exit 3)
    const right = await run(["verify", "--allow-missing", "--spec", join(ROOT, "test", "fixtures", "minimal", "spec"), "--out", out], ROOT);
    expect(right.err).toMatch(/✔  opa-wasm access\.tests\s+ok/);
    expect(right.code, right.err).toBe(0);
  }, VERIFY_TIMEOUT);

  it("svcspec verify fails when a validator rejects an output", async () => {
    const t = tempDir();
    try {
      mkdirSync(join(t.path, "prometheus"));
      writeFileSync(join(t.path, "prometheus", "bad.rules.yaml"), "groups:\n  - name: x\n    rules:\n      - record: job:x:rate5m\n        expr: sum(rate(x[5m]) by (\n");
      mkdirSync(join(t.path, "fluent-bit"));
      writeFileSync(join(t.path, "fluent-bit", "redact.lua"), "function cb_redact(tag, ts, record)\n  return 0, ts, record\n"); // missing `end`
      const r = await run(["verify", "--out", t.path], ROOT);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/promtool check rules\s+FAILED/);
      expect(r.err).toMatch(/luajit compile\s+FAILED/);
      expect(r.err).toMatch(/verify: 2 ran, 2 failed/);
    } finally {
      t.cleanup();
    }
  });
});
