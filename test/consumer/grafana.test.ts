/** No dashboard panel shows "No data" for a working service: promtool loads the generated
 * recording rules of each service, is fed synthetic raw series (the SLI's own counters: a known
 * error ratio of a quarter of the budget, a known cache hit ratio), and evaluates every query of
 * the service's dashboard, asserting its value: the objective, the budget remaining after that
 * partial outage (0.75), the burn rate of every alert window (0.25), the rates, a latency
 * percentile under its threshold, the hit ratio, no alert firing. The same queries fed nothing
 * show no data (the test can fail). */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dashboardServices } from "../../generators/grafana/index.js";
import { overviewPanels, type PanelQuery, servicePanels } from "../../generators/grafana/panels.js";
import { cacheInputs, type InputSeries, sloInputs, sloPhase } from "../../generators/prometheus/inputs.js";
import { Ratio } from "../../src/model/decimal.js";
import type { Service } from "../../src/model/model.js";
import { localTool } from "../../src/tools/discover.js";
import { toYaml } from "../../src/render/yaml.js";
import { modelOf, ROOT, tempDir } from "../helpers.js";

const promtool = localTool("promtool", ROOT);
const model = modelOf("spec");
const tmp = tempDir("svcspec-grafana-");
afterAll(() => tmp.cleanup());

const MINUTES = 120;
const EVAL = "100m";
const PER_MINUTE = Ratio.of(6000);
const SHARE_OF_BUDGET = Ratio.of(1, 4);
const HITS = Ratio.of(900);
const MISSES = Ratio.of(100);

/** The expected value of a query, with how exactly it must hold. */
function expected(service: Service, q: PanelQuery): { test: string } {
  const m = q.measures;
  if (!m) throw new Error(`internal: ${q.expr} measures nothing`);
  const rel = (v: Ratio | number) => ({ test: `min(abs((${q.expr}) / ${typeof v === "number" ? v : v.toNumber()} - 1) <= bool 1e-6)` });
  if (m.role === "cache-hit-ratio") return rel(HITS.div(HITS.add(MISSES)));
  const slo = service.slos.find((s) => s.name === m.slo)!;
  const ratio = slo.budget.mul(SHARE_OF_BUDGET);
  switch (m.role) {
    case "objective":
      return rel(slo.objective);
    case "budget-remaining":
      return rel(Ratio.of(1).sub(SHARE_OF_BUDGET));
    case "period-burn":
    case "burn":
      return rel(SHARE_OF_BUDGET);
    case "errors-rate":
      return rel(PER_MINUTE.mul(ratio).div(Ratio.of(60)));
    case "total-rate":
      return rel(PER_MINUTE.div(Ratio.of(60)));
    case "latency":
      // a quarter of the budget is slow: the objective's percentile lies under the threshold
      if (slo.sli.kind !== "latency") throw new Error("internal");
      return { test: `min((${q.expr}) > bool 0) * min((${q.expr}) <= bool ${slo.sli.threshold.toNumber()})` };
    case "alerts":
      return { test: `min(abs(${q.expr}) <= bool 0)` };
  }
}

/** Raw series of every SLO and of the cache: constant traffic for MINUTES. A latency SLI's
 * histogram gets its +Inf bucket (histogram_quantile needs it; the SLI reads only `le` and count). */
function inputSeries(service: Service): { series: InputSeries[]; modes: string[] } {
  const series: InputSeries[] = [];
  const modes: string[] = [];
  for (const slo of service.slos) {
    const inputs = sloInputs(service, slo);
    expect(inputs, `${service.name}/${slo.name}: no input series can be derived`).not.toBeNull();
    modes.push(`${slo.name}:${inputs!.mode}`);
    const built = inputs!.build([sloPhase(MINUTES, PER_MINUTE, PER_MINUTE.mul(slo.budget).mul(SHARE_OF_BUDGET))]);
    series.push(...built);
    if (slo.sli.kind === "latency") {
      const count = built.find((b) => b.series.startsWith(`${slo.sli.kind === "latency" ? slo.sli.histogram : ""}_count`));
      expect(count, `${slo.name}: the histogram's count`).toBeDefined();
      const bucket = count!.series.replace("_count", "_bucket");
      series.push({ series: bucket.includes("{") ? bucket.replace(/\}$/, ',le="+Inf"}') : `${bucket}{le="+Inf"}`, values: count!.values });
    }
  }
  if (service.cache?.hitRatio) {
    series.push(...cacheInputs(service).build([{ minutes: MINUTES, values: { hits: HITS, misses: MISSES } }]));
  }
  const seen = new Set<string>();
  return { series: series.filter((s) => !seen.has(s.series) && seen.add(s.series)), modes };
}

