/** The Prometheus generator, proven by the real promtool: every rule file passes `check rules`,
 * every generated unit test passes, the generated tests fail when a rule is wrong, and spec strings
 * cannot break the PromQL or the templates they land in. A missing promtool fails, never skips.
 * (What holds without promtool: test/prometheus.test.ts.) */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { localTool } from "../../src/tools/discover.js";
import { Ratio } from "../../src/model/decimal.js";
import { ROOT, tempDir } from "../helpers.js";
import { buildExample, compileOdd, FIXTURE_RULE_DIRS, rulesIn, testsIn } from "../support/prometheus.js";

const promtool = localTool("promtool", ROOT);

function promtoolRun(args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    if (!promtool) return resolve({ code: -1, out: "promtool is not installed (run scripts/setup-tools.sh)" });
    const p = spawn(promtool, args, { cwd, env: { ...process.env, NO_COLOR: "1" } });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    p.on("close", (code) => resolve({ code: code ?? -1, out }));
  });
}

/** Runs `promtool test rules` on each file, as many at a time as there are CPUs. */
async function testRules(dir: string, files: string[]): Promise<{ file: string; code: number; out: string }[]> {
  const results: { file: string; code: number; out: string }[] = [];
  const queue = [...files];
  const worker = async () => {
    for (let f = queue.shift(); f !== undefined; f = queue.shift()) results.push({ file: f, ...(await promtoolRun(["test", "rules", f], dir)) });
  };
  await Promise.all(Array.from({ length: Math.max(1, cpus().length) }, worker));
  return results.sort((a, b) => (a.file < b.file ? -1 : 1));
}

async function expectAllPass(dir: string): Promise<void> {
  const rules = rulesIn(dir);
  expect(rules.length).toBeGreaterThan(0);
  const check = await promtoolRun(["check", "rules", ...rules], dir);
  expect(check.code, check.out).toBe(0);
  const tests = testsIn(dir);
  // each rule file has its minute tests and, for SLOs fed by raw counters, its history tests
  expect([...new Set(tests.map((t) => t.replace(/(\.history)?\.rules\.test\.yaml$/, ".rules.yaml")))]).toEqual(rules);
  for (const r of await testRules(dir, tests)) expect(r.code, `${r.file}\n${r.out}`).toBe(0);
}

describe("promtool", () => {
  it("is installed (scripts/setup-tools.sh)", () => expect(promtool, "promtool not found in .tools/bin or PATH").not.toBeNull());
});

describe("example rules under promtool", () => {
  const out = buildExample();

  it("check rules and every generated unit test pass", async () => expectAllPass(join(out, "prometheus")));
});

describe("golden fixtures under promtool", () => {
  it.each(FIXTURE_RULE_DIRS)("%s: check rules and test rules pass", async (dir) => expectAllPass(dir));
});

