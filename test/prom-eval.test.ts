// The pure parts of scripts/bench-prometheus.mjs: the synthetic series, the recorded history a
// rule set needs, reading /metrics, and the conditions that make a run invalid.
import { describe, expect, it } from "vitest";
import { equalityMatchers, events, exposition, measure, parseMetrics, problems, rangeReadSeries, rawSeries, rawValue, recordedValue } from "../scripts/prom-eval.mjs";

const metricsText = (iterations: number, cpu: number, failures = 0, groups = ["a", "b"]) =>
  [
    "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.",
    "# TYPE process_cpu_seconds_total counter",
    `process_cpu_seconds_total ${cpu}`,
    ...groups.flatMap((g) => [
      `prometheus_rule_group_rules{rule_group="/r/x.yaml;${g}"} 3`,
      `prometheus_rule_group_iterations_total{rule_group="/r/x.yaml;${g}"} ${iterations}`,
      `prometheus_rule_group_last_duration_seconds{rule_group="/r/x.yaml;${g}"} 0.25`,
      `prometheus_rule_evaluation_failures_total{rule_group="/r/x.yaml;${g}"} ${failures}`,
    ]),
    'prometheus_rule_group_duration_seconds{quantile="0.5"} NaN',
    `prometheus_rule_group_duration_seconds_sum ${iterations * 0.5}`,
    "prometheus_tsdb_compactions_total 0",
  ].join("\n");

describe("bench:prometheus helpers", () => {
  it("parses exposition text: labels with escapes, +Inf, NaN, comments", () => {
    const s = parseMetrics('a{x="q\\"r",le="+Inf"} +Inf\n# c\nb 1.5e3 1700000000\nc NaN\n');
    expect(s).toEqual([
      { name: "a", labels: { x: 'q"r', le: "+Inf" }, value: Infinity },
      { name: "b", labels: {}, value: 1500 },
      { name: "c", labels: {}, value: NaN },
    ]);
    expect(() => parseMetrics("not a sample line at all {")).toThrow(/not a sample line/);
  });

  it("measures rounds, CPU and group time between two reads, and refuses broken runs", () => {
    const m = measure(parseMetrics(metricsText(10, 5)), parseMetrics(metricsText(14, 7)));
    expect(m).toMatchObject({ groups: 2, rules: 6, rounds: 4, cpu: 2, groupSeconds: 2, failures: 0 });
    expect(m.lastDurations.size).toBe(2);
    expect(problems(m, { rules: 6, groups: 2 })).toEqual([]);
    expect(problems(m, { rules: 9 })).toEqual(["6 rules loaded, the files hold 9"]);
    const failing = measure(parseMetrics(metricsText(10, 5, 1)), parseMetrics(metricsText(14, 7, 3)));
    expect(problems(failing, {})).toEqual(["6 rule evaluation failures"]);
    const none = measure(parseMetrics(metricsText(0, 5, 0, [])), parseMetrics(metricsText(0, 6, 0, [])));
    expect(problems(none, {})).toEqual(["no rule group is loaded"]);
    const stalled = measure(parseMetrics(metricsText(10, 5)), parseMetrics(metricsText(10, 6)));
    expect(problems(stalled, {})).toEqual(["no evaluation round in the window"]);
  });

  it("finds the recorded series read over a range, with their recording rule's labels", () => {
    const sloth = [
      { rules: [
        { record: "slo:sli_error:ratio_rate5m", expr: "sum(rate(x[5m]))", labels: { sloth_id: "s-a", sloth_service: "s", sloth_slo: "a", sloth_window: "5m" } },
        { record: "slo:sli_error:ratio_rate30d", expr: 'sum_over_time(slo:sli_error:ratio_rate5m{sloth_id="s-a", sloth_service="s"}[30d]) / ignoring (sloth_window) count_over_time(slo:sli_error:ratio_rate5m{sloth_id="s-a"}[30d])', labels: { sloth_id: "s-a", sloth_service: "s", sloth_slo: "a", sloth_window: "30d" } },
      ] },
    ];
    expect(rangeReadSeries(sloth)).toEqual([{ name: "slo:sli_error:ratio_rate5m", labels: { sloth_id: "s-a", sloth_service: "s", sloth_slo: "a", sloth_window: "5m" }, longest: "30d" }]);
    const svcspec = [{ rules: [
      { record: "slo:sli_errors:rate3d", expr: 'sum(rate(http_requests_total{job="s"}[3d]))', labels: { service: "s", slo: "a" } },
      { record: "slo:sli_error:ratio_rate30d", expr: 'last_over_time(slo:sli_errors:rate3d{service="s",slo="a"}[1h] offset 3d) / slo:sli_total:rate5m{service="s"}', labels: { service: "s", slo: "a" } },
    ] }];
    expect(rangeReadSeries(svcspec).map((s) => s.name)).toEqual(["slo:sli_errors:rate3d"]);
    expect(() => rangeReadSeries([{ rules: [{ record: "y", expr: 'sum_over_time(no:such{a="1"}[1d])' }] }])).toThrow(/no recording rule makes it/);
    expect(equalityMatchers('{a="1", b=~"x", c!="y"}')).toEqual({ a: "1" });
  });

  it("raw counters only grow, and the recorded history agrees with them", () => {
    for (const s of rawSeries(4)) {
      let last = -1;
      for (let tau = 0; tau < 31 * 86400; tau += 600) {
        const v = rawValue(s, tau);
        expect(v).toBeGreaterThanOrEqual(last);
        last = v;
      }
    }
    const e = events(4, 0, 86400);
    expect(e["le01"]!).toBeLessThanOrEqual(e["le03"]!);
    expect(e["le03"]!).toBeLessThanOrEqual(e["count"]!);
    // The errors rate over 3d is the raw 5xx counters' increase over 3d, per second.
    const tau = 10 * 86400;
    const increase = rawSeries(4).filter((s) => s.series.includes('code="500"')).reduce((a, s) => a + rawValue(s, tau) - rawValue(s, tau - 3 * 86400), 0);
    expect(recordedValue("slo:sli_errors:rate3d", { service: "svc-4", slo: "availability" }, tau)).toBeCloseTo(increase / (3 * 86400), 2);
    const ratio = recordedValue("slo:sli_error:ratio_rate5m", { sloth_service: "svc-4", sloth_slo: "quality" }, tau);
    expect(ratio).toBeGreaterThan(0.002);
    expect(ratio).toBeLessThan(0.01);
    expect(() => recordedValue("slo:other", { service: "svc-4", slo: "quality" }, tau)).toThrow(/no history/);
    expect(exposition(2, 60).trim().split("\n")).toHaveLength(40);
  });
});
