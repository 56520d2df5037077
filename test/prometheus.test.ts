/** The Prometheus generator without promtool: the example builds the committed rule files, every
 * burn tier has a must-fire and a must-not-fire test, the PrometheusRule carries the same groups,
 * hostile spec strings compile, and the PromQL escapers. promtool proves the same files, and that
 * the generated tests can fail, in test/consumer/prometheus.test.ts. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { promqlString, mergeMatchers } from "../src/render/promql.js";
import { ROOT } from "./helpers.js";
import { piecewiseValues, type WindowValue } from "../generators/prometheus/inputs.js";
import { windowValue } from "../generators/prometheus/probes.js";
import { metricsRead, vectorSelectors, withoutLabelValues } from "../generators/prometheus/selectors.js";
import { Ratio, ZERO } from "../src/model/decimal.js";
import { buildExample, compileOdd, FIXTURE_RULE_DIRS, testsIn } from "./support/prometheus.js";

describe("example rules under promtool", () => {
  const out = buildExample();

  it("builds the same prometheus/ files as the committed out/", () => {
    for (const f of readdirSync(join(out, "prometheus"))) {
      expect(readFileSync(join(out, "prometheus", f), "utf8"), f).toBe(readFileSync(join(ROOT, "out", "prometheus", f), "utf8"));
    }
  });

  it("covers every tier of every SLO with a must-fire and a must-not-fire test", () => {
    for (const f of testsIn(join(out, "prometheus")).filter((t) => !t.endsWith(".history.rules.test.yaml"))) {
      const rules = parse(readFileSync(join(out, "prometheus", f.replace(".test", "")), "utf8")) as { groups: { rules: { alert?: string; labels?: Record<string, string> }[] }[] };
      const names = (parse(readFileSync(join(out, "prometheus", f), "utf8")) as { tests: { name: string }[] }).tests.flatMap((t) => t.name.split(" | "));
      for (const rule of rules.groups.flatMap((g) => g.rules).filter((r) => r.alert === "SLOErrorBudgetBurn")) {
        const l = rule.labels ?? {};
        const tier = `${l["service"]}/${l["slo"]} ${l["severity"]} ${l["long_window"]}/${l["short_window"]} `;
        expect(names.filter((n) => n.startsWith(tier) && / fires at /.test(n)), tier).toHaveLength(1);
        expect(names.filter((n) => n.startsWith(tier) && / never fires/.test(n)), tier).toHaveLength(1);
      }
    }
  });

  it("writes a PrometheusRule with the same groups", () => {
    const rules = parse(readFileSync(join(out, "prometheus", "checkout.rules.yaml"), "utf8")) as unknown;
    const cr = parse(readFileSync(join(out, "kubernetes", "checkout", "prometheusrule.yaml"), "utf8")) as Record<string, unknown>;
    expect(Object.keys(cr)).toEqual(["apiVersion", "kind", "metadata", "spec"]);
    expect(cr["metadata"]).toEqual({ name: "checkout-slo", namespace: "shop", labels: { "app.kubernetes.io/managed-by": "svcspec", "svcspec.dev/service": "checkout" } });
    expect(cr["spec"]).toEqual(rules);
  });
});

describe("golden fixtures under promtool", () => {
  it("has fixtures with rules", () => expect(FIXTURE_RULE_DIRS.length).toBeGreaterThanOrEqual(1));
});

describe("spec strings cannot break PromQL or templates", () => {
  const result = compileOdd();

  it("compiles", () => {
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(result.files).not.toBeNull();
  });

  it("promqlString and mergeMatchers", () => {
    expect(promqlString('a"b\\c\nd')).toBe('"a\\"b\\\\c\\nd"');
    expect(mergeMatchers("{}", ['le="1"'])).toBe('{le="1"}');
    expect(mergeMatchers('{ job="a}",route!="/x", }', ['le="0.3"'])).toBe('{job="a}",route!="/x",le="0.3"}');
  });
});

describe("minute-by-minute inputs of the generated tests (piecewiseValues)", () => {
  /** promtool's expanding notation read back: `a+bxn` is n+1 samples, `_xn` n missing ones (promtool 2.42, checked). */
  const expand = (text: string): (number | null)[] =>
    text.split(" ").flatMap((tok) => {
      if (tok === "_") return [null];
      const gap = /^_x(\d+)$/.exec(tok);
      if (gap) return Array.from({ length: Number(gap[1]) }, () => null);
      const m = /^(-?[\d.]+)(?:([+-])([\d.]+)x(\d+))?$/.exec(tok);
      if (!m) throw new Error(`not promtool notation: ${tok}`);
      const a = Number(m[1]);
      const b = m[2] ? (m[2] === "-" ? -1 : 1) * Number(m[3]) : 0;
      return Array.from({ length: m[4] ? Number(m[4]) + 1 : 1 }, (_, i) => a + b * i);
    });

  it("holds every value within 0.01%, lines and gaps compressed, no exponent notation", () => {
    const t = Array.from({ length: 721 }, (_, i) => i);
    const burst = t.map((i) => (i === 0 ? null : i < 300 ? 0 : (0.045 * (i - 300)) / i));
    const ramp = t.map((i) => (i < 5 ? null : 0.00375 * i));
    const tiny = t.map((i) => 1.5e-9 * (i + 1));
    for (const values of [burst, ramp, tiny]) {
      const text = piecewiseValues(values);
      expect(text).not.toMatch(/e/i);
      const back = expand(text);
      expect(back.length).toBe(values.length);
      back.forEach((v, i) => {
        const want = values[i]!;
        if (want === null) expect(v).toBeNull();
        else expect(Math.abs(v! - want)).toBeLessThanOrEqual(1e-4 * Math.max(Math.abs(want), 1e-9) + 1e-15);
      });
      expect(text.split(" ").length).toBeLessThan(values.length / 4);
    }
  });
});