describe("the generated tests can fail", () => {
  const tmp = tempDir();
  const dir = join(tmp.path, "prometheus");
  afterAll(() => tmp.cleanup());
  const rulesText = (service: string) => readFileSync(join(ROOT, "out", "prometheus", `${service}.rules.yaml`), "utf8");

  /** Writes a mutated rule file and the generated tests whose name contains `only`, and runs them. */
  async function runMutant(mutate: (rules: string) => string, only: string, service = "checkout"): Promise<{ code: number; out: string }> {
    mkdirSync(dir, { recursive: true });
    const original = rulesText(service);
    const mutated = mutate(original);
    expect(mutated).not.toBe(original);
    writeFileSync(join(dir, `${service}.rules.yaml`), mutated);
    const doc = parse(readFileSync(join(ROOT, "out", "prometheus", `${service}.rules.test.yaml`), "utf8")) as { tests: { name: string }[] };
    doc.tests = doc.tests.filter((t) => t.name.includes(only));
    expect(doc.tests.length).toBeGreaterThan(0);
    writeFileSync(join(dir, `${service}.rules.test.yaml`), JSON.stringify(doc));
    return promtoolRun(["test", "rules", `${service}.rules.test.yaml`], dir);
  }

  it("fails when a tier's threshold is doubled", async () => {
    const thr = "0.0072"; // checkout availability, page 1h/5m: 14.4 x 0.0005
    const doubled = Ratio.parse(thr)!.mul(Ratio.of(2)).toString();
    const r = await runMutant((t) => t.replaceAll(`> ${thr} `, `> ${doubled} `).replaceAll(`> ${thr}\n`, `> ${doubled}\n`), "checkout/availability page 1h/5m");
    expect(r.code, r.out).not.toBe(0);
    expect(r.out).toMatch(/FAILED/);
  });

  it("fails when a tier loses its `for`", async () => {
    const r = await runMutant((t) => t.replace("for: 2m", "for: 0s"), "checkout/availability page 1h/5m");
    expect(r.code, r.out).not.toBe(0);
  });

  it("fails when the 1d window is a mean of 5m ratios (Sloth's formula) instead of request-weighted", async () => {
    const id = '{service="checkout",slo="availability"}';
    const weighted = `slo:sli_errors:rate1d${id} / (slo:sli_total:rate1d${id} > 0)`;
    expect(rulesText("checkout")).toContain(weighted);
    const r = await runMutant((t) => t.replace(weighted, `avg_over_time(slo:sli_error:ratio_rate5m${id}[1d])`), "checkout/availability: uneven traffic");
    expect(r.code, r.out).not.toBe(0);
  });

  it("fails when the zero-traffic guard is removed (errors over a zero total give +Inf)", async () => {
    // Every ratio divides by `(total > 0)`; without it, errors counted against a zero total (the
    // recorded-rate test of a query SLI) divide to +Inf, which passes any threshold. The SLO's
    // minEvents clause would also block a zero total, so the mutant drops it too.
    const minEvents = / and slo:sli_total:rate\w+\{[^}]*\} \* \d+ >= \d+/g;
    const mutate = (t: string) => t.replaceAll(" > 0)", ")").replace(minEvents, "");
    expect(rulesText("search")).toMatch(minEvents);
    const r = await runMutant(mutate, "search/search-quality: zero traffic", "search");
    expect(r.code, r.out).not.toBe(0);
  });
});

describe("spec strings cannot break PromQL or templates", () => {
  const result = compileOdd();
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it("escapes label values, annotations and templates, and promtool accepts and passes the files", async () => {
    const files = result.files!;
    const rules = files.get("prometheus/odd.rules.yaml")!;
    const doc = parse(rules) as { groups: { rules: { alert?: string; expr: string; labels?: Record<string, string>; annotations?: Record<string, string> }[] }[] };
    const alert = doc.groups[0]!.rules.find((r) => r.alert === "SLOErrorBudgetBurn")!;
    expect(alert.labels!["note"]).toBe('quote " backslash \\ newline \n end');
    expect(alert.labels!["braces"]).toBe('{{ "{{" }} $value }}');
    expect(alert.annotations!["summary"]).toBe('Odd "summary" with {{ "{{" }} $labels.job }} and \\');
    const latency = doc.groups[1]!.rules.find((r) => r.expr.includes("_bucket"))!;
    expect(latency.expr).toContain('le=~"1(\\\\.0)?"');
    mkdirSync(join(tmp.path, "prometheus"));
    for (const [p, content] of files) if (p.startsWith("prometheus/")) writeFileSync(join(tmp.path, p), content);
    await expectAllPass(join(tmp.path, "prometheus"));
    // The generated tests compare the alerts' labels and annotations with the literal spec strings.
    const tests = files.get("prometheus/odd.rules.test.yaml")!;
    expect(tests).toContain("{{ $labels.job }}");
    const series = (parse(tests) as { tests: { input_series: { series: string }[] }[] }).tests.flatMap((t) => t.input_series.map((x) => x.series));
    expect(series).toContain('http_requests_total{code="5xx",job="we\\\\ird \\"job\\""}');
  });
});
