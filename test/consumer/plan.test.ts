/** The plan's access changes hold against OPA itself: for random pairs of valid specs, both
 * compiled bundles are asked by `opa eval` on sampled requests the plan never saw (another seed
 * of the corpus, and both sides' boundary cases); every decision that differs between the two
 * bundles must appear in the plan, and OPA must decide as the reference evaluator the plan uses. */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { type AccessDecision, evaluateAccess } from "../../src/access/evaluate.js";
import { prng } from "../../src/access/corpus.js";
import type { FileSet } from "../../src/output/fileset.js";
import { plan } from "../../src/plan/index.js";
import { localTool } from "../../src/tools/discover.js";
import { toJson } from "../../src/render/json.js";
import { explains, PAIR_SERVICE, randomAccessPair, sampledRequests } from "../support/access-pairs.js";
import { ROOT, tempDir } from "../helpers.js";

const opa = localTool("opa", ROOT);
const PAIRS = 20;

function writeBundle(files: FileSet, dir: string): void {
  for (const [path, content] of files) {
    if (!path.startsWith("opa/")) continue;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

/** Every request's decision from one `opa eval` of the bundle, by position. */
function opaDecisions(bundle: string, requests: readonly unknown[]): AccessDecision[] {
  const query = `{i: d | some i, x in input.requests; d := data.svcspec.services.${PAIR_SERVICE}.authz.decision with input as x}`;
  const r = spawnSync(opa!, ["eval", "-f", "json", "--stdin-input", "-b", bundle, query], { input: JSON.stringify({ requests }), encoding: "utf8", timeout: 120_000, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`opa eval failed: ${r.stderr}`);
  const value = (JSON.parse(r.stdout) as { result: { expressions: { value: Record<string, AccessDecision> }[] }[] }).result[0]!.expressions[0]!.value;
  return requests.map((_, i) => {
    const d = value[String(i)];
    if (!d) throw new Error(`opa gave no decision for request ${i}`);
    return d;
  });
}

describe("plan: property, checked with opa eval", () => {
  it(`${PAIRS} random pairs of valid specs: every decision that differs between the two compiled bundles appears in the plan`, () => {
    expect(opa, "opa missing: run scripts/setup-tools.sh").not.toBeNull();
    const rnd = prng(0x0b5e55ed);
    const tmp = tempDir();
    const missed: string[] = [];
    let differing = 0;
    let asked = 0;
    try {
      for (let i = 0; i < PAIRS; i++) {
        const pair = randomAccessPair(rnd);
        const p = plan(pair.baseSide, pair.headSide);
        const dir = join(tmp.path, String(i));
        writeBundle(pair.baseSide.files, join(dir, "base"));
        writeBundle(pair.headSide.files, join(dir, "head"));
        // JSON round trip: what OPA is sent is what the evaluator is given.
        const requests = JSON.parse(JSON.stringify(sampledRequests(pair, 7000 + i, 300))) as unknown[];
        const before = opaDecisions(join(dir, "base", "opa"), requests);
        const after = opaDecisions(join(dir, "head", "opa"), requests);
        requests.forEach((input, j) => {
          asked++;
          const [b, a] = [before[j]!, after[j]!];
          // The plan reads decisions off the reference evaluator: it must be OPA's.
          expect(toJson(b), `pair ${i}, base: ${JSON.stringify(input)}`).toBe(toJson(evaluateAccess(pair.before, input)));
          expect(toJson(a), `pair ${i}, head: ${JSON.stringify(input)}`).toBe(toJson(evaluateAccess(pair.after, input)));
          if (toJson(b) === toJson(a)) return;
          differing++;
          if (!explains(p, pair.service, b, a) && missed.length < 5) missed.push(`pair ${i} (${pair.edits.join("; ")}): ${JSON.stringify(input)}\n  opa before ${JSON.stringify(b)}\n  opa after  ${JSON.stringify(a)}\n  plan: ${p.changes.map((c) => `${c.effect} ${c.summary}`).join("\n        ")}`);
        });
      }
    } finally {
      tmp.cleanup();
    }
    console.log(`plan vs opa eval: ${PAIRS} pairs, ${asked} requests asked of both bundles, ${differing} decisions differ, ${missed.length} missing from the plan`);
    expect(missed).toEqual([]);
    expect(differing).toBeGreaterThan(100);
  }, 300_000);
});
