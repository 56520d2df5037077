/** `svcspec plan` in the unit tier: canonical spec changes (test/support/plan-cases.ts) each
 * report exactly the changes they make, effect and summary, with golden text, Markdown and JSON
 * under test/fixtures/plan/<case>/ (`npm run test:update` rewrites them); random pairs of access
 * policies: every decision the reference evaluator sees change on sampled requests appears in
 * the plan; the same inputs give the same bytes. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluateAccess } from "../src/access/evaluate.js";
import { prng } from "../src/access/corpus.js";
import { compile, type CompileResult } from "../src/compile.js";
import type { SourceFile } from "../src/load/source.js";
import { PII_CATALOGUE } from "../src/model/pii-catalogue.js";
import { AREAS, EFFECTS, plan, type Plan } from "../src/plan/index.js";
import { renderJson, renderMarkdown, renderText } from "../src/plan/render.js";
import { FIXTURES, UPDATE } from "./helpers.js";
import { DETECTORS } from "./oracle/detectors.js";
import { PLAN_CASES } from "./support/plan-cases.js";
import { explains, randomAccessPair, sampledRequests } from "./support/access-pairs.js";
import { exampleSources } from "./support/spec-edit.js";

function compiled(sources: readonly SourceFile[]): Required<{ [K in keyof CompileResult]: NonNullable<CompileResult[K]> }> {
  const r = compile(sources);
  if (!r.model || !r.files) throw new Error(r.diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.code} ${d.message}`).join("\n"));
  return r as never;
}

const base = exampleSources();
const b = compiled(base);
const planOf = (sources: readonly SourceFile[]): Plan => {
  const h = compiled(sources);
  return plan({ model: b.model, files: b.files }, { model: h.model, files: h.files });
};
const GOLDEN = join(FIXTURES, "plan");
const AGAINST = "the example spec";

describe("plan: canonical changes", () => {
  const plans = new Map(PLAN_CASES.map((c) => [c.name, planOf(c.edit(base))]));

  it.each(PLAN_CASES.map((c) => [c.name, c] as const))("%s: exactly the expected changes, effect and summary", (name, c) => {
    const p = plans.get(name)!;
    expect(p.changes.map((x) => `${x.service} ${x.area} ${x.effect}`)).toEqual(c.changes.map((x) => `${x.service} ${x.area} ${x.effect}`));
    c.changes.forEach((want, i) => {
      const got = p.changes[i]!.summary;
      if (typeof want.summary === "string") expect(got).toBe(want.summary);
      else expect(got).toMatch(want.summary);
    });
  });

  it.each(PLAN_CASES.map((c) => c.name))("%s: text, Markdown and JSON as in test/fixtures/plan", (name) => {
    const p = plans.get(name)!;
    const dir = join(GOLDEN, name);
    const outputs = { "plan.txt": renderText(p, { against: AGAINST }), "plan.md": renderMarkdown(p, { against: AGAINST }), "plan.json": renderJson(p) };
    if (UPDATE) {
      mkdirSync(dir, { recursive: true });
      for (const [f, text] of Object.entries(outputs)) writeFileSync(join(dir, f), text);
    }
    for (const [f, text] of Object.entries(outputs)) {
      expect(existsSync(join(dir, f)), `missing ${join(dir, f)}: run npm run test:update`).toBe(true);
      expect(text, `${name}/${f}`).toBe(readFileSync(join(dir, f), "utf8"));
    }
  });

  it("the cases cover every area in both directions (a service is added, removed or renamed)", () => {
    const seen = new Set([...plans.values()].flatMap((p) => p.changes.map((c) => `${c.area} ${c.effect}`)));
    for (const area of AREAS) {
      const directions = area === "service" ? ["weakens", "neutral"] : area === "other" ? ["neutral"] : ["weakens", "strengthens"];
      for (const d of directions) expect(seen.has(`${area} ${d}`), `${area} ${d}`).toBe(true);
    }
    expect(PLAN_CASES.length).toBeGreaterThanOrEqual(15);
  });

  it("the fallback: a Model field no module classifies is an `other` change at its path, never lost", () => {
    const m = b.model;
    const checkout = m.services.find((s) => s.name === "checkout")!;
    const org = { ...m.organization, someNewSetting: 1 } as typeof m.organization;
    const svc = { ...checkout, description: "changed", pii: { ...checkout.pii, sensitiveKeys: [...checkout.pii.sensitiveKeys, "pin"] } };
    const p = plan({ model: m, files: b.files }, { model: { organization: org, services: m.services.map((s) => (s === checkout ? svc : s)) }, files: b.files });
    expect(p.changes.map((c) => `${c.service} ${c.area} ${c.effect} ${c.summary.split(":")[0]}`)).toEqual([
      "null other neutral other change in someNewSetting",
      "checkout other neutral other change in description",
      "checkout other neutral other change in pii.sensitiveKeys",
    ]);
  });

  it("two identical specs: no change, no file", () => {
    const p = plans.get("identical")!;
    expect(p).toEqual({ changes: [], files: {} });
    expect(renderText(p)).toBe("svcspec plan: No changes\nno generated file changes\n");
  });

  it("the generated files touched, per target: a rename moves the service's files", () => {
    const p = plans.get("service-renamed")!;
    expect(p.files["docs"]).toEqual({ added: ["docs/payment-gateway.md"], changed: [], deleted: ["docs/payments-api.md"] });
    expect(p.files["opa"]!.added).toEqual(["opa/svcspec/services/payment_gateway/data.json", "opa/svcspec/services/payment_gateway/policy.rego"]);
    expect(Object.keys(p.files)).toEqual([...Object.keys(p.files)].sort());
  });

  it("JSON: the documented shape, keys in order, effects and areas from their lists; the same inputs give the same bytes", () => {
    for (const name of ["mfa-dropped", "service-renamed", "team-receiver-moved"]) {
      expect(renderJson(planOf(PLAN_CASES.find((c) => c.name === name)!.edit(base))), name).toBe(renderJson(plans.get(name)!));
    }
    for (const p of plans.values()) {
      const text = renderJson(p);
      const json = JSON.parse(text) as { changes: Record<string, unknown>[]; files: Record<string, Record<string, string[]>> };
      expect(Object.keys(json)).toEqual(["changes", "files"]);
      for (const c of json.changes) {
        expect(Object.keys(c)).toEqual(["service", "area", "effect", "summary", "before", "after"]);
        expect(AREAS).toContain(c["area"]);
        expect(EFFECTS).toContain(c["effect"]);
        expect(typeof c["summary"]).toBe("string");
      }
      for (const f of Object.values(json.files)) expect(Object.keys(f)).toEqual(["added", "changed", "deleted"]);
    }
  });

  it("the verdict heads text and Markdown", () => {
    expect(renderText(plans.get("mfa-dropped")!).split("\n")[0]).toBe("svcspec plan: 1 change weakens security or reliability");
    expect(renderMarkdown(plans.get("objective-lowered")!).split("\n")[0]).toBe("### svcspec plan: 5 changes weaken security or reliability");
    expect(renderMarkdown(plans.get("objective-raised")!).split("\n")[0]).toBe("### svcspec plan: No change weakens security or reliability");
    expect(renderMarkdown(plans.get("service-renamed")!)).toContain("<details><summary>49 generated files touched (7 changed, 21 added, 21 deleted)</summary>");
  });
});

describe("plan: PII examples", () => {
  it.each(PII_CATALOGUE.map((d) => [d.id, d.example] as const))("the example of %s is one its detector redacts", (id, example) => {
    expect(DETECTORS[id](example)).not.toBe(example);
    expect(DETECTORS[id](example)).toContain(PII_CATALOGUE.find((d) => d.id === id)!.token);
  });
});

describe("plan: property, with the reference evaluator", () => {
  it("random pairs of valid specs: every decision that differs on sampled requests appears in the plan; a pair of equals reports nothing", () => {
    const rnd = prng(2026);
    let differing = 0;
    const missed: string[] = [];
    for (let i = 0; i < 30; i++) {
      const pair = randomAccessPair(rnd);
      const p = plan(pair.baseSide, pair.headSide);
      const same = plan(pair.headSide, pair.headSide);
      expect(same.changes, `pair ${i}: a spec against itself`).toEqual([]);
      for (const input of sampledRequests(pair, 1000 + i)) {
        const before = evaluateAccess(pair.before, input);
        const after = evaluateAccess(pair.after, input);
        if (JSON.stringify(before) === JSON.stringify(after)) continue;
        differing++;
        if (!explains(p, pair.service, before, after) && missed.length < 5) {
          missed.push(`pair ${i} (${pair.edits.join("; ")}): ${JSON.stringify(input)}\n  before ${JSON.stringify(before)}\n  after  ${JSON.stringify(after)}\n  plan: ${p.changes.map((c) => `${c.effect} ${c.summary}`).join("\n        ")}`);
        }
      }
    }
    expect(missed).toEqual([]);
    // The pairs are only worth something if their decisions do differ.
    expect(differing).toBeGreaterThan(200);
  }, 120_000);
});