describe("a recorded input's window values are shared by key (windowValue)", () => {
  const ms = (min: number) => min * 60_000;
  const stretches = (ratio: string) => [{ minutes: 30, ratio: Ratio.fromNumber(Number(ratio)) }, { minutes: 720, ratio: ZERO }];
  const grid = (at: WindowValue) => (["errors", "total", "ratio"] as const).flatMap((role) => [5, 60, 360].flatMap((w) => Array.from({ length: 50 }, (_, k) => at(role, ms(w), k * 7))));

  it("one key for the same traffic, another for any other traffic, and the values follow the key", () => {
    const a = windowValue(stretches("0.0144"), 400, 120);
    const same = windowValue(stretches("0.0144"), 400, 120);
    // the same stretches cut at another minute past their change hold the same traffic
    const later = windowValue(stretches("0.0144"), 500, 120);
    const others = [windowValue(stretches("0.0288"), 400, 120), windowValue(stretches("0.0144"), 400, 1200), windowValue(stretches("0.0144"), 20, 120)];
    expect(same.key).toBe(a.key);
    expect(grid(same)).toEqual(grid(a));
    expect(later.key).toBe(a.key);
    expect(grid(later)).toEqual(grid(a));
    for (const o of others) {
      expect(o.key).not.toBe(a.key);
      expect(grid(o)).not.toEqual(grid(a));
    }
  });
});

describe("the metrics a rule reads are remembered by its shape (metricsRead)", () => {
  const direct = (e: string) => vectorSelectors(e)?.map((s) => s?.metric ?? null) ?? null;
  const corpus = [
    'sum(rate(http_requests_total{job="svc-7",code=~"5.."}[5m])) / (sum(rate(http_requests_total{job="svc-7"}[5m])) > 0)',
    'slo:sli_error:ratio_rate5m{service="svc-7",slo="quality"} / (slo:sli_total:rate5m{service = "svc-7", slo="quality"} > 0)',
    '{__name__="raw_total", job="a"} + {__name__ = "other_total"}',
    'label_replace(up{job=\'a"b\'}, "dst", "$1", "src", "(.*)")',
    "foo{a=`x`} + bar{b='y\\'z'}",
    'a{b="x\\"y"} or c{d="line\\nbreak"}',
    "sum(rate(x[5m])) # a comment",
    'broken{a="x',
    "not ( valid",
    `{__name__${" ".repeat(193)}="foo"}`,
    `{__name__\n${" ".repeat(192)}= "foo", job="x"}`,
    `x{${"a".repeat(300)}="v"}`,
  ];

  it("gives what parsing the expression itself gives, and one answer for rules that differ only in label values", () => {
    for (const e of corpus) expect(metricsRead(e), e).toEqual(direct(e));
    // the metric name of a `__name__` matcher is kept, escapes and comments are read as written
    expect(withoutLabelValues(corpus[2]!)).toBe('{__name__="raw_total", job=""} + {__name__ = "other_total"}');
    expect(withoutLabelValues(corpus[5]!)).toBe(corpus[5]);
    expect(withoutLabelValues(corpus[6]!)).toBeNull();
    expect(withoutLabelValues(corpus[7]!)).toBeNull();
    // the matcher's name is read back however far it is: `__name__` after 193 spaces is kept, a
    // 300-character label name's value blanked, a metric name with a colon is no label name
    expect(withoutLabelValues(corpus[9]!)).toBe(corpus[9]);
    expect(withoutLabelValues(corpus[11]!)).toBe(corpus[11]!.replace('"v"', '""'));
    expect(withoutLabelValues('a:b="x"')).toBe('a:b="x"');
    expect(withoutLabelValues('x == "y" or z <= "w"')).toBe('x == "y" or z <= "w"');
    expect(withoutLabelValues(corpus[0]!)).toBe(withoutLabelValues(corpus[0]!.replaceAll("svc-7", "payments-api")));
    expect(withoutLabelValues(corpus[1]!)).not.toBe(withoutLabelValues(corpus[1]!.replace("slo:sli_total", "slo:sli_errors")));
  });
});
