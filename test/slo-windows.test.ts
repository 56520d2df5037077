/** How the SLO rules compute each window (src/model/windows.ts), what that means for detection
 * times, and the no-data alert per SLI input: the rule text, without promtool. The rules' behaviour
 * under promtool is test/consumer/slo-rules.test.ts. */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { compile } from "../src/compile.js";
import { parseDuration } from "../src/model/duration.js";
import { windowKind, windowLagMs } from "../src/model/windows.js";

function ms(d: string): number {
  const r = parseDuration(d);
  if (!r.ok) throw new Error(r.reason);
  return r.ms;
}

const ORG = `apiVersion: svcspec/v1
kind: Organization
metadata: { name: acme }
spec:
  slo:
    burnRateAlerts:
      - { severity: page, budgetConsumed: "2%", long: 1h, short: 5m, for: 2m }
      - { severity: ticket, budgetConsumed: "10%", long: 1d, short: 2h, for: 1h }
      - { severity: ticket, budgetConsumed: "20%", long: 7d, short: 6h, for: 3h }
      - { severity: ticket, budgetConsumed: "25%", long: 4d12h, short: 6h, for: 3h }
  teams:
    web:
      receivers:
        page: { pagerduty: { routingKeyFile: /etc/pd } }
        ticket: { email: { to: a@b.example, from: c@b.example, smarthost: "smtp.b.example:587" } }
  policies:
    disable: [paging_needs_runbook]
---
apiVersion: svcspec/v1
kind: Service
metadata: { name: shop, team: web }
spec:
  tier: high
  slos:
    - name: availability
      sli: { ratio: { errors: 'http_requests_total{job="shop",code=~"5.."}', total: 'http_requests_total{job="shop"}' } }
      alerting: { minEvents: 100, noData: ticket }
    - name: failures
      sli: { ratio: { errors: 'shop_failures_total{job="shop",reason=~".+"}', total: 'http_requests_total{job="shop"}' } }
      alerting: { noData: ticket }
    - name: latency
      sli: { latency: { histogram: http_request_duration_seconds, selector: '{job="shop"}', threshold: 300ms } }
      alerting: { noData: page }
`;

type Rule = { record?: string; alert?: string; expr: string; labels?: Record<string, string>; annotations?: Record<string, string> };

function build() {
  const r = compile([{ path: "shop.yaml", name: "spec/shop.yaml", text: ORG }]);
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const doc = parse(r.files!.get("prometheus/shop.rules.yaml")!) as { groups: { name: string; rules: Rule[] }[] };
  const rules = (slo: string) => doc.groups.find((g) => g.name === `svcspec-slo-shop-${slo}`)!.rules;
  return { model: r.model!, rules };
}

describe("window kinds", () => {
  it("reads up to 6h as one raw ratio, up to 3d as recorded raw rates, whole days beyond from chunks", () => {
    expect(["5m", "1h", "6h", "6h1m", "1d", "3d", "30d", "28d", "4d12h"].map((d) => windowKind(ms(d)))).toEqual(["base", "raw", "raw", "rates", "rates", "rates", "days", "days", "recorded"]);
  });

  it("only a sum of recorded 5m rates trails, by half a base window", () => {
    expect(["1h", "1d", "3d", "30d"].map((d) => windowLagMs(ms(d)))).toEqual([0, 0, 0, 0]);
    expect(windowLagMs(ms("4d12h"))).toBe(150_000);
  });
});

