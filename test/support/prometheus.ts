/** What the Prometheus tests of both tiers share: a folder's rule and test files, the golden
 * fixtures' rule folders, the example built afresh, and a spec whose strings would break PromQL or
 * the alert templates if an escaper missed one. */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { compile } from "../../src/compile.js";
import { FIXTURES, ROOT, run, tempDir } from "../helpers.js";

export const rulesIn = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".rules.yaml")).sort();
export const testsIn = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".rules.test.yaml")).sort();

export const FIXTURE_RULE_DIRS = readdirSync(FIXTURES)
  .map((c) => join(FIXTURES, c, "expected", "prometheus"))
  .filter((d) => existsSync(d));

/** The example built into a temporary out/ before the tests of the calling describe, removed after. */
export function buildExample(): string {
  const tmp = tempDir();
  const out = join(tmp.path, "out");
  beforeAll(async () => {
    const r = await run(["build", "--spec", "spec", "--out", out], ROOT);
    expect(r.code, r.err).toBe(0);
  });
  afterAll(() => tmp.cleanup());
  return out;
}

export const ODD_SPEC = `apiVersion: svcspec/v1
kind: Service
metadata: { name: odd, team: web }
spec:
  tier: high
  runbook: https://runbooks.example/odd?a=1&b=2
  slos:
    - name: availability
      sli:
        ratio:
          errors: 'http_requests_total{job="we\\\\ird \\"job\\"",code=~"5.."}'
          total: 'http_requests_total{job="we\\\\ird \\"job\\""}'
      alerting:
        noData: ticket
        labels: { note: "quote \\" backslash \\\\ newline \\n end", braces: "{{ $value }}" }
        annotations: { summary: "Odd \\"summary\\" with {{ $labels.job }} and \\\\", extra: "line one\\nline two" }
    - name: latency
      sli:
        latency:
          histogram: http_request_duration_seconds
          selector: '{job="we\\\\ird \\"job\\""}'
          threshold: 1s
`;

export const compileOdd = () => compile([{ path: "odd.yaml", name: "spec/odd.yaml", text: ODD_SPEC }]);