function runPromtool(service: Service, withInputs: boolean): { status: number | null; out: string; queries: number } {
  const queries = servicePanels(model, service).flatMap((p) => p.queries);
  const { series } = inputSeries(service);
  const test = {
    rule_files: [join(ROOT, "out", "prometheus", `${service.name}.rules.yaml`)],
    evaluation_interval: "1m",
    tests: [
      {
        interval: "1m",
        input_series: withInputs ? series : [],
        promql_expr_test: queries.map((q) => ({ expr: expected(service, q).test, eval_time: EVAL, exp_samples: [{ labels: "{}", value: 1 }] })),
      },
    ],
  };
  const file = join(tmp.path, `${service.name}-${withInputs ? "data" : "empty"}.test.yaml`);
  writeFileSync(file, toYaml(test));
  const r = spawnSync(promtool!, ["test", "rules", file], { encoding: "utf8", timeout: 300_000, maxBuffer: 1 << 26 });
  return { status: r.status, out: r.stdout + r.stderr, queries: queries.length };
}

describe("every dashboard query has data for a working service (promtool, the generated rules loaded)", () => {
  const services = dashboardServices(model);

  it("promtool is installed; every service with SLOs has a dashboard", () => {
    expect(promtool, "promtool missing: run scripts/setup-tools.sh").not.toBeNull();
    expect(services.map((s) => s.name)).toEqual(model.services.filter((s) => s.slos.length > 0 || s.cache?.hitRatio).map((s) => s.name));
  });

  it.each(services.map((s) => [s.name, s] as const))("%s: every panel query evaluates to its known value", (_name, service) => {
    const r = runPromtool(service, true);
    expect(r.queries).toBeGreaterThan(5);
    expect(r.out).toContain("SUCCESS");
    expect(r.status, r.out).toBe(0);
  }, 300_000);

  it("the overview: every SLO of the organisation, its budget remaining and burn rate, from all the rules at once", () => {
    const slos = services.reduce((n, s) => n + s.slos.length, 0);
    const [budget, burn] = overviewPanels(model, "/d/x").map((p) => p.queries[0]!.expr);
    const test = {
      rule_files: services.map((s) => join(ROOT, "out", "prometheus", `${s.name}.rules.yaml`)),
      evaluation_interval: "1m",
      tests: [
        {
          interval: "1m",
          input_series: services.flatMap((s) => inputSeries(s).series),
          promql_expr_test: [
            { expr: `count(${budget})`, eval_time: EVAL, exp_samples: [{ labels: "{}", value: slos }] },
            { expr: `count(${burn})`, eval_time: EVAL, exp_samples: [{ labels: "{}", value: slos }] },
            { expr: `min(abs(${budget} - 0.75) <= bool 1e-6)`, eval_time: EVAL, exp_samples: [{ labels: "{}", value: 1 }] },
            { expr: `min(abs(${burn} - 0.25) <= bool 1e-6)`, eval_time: EVAL, exp_samples: [{ labels: "{}", value: 1 }] },
          ],
        },
      ],
    };
    const file = join(tmp.path, "overview.test.yaml");
    writeFileSync(file, toYaml(test));
    const r = spawnSync(promtool!, ["test", "rules", file], { encoding: "utf8", timeout: 300_000, maxBuffer: 1 << 26 });
    expect(slos).toBeGreaterThan(7);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  }, 300_000);

  it("the test can fail: fed nothing, the panels have no data and promtool says so", () => {
    const checkout = services.find((s) => s.name === "checkout")!;
    const r = runPromtool(checkout, false);
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/FAILED/);
  }, 300_000);
});
