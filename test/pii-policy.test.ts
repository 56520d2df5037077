/** Which services' redaction policies get an entry in redact.lua (withEntries): the same as the
 * definition read plainly (every policy of its own; a default one when a later policy of its own in
 * its namespace has a selector that could match its pods), on random organisations. */
import { describe, expect, it } from "vitest";
import { type Policy, withEntries } from "../src/pii/policy.js";

const fallback: Policy = { name: null, namespace: null, selector: [], detectors: ["email", "phone"], sensitive: [], fields: [], patterns: [] };

/** The definition, quadratic: what withEntries must equal. */
function plainly(services: readonly Policy[]): Policy[] {
  const isDefault = (p: Policy) => p.fields.length === 0 && p.patterns.length === 0 && p.detectors.join() === fallback.detectors.join();
  const couldMatch = (p: Policy, q: Policy) => q.selector.every(([k, v]) => !new Map(p.selector).has(k) || new Map(p.selector).get(k) === v);
  return services.filter((p, i) => !isDefault(p) || services.slice(i + 1).some((q) => q.namespace === p.namespace && !isDefault(q) && couldMatch(p, q)));
}

/** A small deterministic generator (xorshift), so a failure names its seed. */
function random(seed: number): () => number {
  let x = seed | 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function organisation(seed: number): Policy[] {
  const r = random(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const n = 1 + Math.floor(r() * 40);
  return Array.from({ length: n }, (_, i): Policy => {
    const selector = (["app", "tier", "team"] as const).flatMap((k) => (r() < 0.5 ? [[k, pick(["a", "b"])] as [string, string]] : []));
    const own = r() < 0.4;
    return {
      name: `svc-${i}`,
      namespace: pick(["shop", "pay", "ops"]),
      selector,
      detectors: own && r() < 0.5 ? ["email"] : [...fallback.detectors],
      sensitive: [],
      fields: own && r() < 0.5 ? [{ path: ["card"], action: "mask" }] : [],
      patterns: [],
    };
  });
}

describe("redaction entries (withEntries)", () => {
  it("equal the plain definition on 2,000 random organisations", () => {
    let kept = 0;
    for (let seed = 1; seed <= 2000; seed++) {
      const services = organisation(seed);
      const got = withEntries(services, fallback);
      expect(got.map((p) => p.name), `seed ${seed}`).toEqual(plainly(services).map((p) => p.name));
      kept += got.filter((p) => p.fields.length === 0 && p.detectors.length === 2).length;
    }
    // the shadowing case is exercised, not only the trivial ones
    expect(kept).toBeGreaterThan(100);
  });
});
