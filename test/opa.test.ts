/** The OPA output without opa: the Rego sources hold the service policy and the deploy gate, the
 * TypeScript reference evaluator passes every access test of the example and follows the deploy
 * table, deny rules fail closed, and svcspec bundle's archive reading and refusals. opa itself, the
 * bundle compiled to wasm and a real OPA server prove the same policies in
 * test/consumer/opa.test.ts. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluateAccess, evaluateDeploy } from "../src/access/evaluate.js";
import { readTarGz } from "../src/access/wasm.js";
import { validate } from "../src/compile.js";
import { AUTHZ_REGO, DEPLOY_REGO, REGO_DIR, servicePolicy } from "../generators/opa/policy.js";
import { FIXTURES, modelOf, ROOT, run, sourcesOf, tempDir } from "./helpers.js";

const model = () => modelOf("spec");

describe("the Rego sources in generators/opa are Rego as they are", () => {
  const dir = join(ROOT, REGO_DIR);
  const sources = readdirSync(dir).filter((f) => f.endsWith(".rego")).sort();

  it("holds the service policy and the deploy gate", () => {
    expect(sources).toEqual(expect.arrayContaining([AUTHZ_REGO, DEPLOY_REGO]));
  });

  it("a service policy replaces every placeholder segment, and only takes an identifier", () => {
    const text = servicePolicy("payments_api");
    expect(text.startsWith("package svcspec.services.payments_api.authz\n")).toBe(true);
    expect(text).not.toMatch(/service_id/);
    expect(text.match(/data\.svcspec\.services\.payments_api\./g)?.length).toBe(readFileSync(join(dir, AUTHZ_REGO), "utf8").match(/data\.svcspec\.services\.service_id\./g)?.length);
    expect(() => servicePolicy("payments-api")).toThrow(/not a Rego identifier/);
  });
});

describe("the TypeScript reference evaluator", () => {
  const m = model();
  const tests = m.services.flatMap((s) => (s.access ? s.access.tests.map((t) => [`${s.name}: ${t.name}`, s.access!, t] as const) : []));

  it("the example has access tests", () => expect(tests.length).toBeGreaterThanOrEqual(10));

  it.each(tests)("%s", (_name, access, t) => {
    const d = evaluateAccess(access, t.request);
    expect(d.allow).toBe(t.expect === "allow");
    if (t.maskedFields) expect(d.maskedFields).toEqual(t.maskedFields);
    if (t.reason) expect(d.reasons).toContain(t.reason);
  });

  it("the deploy gate follows the seed table at and around each threshold", () => {
    const p = m.organization.deployPolicy;
    const at = (b: unknown, risk: unknown = "high") => evaluateDeploy(p, { service: "checkout", budgetRemaining: b, risk });
    expect(at(0.5).allow).toBe(true);
    expect(at(0.4999).allow).toBe(false);
    expect(at(0.4999, "low").allow).toBe(true);
    expect(at(0.25, "low").allow).toBe(true);
    expect(at(0.2499, "low").allow).toBe(false);
    expect(at(0.1).hold).toBe(false);
    expect(at(0.0999).hold).toBe(true);
    expect(at(-0.01).allow).toBe(false);
    expect(at("0.9").allow).toBe(false);
    expect(at(0.9, "medium").allow).toBe(false);
  });
});

describe("svcspec bundle", () => {
  it("reads tar.gz archives with paths over 100 bytes (PAX headers, as Go writes them)", () => {
    const tmp = tempDir();
    try {
      const long = `svcspec/services/${"a_very_long_service_name_".repeat(7)}x/policy.rego`;
      mkdirSync(join(tmp.path, "src", long, ".."), { recursive: true });
      writeFileSync(join(tmp.path, "src", long), "package x\n");
      writeFileSync(join(tmp.path, "src", "data.json"), "{}\n");
      const r = spawnSync("tar", ["--format=pax", "-czf", join(tmp.path, "b.tar.gz"), "-C", join(tmp.path, "src"), "data.json", long], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      const files = readTarGz(readFileSync(join(tmp.path, "b.tar.gz")));
      expect([...files.keys()].sort()).toEqual(["data.json", long]);
      expect(files.get(long)!.toString()).toBe("package x\n");
    } finally {
      tmp.cleanup();
    }
  });

  it("writes nothing from an invalid spec", async () => {
    const tmp = tempDir();
    try {
      const r = await run(["bundle", "--spec", join(FIXTURES, "invalid", "access-test-unknown-resource", "spec"), "--dest", join(tmp.path, "opa")]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/SVC\d{3}/);
      expect(existsSync(join(tmp.path, "opa"))).toBe(false);
    } finally {
      tmp.cleanup();
    }
  });
});

describe("deny rules fail closed", () => {
  const model = validate(sourcesOf(join(ROOT, "spec"))).model!;
  const catalog = model.services.find((s) => s.name === "catalog")!.access!;
  const checkout = model.services.find((s) => s.name === "checkout")!.access!;
  const publish = (environment: Record<string, unknown>) => ({
    subject: { id: "u-3", roles: ["engineer"], teams: ["catalog"], mfa: true },
    action: "publish",
    resource: { type: "products" },
    environment,
  });

  it("a request without a time cannot slip past the weekend freeze", () => {
    const d = evaluateAccess(catalog, publish({ ip: "10.8.1.2" }));
    expect(d.allow).toBe(false);
    expect(d.reasons).toContain("publishing-freeze-weekends");
  });

  it("a request without an address cannot slip past the CI network block", () => {
    const d = evaluateAccess(checkout, { subject: { id: "ci", roles: ["admin"], mfa: true }, action: "refund", resource: { type: "orders" }, environment: {} });
    expect(d.allow).toBe(false);
    expect(d.reasons).toContain("no-changes-from-ci");
  });
});
