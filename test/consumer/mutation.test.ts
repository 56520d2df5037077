/** The generated promtool tests catch wrong rules: scripts/mutate.mjs mutates the rules of the
 * minimal golden fixture one change at a time (a sample of its mutants, every operator in it) and
 * promtool must fail on at least MIN_SCORE% of them. `npm run mutate` runs every mutant of the example
 * and of every golden fixture. */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { localTool } from "../../src/tools/discover.js";
import { FIXTURES, ROOT } from "../helpers.js";

const promtool = localTool("promtool", ROOT);
/** Issue #17's bar. The full minimal fixture scores 96.9% (62 of 64; the survivors are the period
 * chunks' lookback [1h] -> [30m] and [2h], which differ only while recorded samples are missing for
 * half an hour or more: promtool evaluates every rule at every step, so no unit test can make them
 * missing). This sample holds one of the two: 19 of 20. */
const MIN_SCORE = 95;

describe("mutation score of the generated promtool tests", () => {
  it("promtool is installed", () => expect(promtool, "promtool missing: run scripts/setup-tools.sh").not.toBeNull());

  it("kills at least MIN_SCORE% of a sample of the minimal fixture's mutants", () => {
    const dir = join(FIXTURES, "minimal", "expected", "prometheus");
    const r = spawnSync(process.execPath, [join(ROOT, "scripts", "mutate.mjs"), "--json", "--min", String(MIN_SCORE), "--limit", "24", dir], { cwd: ROOT, encoding: "utf8", timeout: 600_000 });
    expect(r.stderr).toBe("");
    const report = JSON.parse(r.stdout) as { score: number; total: { mutants: number }; table: { op: string }[]; survivors: unknown[] };
    expect(report.total.mutants).toBeGreaterThanOrEqual(20);
    expect(report.table.length, "operators in the sample").toBeGreaterThanOrEqual(6);
    expect(report.score, JSON.stringify(report.survivors)).toBeGreaterThanOrEqual(MIN_SCORE);
    expect(r.status).toBe(0);
  }, 600_000);
});
