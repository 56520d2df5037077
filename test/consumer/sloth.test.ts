/** The Sloth importer, proven against Sloth itself (v0.16.0, scripts/setup-tools.sh): for every
 * spec of test/fixtures/sloth, `sloth generate` on the original and `svcspec import sloth` +
 * `svcspec build` on the same file are loaded into one promtool test, fed the same synthetic
 * series, and their SLI error ratios must agree within 1e-9 on every window both record: windows
 * up to 6h while the traffic changes (both compute those from the raw series), every window, the
 * 30d period included, under constant traffic (where svcspec's request-weighted long windows and
 * Sloth's raw or time-averaged ones must meet). The imported spec's own generated promtool tests
 * pass too. A missing sloth or promtool fails, never skips. */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import jsyaml from "js-yaml";
import { afterAll, describe, expect, it } from "vitest";
import { dnsLabel } from "../../src/import/common.js";
import { localTool } from "../../src/tools/discover.js";
import { FIXTURES, ROOT, run, tempDir } from "../helpers.js";

const sloth = localTool("sloth", ROOT);
const promtool = localTool("promtool", ROOT);
const CORPUS = join(FIXTURES, "sloth");
const specs = readdirSync(CORPUS)
  .filter((f) => f.endsWith(".yaml") && !f.endsWith(".series.yaml"))
  .sort();

/** Minute at which the varying series change rate; how long each test group runs. */
const CHANGE = 90;
const VARYING_END = 180;
const CONSTANT_END = 120;
const RAW_MAX_MS = 6 * 3_600_000;

interface SeriesFile {
  counters?: { series: string; before: number; after: number }[];
  gauges?: { series: string; before: number; after: number }[];
}

type Rule = { record?: string; expr: string; labels?: Record<string, string> };

/** promtool's expanding notation: per-minute increments (counters) or values (gauges), one rate
 * `before` minute CHANGE and another after; `constant` keeps `before` throughout. */
function inputSeries(file: SeriesFile, constant: boolean): { series: string; values: string }[] {
  const counters = (file.counters ?? []).map((c) => ({
    series: c.series,
    values: constant ? `0+${c.before}x${CONSTANT_END}` : `0+${c.before}x${CHANGE} ${c.before * CHANGE + c.after}+${c.after}x${VARYING_END - CHANGE - 1}`,
  }));
  const gauges = (file.gauges ?? []).map((g) => ({
    series: g.series,
    values: constant ? `${g.before}x${CONSTANT_END}` : `${g.before}x${CHANGE - 1} ${g.after}x${VARYING_END - CHANGE}`,
  }));
  return [...counters, ...gauges];
}