describe("the rules of each window", () => {
  const { model, rules } = build();
  const avail = rules("availability");
  const expr = (record: string) => avail.find((r) => r.record === record)?.expr;

  it("records the 1d rates from raw counters, the errors reusing the recorded total", () => {
    expect(expr("slo:sli_total:rate1d")).toBe('sum(rate(http_requests_total{job="shop"}[1d]))');
    expect(expr("slo:sli_errors:rate1d")).toBe('sum(rate(http_requests_total{job="shop",code=~"5.."}[1d])) or 0 * sum(slo:sli_total:rate1d{service="shop",slo="availability"})');
  });

  it("a tier's 7d window is strict (absent until recorded), the period lenient (a missing day is no events)", () => {
    const week = expr("slo:sli_error:ratio_rate7d")!;
    expect(week).toContain("last_over_time(slo:sli_errors:rate1d{service=\"shop\",slo=\"availability\"}[1h] offset 6d)");
    expect(week).not.toContain(" or ");
    const period = expr("slo:sli_error:ratio_rate30d")!;
    expect(period).toContain("or 0 * slo:sli_errors:rate1d");
    expect(period.match(/offset \d+d/g)).toHaveLength(2 * 29);
    // a window over 3d that is not whole days keeps the sum of recorded 5m rates, unless minEvents
    // counts its events (then its raw rates are recorded)
    expect(rules("failures").find((r) => r.record === "slo:sli_error:ratio_rate4d12h")?.expr).toMatch(/^sum_over_time\(slo:sli_errors:rate5m/);
    expect(expr("slo:sli_total:rate4d12h")).toBe('sum(rate(http_requests_total{job="shop"}[4d12h]))');
  });

  it("minEvents counts from a rate over the long window, the 1h window then recording its rates", () => {
    const page = avail.find((r) => r.alert && r.labels?.["long_window"] === "1h")!;
    expect(page.expr).toContain('slo:sli_total:rate1h{service="shop",slo="availability"} * 3600 >= 100');
    expect(page.expr).not.toContain("avg_over_time");
    expect(expr("slo:sli_total:rate1h")).toBe('sum(rate(http_requests_total{job="shop"}[1h]))');
  });

  it("detection times include the lag of the window kind, and the alert text says what holds a chunked tier", () => {
    const slo = model.services[0]!.slos.find((s) => s.name === "availability")!;
    const det = (long: string) => slo.alerts.find((a) => a.long === ms(long))!.detectionSeconds.toString();
    // 99.9%: 1d tier threshold 0.003 x 86400 + 3600; 4d12h tier: factor 0.25 x 30 / 4.5, + 150s lag
    expect(det("1d")).toBe("3859.2");
    const t = slo.alerts.find((a) => a.long === ms("4d12h"))!.threshold;
    expect(Math.abs(Number(det("4d12h")) - (t.toNumber() * 388_800 + 150 + 10_800))).toBeLessThan(1e-6);
    const weekly = avail.find((r) => r.alert && r.labels?.["long_window"] === "7d")!;
    expect(weekly.annotations!["description"]).toMatch(/cannot fire until the rules have run for 6d/);
  });
});

describe("no-data per SLI input", () => {
  const { rules } = build();
  const noData = (slo: string) => Object.fromEntries(rules(slo).filter((r) => r.alert === "SLONoData").map((r) => [r.labels!["input"], r]));

  it("a ratio SLI whose errors share the total's metric: the total only", () => {
    expect(Object.keys(noData("availability"))).toEqual(["total"]);
  });

  it("an errors selector on another metric: that metric with the matchers it shares with the total", () => {
    const a = noData("failures");
    expect(Object.keys(a)).toEqual(["total", "errors"]);
    expect(a["errors"]!.expr).toBe('absent(sum(shop_failures_total{job="shop"})) and on() slo:sli_total:rate5m{service="shop",slo="failures"}');
  });

  it("a latency SLI: the threshold's bucket, explained", () => {
    const a = noData("latency");
    expect(Object.keys(a)).toEqual(["total", "bucket"]);
    expect(a["bucket"]!.expr).toBe('absent(sum(http_request_duration_seconds_bucket{job="shop",le="0.3"})) and on() slo:sli_total:rate5m{service="shop",slo="latency"}');
    expect(a["bucket"]!.annotations!["description"]).toMatch(/must be one of the histogram's bucket bounds/);
    expect(a["bucket"]!.labels!["severity"]).toBe("page");
  });
});
