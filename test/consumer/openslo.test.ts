/** The OpenSLO importer under promtool: each document of test/fixtures/openslo is imported and
 * built, fed constant series, and every SLI error ratio svcspec records (5m to the SLO period)
 * must be the value worked out by hand in its `<name>.expect.yaml`, within 1e-9. The imported
 * specs' own generated promtool tests pass too. A missing promtool fails, never skips. */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import jsyaml from "js-yaml";
import { afterAll, describe, expect, it } from "vitest";
import { localTool } from "../../src/tools/discover.js";
import { FIXTURES, ROOT, run, tempDir } from "../helpers.js";

const promtool = localTool("promtool", ROOT);
const CORPUS = join(FIXTURES, "openslo");
const cases = readdirSync(CORPUS)
  .filter((f) => f.endsWith(".expect.yaml"))
  .map((f) => f.replace(/\.expect\.yaml$/, ""))
  .sort();
const MINUTES = 120;

interface Expect {
  counters?: { series: string; rate: number }[];
  gauges?: { series: string; value: number }[];
  ratios: Record<string, number>;
}

function promtoolTest(dir: string, file: string): { code: number; out: string } {
  const r = spawnSync(promtool!, ["test", "rules", file], { cwd: dir, encoding: "utf8", timeout: 120_000 });
  return { code: r.status ?? -1, out: (r.stdout ?? "") + (r.stderr ?? "") };
}

describe("OpenSLO import + build give the hand-computed error ratios", () => {
  const tmp = tempDir("svcspec-openslo-");
  afterAll(() => tmp.cleanup());

  it("promtool is installed and the corpus has cases", () => {
    expect(promtool, "promtool not found in .tools/bin or PATH").not.toBeNull();
    expect(cases.length).toBeGreaterThanOrEqual(4);
  });

  it.each(cases)("%s", async (name) => {
    const dir = join(tmp.path, name);
    mkdirSync(dir, { recursive: true });
    const imported = await run(["import", "openslo", join(CORPUS, `${name}.yaml`), "--out", join(dir, "spec", "services"), "--team", "imported", "--runbook", "https://runbooks.example/imported"]);
    expect(imported.code, imported.err).toBe(0);
    const built = await run(["build", "--spec", join(dir, "spec"), "--out", join(dir, "out")]);
    expect(built.code, built.err).toBe(0);
    const promDir = join(dir, "out", "prometheus");
    const rules = readdirSync(promDir).filter((f) => f.endsWith(".rules.yaml"));
    const expected = jsyaml.load(readFileSync(join(CORPUS, `${name}.expect.yaml`), "utf8")) as Expect;
    const records = rules.flatMap((f) => (jsyaml.load(readFileSync(join(promDir, f), "utf8")) as { groups: { rules: { record?: string; labels?: Record<string, string> }[] }[] }).groups.flatMap((g) => g.rules));
    const checks = Object.entries(expected.ratios).flatMap(([id, ratio]) => {
      const [service, slo] = id.split("/");
      const windows = records.filter((r) => r.record?.startsWith("slo:sli_error:ratio_rate") && r.labels?.["service"] === service && r.labels?.["slo"] === slo).map((r) => r.record!);
      expect(windows.length, `${id}: no recorded error ratio`).toBeGreaterThan(1);
      return windows.map((w) => ({ expr: `abs(${w}{service="${service}",slo="${slo}"} - ${ratio}) <= bool 1e-9`, eval_time: `${MINUTES}m`, exp_samples: [{ labels: `{service="${service}",slo="${slo}"}`, value: 1 }] }));
    });
    const input_series = [
      ...(expected.counters ?? []).map((c) => ({ series: c.series, values: `0+${c.rate}x${MINUTES}` })),
      ...(expected.gauges ?? []).map((g) => ({ series: g.series, values: `${g.value}x${MINUTES}` })),
    ];
    writeFileSync(join(promDir, "hand.test.yaml"), jsyaml.dump({ rule_files: rules, evaluation_interval: "1m", tests: [{ name, interval: "1m", input_series, promql_expr_test: checks }] }, { lineWidth: -1 }));
    const hand = promtoolTest(promDir, "hand.test.yaml");
    expect(hand.code, hand.out).toBe(0);
    for (const f of readdirSync(promDir).filter((x) => x.endsWith(".rules.test.yaml"))) {
      const own = promtoolTest(promDir, f);
      expect(own.code, `${f}\n${own.out}`).toBe(0);
    }
  });
});