/** Sloth's rules file; for a PrometheusServiceLevel it prints a PrometheusRule: its spec is the file. */
function slothRules(spec: string, dir: string): string {
  const generated = join(dir, "sloth.generated.yaml");
  const r = spawnSync(sloth!, ["generate", "-i", join(CORPUS, spec), "-o", generated], { encoding: "utf8", timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  const docs = (jsyaml.loadAll(readFileSync(generated, "utf8")) as Record<string, unknown>[]).filter(Boolean);
  const groups = docs.flatMap((d) => ((d["kind"] === "PrometheusRule" ? (d["spec"] as Record<string, unknown>) : d)["groups"] as unknown[]) ?? []);
  const path = join(dir, "sloth.rules.yaml");
  writeFileSync(path, jsyaml.dump({ groups }, { lineWidth: -1 }));
  return path;
}

function recordingRules(file: string): Rule[] {
  const doc = jsyaml.load(readFileSync(file, "utf8")) as { groups: { rules: Rule[] }[] };
  return doc.groups.flatMap((g) => g.rules).filter((r) => r.record);
}

const WINDOW_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
function windowMs(w: string): number {
  return [...w.matchAll(/(\d+)([mhdw])/g)].reduce((n, m) => n + Number(m[1]) * WINDOW_MS[m[2]!]!, 0);
}

/** For each SLO (by Sloth id), the windows both record and the series selectors of each side. */
function comparable(slothFile: string, svcspecFiles: string[], source: unknown[]): { id: string; svcService: string; svcSlo: string; groupBy: string[]; windows: string[] }[] {
  const sloth = recordingRules(slothFile).filter((r) => r.record!.startsWith("slo:sli_error:ratio_rate"));
  const ours = svcspecFiles.flatMap(recordingRules).filter((r) => r.record!.startsWith("slo:sli_error:ratio_rate"));
  const out: ReturnType<typeof comparable> = [];
  for (const doc of source as Record<string, unknown>[]) {
    const spec = (doc["kind"] === "PrometheusServiceLevel" ? doc["spec"] : doc) as { service: string; slos: { name: string; sli: { events?: Record<string, string> } }[] };
    for (const slo of spec.slos) {
      const id = `${spec.service}-${slo.name}`;
      const svcService = dnsLabel(spec.service);
      const svcSlo = dnsLabel(slo.name);
      const slothWindows = new Set(sloth.filter((r) => r.labels?.["sloth_id"] === id).map((r) => r.record!.slice("slo:sli_error:ratio_rate".length)));
      const ourWindows = ours.filter((r) => r.labels?.["service"] === svcService && r.labels?.["slo"] === svcSlo).map((r) => r.record!.slice("slo:sli_error:ratio_rate".length));
      const windows = ourWindows.filter((w) => slothWindows.has(w));
      const q = Object.values(slo.sli.events ?? {}).join(" ");
      const groupBy = /sum\s+by\s*\(([^)]*)\)/.exec(q)?.[1]?.split(",").map((s) => s.trim()).filter(Boolean) ?? [];
      out.push({ id, svcService, svcSlo, groupBy, windows });
    }
  }
  return out;
}

/** Per window: both sides hold the same number of series, the error ratio is not zero, and every
 * pair agrees within 1e-9. */
function agreement(c: ReturnType<typeof comparable>[number], windows: string[], at: number, groups: number) {
  return windows.flatMap((w) => {
    const theirs = `slo:sli_error:ratio_rate${w}{sloth_id="${c.id}"}`;
    const ours = `slo:sli_error:ratio_rate${w}{service="${c.svcService}",slo="${c.svcSlo}",sloth_id=""}`;
    const on = `on(${c.groupBy.join(", ")})`;
    const count = (expr: string) => ({ expr: `count(${expr})`, eval_time: `${at}m`, exp_samples: [{ labels: "{}", value: groups }] });
    return [count(`${theirs} > 0`), count(`${ours} > 0`), count(`abs(${theirs} - ${on} ${ours}) <= 1e-9`)];
  });
}

function promtoolTest(dir: string, file: string): { code: number; out: string } {
  const r = spawnSync(promtool!, ["test", "rules", file], { cwd: dir, encoding: "utf8", timeout: 120_000 });
  return { code: r.status ?? -1, out: (r.stdout ?? "") + (r.stderr ?? "") };
}

describe("sloth and promtool", () => {
  it("are installed (scripts/setup-tools.sh)", () => {
    expect(sloth, "sloth not found in .tools/bin or PATH").not.toBeNull();
    expect(promtool, "promtool not found in .tools/bin or PATH").not.toBeNull();
  });
  it("the corpus has at least 10 Sloth specs, each with its series", () => {
    expect(specs.length).toBeGreaterThanOrEqual(10);
    for (const s of specs) expect(readdirSync(CORPUS)).toContain(s.replace(/\.yaml$/, ".series.yaml"));
  });
});

describe("Sloth and svcspec import + build agree on every SLI error ratio", () => {
  const tmp = tempDir("svcspec-sloth-");
  afterAll(() => tmp.cleanup());

  it.each(specs)("%s", async (spec) => {
    const dir = join(tmp.path, spec.replace(/\.yaml$/, ""));
    mkdirSync(dir, { recursive: true });
    const slothFile = slothRules(spec, dir);
    const imported = await run(["import", "sloth", join(CORPUS, spec), "--out", join(dir, "spec", "services"), "--team", "imported", "--runbook", "https://runbooks.example/imported", "--tier", "standard"]); // standard: an SLO that turns paging off is no policy error there
    expect(imported.code, imported.err).toBe(0);
    const built = await run(["build", "--spec", join(dir, "spec"), "--out", join(dir, "out")]);
    expect(built.code, built.err).toBe(0);
    const promDir = join(dir, "out", "prometheus");
    const ourFiles = readdirSync(promDir).filter((f) => f.endsWith(".rules.yaml")).map((f) => join(promDir, f));
    const source = jsyaml.loadAll(readFileSync(join(CORPUS, spec), "utf8")).filter(Boolean);
    const slos = comparable(slothFile, ourFiles, source);
    expect(slos.length).toBeGreaterThan(0);
    const series = jsyaml.load(readFileSync(join(CORPUS, spec.replace(/\.yaml$/, ".series.yaml")), "utf8")) as SeriesFile;
    const tests = slos.map((c) => {
      expect(c.windows.length, `${c.id}: no window both record`).toBeGreaterThan(0);
      const groups = c.groupBy.length ? new Set((series.counters ?? []).map((s) => c.groupBy.map((l) => new RegExp(`${l}="([^"]*)"`).exec(s.series)?.[1]).join())).size : 1;
      const short = c.windows.filter((w) => windowMs(w) <= RAW_MAX_MS);
      return [
        { name: `${c.id}: changing traffic, windows ${short.join(", ")}`, interval: "1m", input_series: inputSeries(series, false), promql_expr_test: [CHANGE + 10, CHANGE + 40, VARYING_END - 1].flatMap((t) => agreement(c, short, t, groups)) },
        { name: `${c.id}: constant traffic, windows ${c.windows.join(", ")}`, interval: "1m", input_series: inputSeries(series, true), promql_expr_test: agreement(c, c.windows, CONSTANT_END, groups) },
      ];
    });
    const testFile = "differential.test.yaml";
    writeFileSync(join(dir, testFile), jsyaml.dump({ rule_files: [slothFile, ...ourFiles], evaluation_interval: "1m", tests: tests.flat() }, { lineWidth: -1 }));
    const diff = promtoolTest(dir, testFile);
    expect(diff.code, diff.out).toBe(0);
    // The imported spec's own generated tests hold as well.
    for (const f of readdirSync(promDir).filter((x) => x.endsWith(".rules.test.yaml"))) {
      const own = promtoolTest(promDir, f);
      expect(own.code, `${f}\n${own.out}`).toBe(0);
    }
  });
});
