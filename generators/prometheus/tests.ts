/** prometheus/<service>.rules.test.yaml: promtool unit tests proving every generated alert. Every
 * expectation is computed here from the Model's exact numbers; promtool checks the rules agree.
 *
 * Each check is a scenario: inputs over time, evaluation points and, for any time, the alerts it
 * expects firing. promtool evaluates every rule of the file every minute of a test group, so the
 * cost is minutes x rules; scenarios of different SLOs (and the cache) whose inputs no other
 * member's rules read share one test group, which runs them in parallel. */
import { ONE, Ratio, ZERO } from "../../src/model/decimal.js";
import { formatDuration, humanSeconds } from "../../src/model/duration.js";
import type { BurnRateAlert, Service, Slo } from "../../src/model/model.js";
import { selector } from "../../src/render/promql.js";
import { toYaml } from "../../src/render/yaml.js";
import { BoundedCache } from "../../src/util/memo.js";
import { BURN_ALERT, burnAlert, NO_DATA_ALERT, noDataAlert, noDataAlerts, noDataFor } from "./alerts.js";
import { CACHE_ALERT, CACHE_ALERT_FOR_MS, cacheGroup, HITS_RATE, MISSES_RATE } from "./cache.js";
import { cacheInputs, cacheReads, counterValues, type Inputs, type InputSeries, type Phase, piecewiseValues, queryRawSeries, type SeriesRef, seriesMatches, sloInputs, sloPhase, sloReads, totalProducesWithoutInput, type WindowValue } from "./inputs.js";
import { BUDGET_REMAINING, CHUNK_LOOKBACK_MS, daysChunks, ERROR_BUDGET, ERRORS_RATE, errorsRateName, OBJECTIVE, PERIOD_BURN_RATE, ratioName, recordingRules, sloIdentity, TOTAL_RATE, totalRateName } from "./recording.js";
import { type ParsedSelector, vectorSelectors } from "./selectors.js";
import type { AlertRule } from "./types.js";
import { BASE_MS, firingAlerts, type SloWindow, sloWindows, windowKind } from "./windows.js";

const MIN = 60_000;
const minutes = (n: number) => formatDuration(n * MIN);
/** Traffic of the burn tests, events per minute (20 per second). */
const TRAFFIC = Ratio.of(1200);
/** Minutes of each traffic phase of the uneven-traffic test. */
const UNEVEN_PHASE = 20;
/** Outage tests run only while clean history plus detection fits in this many minutes. */
const OUTAGE_MAX = 120;

interface Tier {
  a: BurnRateAlert;
  rule: AlertRule;
  /** `for` in whole minutes (evaluations are a minute apart). */
  forMin: number;
  longMin: number;
  shortMin: number;
}

interface ExpAlert {
  exp_labels: Record<string, string>;
  exp_annotations: Record<string, string>;
}

interface PromqlTest {
  expr: string;
  eval_time: string;
  exp_samples: { labels: string; value: number }[];
}

interface TestGroup {
  name: string;
  interval: string;
  input_series: InputSeries[];
  alert_rule_test?: { eval_time: string; alertname: string; exp_alerts: ExpAlert[] }[];
  promql_expr_test?: PromqlTest[];
}

interface Scenario {
  /** The SLO (or `cache`) whose series it feeds: a group holds one scenario per owner. */
  owner: string;
  name: string;
  /** The last evaluation minute. */
  end: number;
  /** Inputs from t=0 through `length` minutes (the last phase is held). */
  build(length: number): InputSeries[];
  refs: SeriesRef[];
  reads: ParsedSelector[] | "all";
  alertEvals: { t: number; alertname: string }[];
  /** Alerts of this scenario firing at t under the held inputs; null when not computable. */
  alertsAt(alertname: string, t: number): ExpAlert[] | null;
  /** alertsAt may answer null (otherwise merging need not ask it). */
  partial?: true;
  promql: PromqlTest[];
}

const COMMENT = (service: string, rules: string, names: string) =>
  [
    `# promtool unit tests of ${rules}: \`promtool test rules ${service}.rules.test.yaml\` (promtool 2.42 subset).`,
    "# Each burn-rate tier runs at a burn just above its factor (it must fire `for` after the first",
    "# evaluation that has a 5m rate, at 1m) and just below it (it must not even be pending); tiers whose",
    "# windows come from raw counters also get a total outage after clean traffic (it must fire at the first",
    "# evaluation after the tier's computed detection time). The long windows (1d, 3d, the SLO period) only",
    "# see the test's own samples: under a constant burn every window holds the same ratio, so no test needs",
    `# the SLO period of samples. All tiers share the alertname ${names}, so every exp_alerts lists`,
    "# each alert firing at that time. Inputs are raw counters the SLI's own selectors match; a query SLI is",
    "# opaque PromQL, so its tests feed the recorded 5m rates and raw-window ratios instead. Checks of",
    "# different SLOs whose inputs do not meet share a test group (names joined by ` | `) to save time.",
    "",
  ].join("\n");

export function ruleTests(service: Service, rulesFile: string): string {
  const scenarios = [...service.slos.flatMap((slo) => sloScenarios(service, slo)), ...cacheScenarios(service)];
  const tests: TestGroup[] = [...merge(scenarios), ...noDataTests(service)];
  const untested = service.slos
    .filter((slo) => !sloInputs(service, slo))
    .map((slo) => `# NOT TESTED: ${service.name}/${slo.name}: its query returns series without any input (vector(), absent(), time()...), so its recorded rates cannot be fed.\n`);
  return COMMENT(service.name, rulesFile, burnAlertNames(service.slos).join(" / ") || BURN_ALERT) + untested.join("") + toYaml({ rule_files: [rulesFile], evaluation_interval: "1m", tests });
}

/** The burn-rate alert names of the SLOs, sorted, each once (SLOErrorBudgetBurn unless
 * alerting.name sets another). */
function burnAlertNames(slos: readonly Slo[]): string[] {
  return [...new Set(slos.map((s) => s.alerting.name))].sort();
}

// ---------------------------------------------------------------------------------------------
// merging scenarios into test groups

function collide(a: Scenario, b: Scenario): boolean {
  const reads = (s: Scenario, refs: SeriesRef[]) => s.reads === "all" || refs.some((r) => (s.reads as ParsedSelector[]).some((sel) => seriesMatches(r, sel)));
  return a.owner === b.owner || reads(a, b.refs) || reads(b, a.refs);
}

function compatible(group: Scenario[], s: Scenario): boolean {
  if (group.some((m) => collide(m, s))) return false;
  const all = [...group, s];
  return all.every((x) => x.alertEvals.every((e) => all.every((y) => !y.partial || y.alertsAt(e.alertname, e.t) !== null)));
}

/** First fit, longest scenarios first: each group costs its longest member's minutes. */
function merge(scenarios: Scenario[]): TestGroup[] {
  const groups: Scenario[][] = [];
  for (const s of [...scenarios].sort((a, b) => b.end - a.end)) {
    const g = groups.find((members) => compatible(members, s));
    if (g) g.push(s);
    else groups.push([s]);
  }
  return groups.map((members) => {
    const length = Math.max(...members.map((m) => m.end));
    const evals = [...new Map(members.flatMap((m) => m.alertEvals).map((e) => [`${e.t} ${e.alertname}`, e])).values()].sort((a, b) => a.t - b.t || (a.alertname < b.alertname ? -1 : 1));
    const group: TestGroup = { name: members.map((m) => m.name).join(" | "), interval: "1m", input_series: members.flatMap((m) => m.build(length)) };
    if (evals.length) {
      group.alert_rule_test = evals.map((e) => ({ eval_time: minutes(e.t), alertname: e.alertname, exp_alerts: members.flatMap((m) => m.alertsAt(e.alertname, e.t) ?? []) }));
    }
    const promql = members.flatMap((m) => m.promql);
    if (promql.length) group.promql_expr_test = promql;
    return group;
  });
}

// ---------------------------------------------------------------------------------------------
// expectations

function expected(rule: AlertRule, extra: [string, string][] = []): ExpAlert {
  return { exp_labels: Object.fromEntries([...rule.labels, ...extra]), exp_annotations: Object.fromEntries(rule.annotations) };
}

const wholeMinutes = (ms: number) => Math.ceil(ms / MIN);
const isWholeMinutes = (ms: number) => ms % MIN === 0;

/** A decimal near x with 4 significant digits: test inputs stay short and exact. */
function round4(x: Ratio): Ratio {
  return Ratio.fromNumber(Number(x.toNumber().toPrecision(4)));
}

/** An error ratio of about `mult` x the tier's threshold (or, above a threshold near 100%, half
 * way to 100%) that is at least 0.5% away from every tier's threshold, so no comparison in the test
 * depends on float rounding; null when there is none. */
function burnNear(tiers: Tier[], threshold: Ratio, mults: number[]): Ratio | null {
  // SLOs of one objective and alert table share their thresholds: worked out once
  const key = `${threshold} ${mults.join(",")} ${tiers.map((t) => t.a.threshold).join(",")}`;
  return burns.get(key, () => burnNearOf(tiers, threshold, mults));
}
const burns = new BoundedCache<Ratio | null>();

function burnNearOf(tiers: Tier[], threshold: Ratio, mults: number[]): Ratio | null {
  const candidates = [...mults.map((m) => threshold.mul(Ratio.fromNumber(m))), ...(mults[0]! > 1 ? [threshold.add(ONE).div(Ratio.of(2))] : [])];
  for (const c of candidates) {
    const r = round4(c);
    if (r.cmp(ONE) >= 0 || r.cmp(ZERO) <= 0 || (r.cmp(threshold) > 0) !== mults[0]! > 1) continue;
    if (tiers.every((t) => Math.abs(r.div(t.a.threshold).toNumber() - 1) > 0.005)) return r;
  }
  return null;
}

/** With a constant error ratio from t=0, every window holds that ratio from the first evaluation
 * with a rate (1m): tiers below it activate at 1m and fire `for` later. */
function firingUnderConstant(tiers: Tier[], ratio: Ratio, t: number): Tier[] {
  return tiers.filter((x) => ratio.cmp(x.a.threshold) > 0 && t >= 1 + x.forMin);
}

/** Holds the last phase so the inputs cover `length` minutes. */
function hold(phases: Phase[], length: number): Phase[] {
  const used = phases.slice(0, -1).reduce((n, p) => n + p.minutes, 0);
  const last = phases[phases.length - 1];
  return last ? [...phases.slice(0, -1), { ...last, minutes: Math.max(last.minutes, length - used) }] : [];
}

// ---------------------------------------------------------------------------------------------
// SLO scenarios

/** The tiers the tests can drive. A tier whose long window is made of recorded days cannot fire
 * before the rules have run for those days: no test here is that long (the rules' own alert text
 * says so). */
function sloTiers(service: Service, slo: Slo): Tier[] {
  return firingAlerts(slo)
    .filter((a) => windowKind(a.long) !== "days")
    .map((a) => ({ a, rule: burnAlert(service, slo, a), forMin: wholeMinutes(a.for), longMin: a.long / MIN, shortMin: a.short / MIN }));
}

function sloScenarios(service: Service, slo: Slo): Scenario[] {
  const inputs = sloInputs(service, slo);
  if (!inputs) return [];
  const tiers = sloTiers(service, slo);
  // every scenario and every merge check asks for the same few tiers' expectations
  const expectations = new Map(tiers.map((x) => [x, expected(x.rule, inputs.groupLabels)]));
  const exp = (ts: Tier[]) => ts.map((x) => expectations.get(x)!);
  const who = `${service.name}/${slo.name}`;
  const label = (x: Tier) => `${who} ${x.a.severity} ${formatDuration(x.a.long)}/${formatDuration(x.a.short)} (factor ${x.a.factor}, threshold ${x.a.threshold})`;
  const traffic = trafficFor(slo, tiers);
  const base = { owner: slo.name, refs: inputs.refs, reads: sloReads(slo) };
  /** Burn alerts only: other alertnames are not this scenario's. */
  const burnName = slo.alerting.name;
  const burnOnly = (f: (t: number) => ExpAlert[] | null) => (alertname: string, t: number) => (alertname === burnName ? f(t) : []);
  const constant = (name: string, perMin: Ratio, ratio: Ratio, end: number, evals: number[], promql: PromqlTest[], minEventsMet = true): Scenario => ({
    ...base,
    name,
    end,
    build: (length) => inputs.build([sloPhase(length, perMin, perMin.mul(ratio))]),
    alertEvals: evals.map((t) => ({ t, alertname: burnName })),
    alertsAt: burnOnly((t) => exp(minEventsMet ? firingUnderConstant(tiers, ratio, t) : [])),
    promql,
  });
  // Under a constant burn every window holds the same ratio from 1m on, so the set of active
  // (pending or firing) tiers at 2m is the set for all time: a tier not active then never fires.
  const active = (ts: Tier[]) => activeTiers(service, slo, ts);
  const out: Scenario[] = [];
  for (const x of tiers) {
    // 2% either side: a threshold mutated by 5% (or to another period's, 7%) lands between them
    const above = burnNear(tiers, x.a.threshold, [1.02, 1.025, 1.03, 1.035]);
    const below = burnNear(tiers, x.a.threshold, [0.98, 0.975, 0.97, 0.965]);
    const fires = 1 + x.forMin;
    const burn = (r: Ratio) => `error ratio ${r} (burn ${round4(r.div(slo.budget))}x)`;
    const meta = x === tiers[0] && above ? metadataChecks(service, slo, inputs, above, minutes(fires)) : [];
    if (above) out.push(constant(`${label(x)}: ${burn(above)} fires at ${minutes(fires)}, for ${formatDuration(x.a.for)} after the first 5m rate${meta.length ? "; objective, budget, period burn rate and budget remaining are exact" : ""}`, traffic, above, fires, [fires - 1, fires], meta));
    if (below) out.push(constant(`${label(x)}: ${burn(below)} never fires: the tier is not even pending`, traffic, below, 2, [], [active(tiers.filter((y) => below.cmp(y.a.threshold) > 0))]));
    if (inputs.mode === "raw") {
      const outage = outageScenario(base, tiers, x, inputs, traffic, exp, label(x));
      if (outage) out.push(outage);
    }
  }
  // Raw counters stay flat (0/0); recorded inputs count errors without any total (x/0), their raw
  // windows absent (the rules' own guard): the windows computed from the recorded 5m rates must
  // stay empty rather than +Inf.
  const guarded = inputs.mode === "recorded" ? sloWindows(slo).filter((w) => w.kind !== "raw") : [];
  out.push({
    ...constant(`${who}: zero traffic (${inputs.mode === "raw" ? "0/0" : "0/0 and errors over a zero total"}) activates no alert of the SLO, burn-rate or no-data`, ZERO, ZERO, 2, [], []),
    build: (length) => inputs.build([inputs.mode === "raw" ? sloPhase(length, ZERO, ZERO) : sloPhase(length, ZERO, ONE)]),
    alertsAt: burnOnly(() => []),
    promql: [
      { expr: `ALERTS${selector("", sloIdentity(service, slo))}`, eval_time: "2m", exp_samples: [] },
      ...guarded.map((w) => ({ expr: selector(ratioName(w.text), sloIdentity(service, slo)), eval_time: "2m", exp_samples: [] })),
    ],
  });
  for (const p of probes(service, slo, tiers, inputs, traffic)) out.push({ ...base, ...p });
  const uneven = unevenScenario(service, slo, inputs, base);
  if (uneven) out.push(uneven);
  if (inputs.mode === "raw") out.push(baseRatesScenario(service, slo, inputs, base));
  const min = slo.alerting.minEvents;
  if (min && tiers.length) {
    // Events in a long window are those that happened in it: at 2m, two minutes of traffic.
    const longest = Math.max(...tiers.map((x) => x.longMin));
    const low = round4(Ratio.of(min, 2 * longest));
    const high = round4(Ratio.of(min));
    out.push(
      constant(`${who}: 100% errors at ${low} requests/min (under half of minEvents ${min} in every long window) never fires`, low, ONE, 2, [], [active([])], false),
      constant(`${who}: 100% errors at ${high} requests/min (twice minEvents ${min} by 2m) activates every tier`, high, ONE, 2, [], [active(tiers)]),
    );
    // at its limit: 2% over minEvents by 2m activates every tier, 2% under none (a minEvents 5% off
    // lands on the other side)
    for (const [f, fires] of [[1.02, true], [0.98, false]] as const) {
      const perMin = Ratio.of(Math.round(min * f * 100), 200);
      const events = perMin.mul(Ratio.of(2));
      const s = constant(`${who}: 100% errors at ${perMin} requests/min (${events} events by 2m, minEvents ${min}) ${fires ? "activates every tier" : "activates no tier"}`, perMin, ONE, 2, [], [active(fires ? tiers : [])], fires);
      out.push(inputs.mode === "raw" ? s : { ...s, build: (length) => inputs.buildWindows!(windowValue([{ minutes: length + 1, ratio: ONE }], length, perMin.toNumber()), length) });
    }
  }
  return out;
}

/** The tiers of an SLO that are pending or firing at 2m, by severity and window pair. */
function activeTiers(service: Service, slo: Slo, tiers: Tier[], at = "2m"): PromqlTest {
  return {
    expr: `count by (severity, long_window, short_window) (ALERTS${selector("", [["alertname", slo.alerting.name], ...sloIdentity(service, slo)])})`,
    eval_time: at,
    exp_samples: tiers.map((x) => ({
      labels: selector("", [["long_window", formatDuration(x.a.long)], ["severity", x.a.severity], ["short_window", formatDuration(x.a.short)]]),
      value: 1,
    })),
  };
}

/** Enough traffic that minEvents never gates a burn test, even at the first evaluation (1m: one
 * minute of events in every long window). */
function trafficFor(slo: Slo, tiers: Tier[]): Ratio {
  const min = slo.alerting.minEvents ?? 0;
  if (!min || !tiers.length) return TRAFFIC;
  let n = TRAFFIC;
  while (n.cmp(Ratio.of(10 * min)) < 0) n = n.mul(Ratio.of(10));
  return n;
}

/** Error ratio of a raw window of w minutes, k minutes into a total outage that followed h minutes
 * of clean traffic (both counters start at 0 at t=0, so rate() does not extrapolate). */
function outageRatio(w: number, h: number, k: number): Ratio {
  return Ratio.of(Math.min(k, w), Math.min(w, h + k));
}

/** Minute (after the outage start) at which a tier's condition first holds, null if not by kMax,
 * "unknown" when its windows are not raw or a ratio equals the threshold exactly (float ties). */
function outageActivation(x: Tier, h: number, kMax: number): number | null | "unknown" {
  return activations.get(`${x.a.long} ${x.a.short} ${x.a.threshold} ${h} ${kMax}`, () => outageActivationOf(x, h, kMax));
}
const activations = new BoundedCache<number | null | "unknown">();

/** Whether a window's ratio is a ratio of raw rates (outageRatio computes it). */
const fromRaw = (ms: number) => ["base", "raw", "rates"].includes(windowKind(ms));

function outageActivationOf(x: Tier, h: number, kMax: number): number | null | "unknown" {
  if (!fromRaw(x.a.long) || !fromRaw(x.a.short) || !isWholeMinutes(x.a.long) || !isWholeMinutes(x.a.short)) return "unknown";
  for (let k = 1; k <= kMax; k++) {
    const l = outageRatio(x.longMin, h, k).cmp(x.a.threshold);
    const s = outageRatio(x.shortMin, h, k).cmp(x.a.threshold);
    if (l === 0 || s === 0) return "unknown";
    if (l > 0 && s > 0) return k;
  }
  return null;
}

function outageScenario(
  base: Pick<Scenario, "owner" | "refs" | "reads">,
  tiers: Tier[],
  x: Tier,
  inputs: Inputs,
  traffic: Ratio,
  exp: (t: Tier[]) => ExpAlert[],
  label: string,
): Scenario | null {
  const h = x.longMin;
  const k = outageActivation(x, h, x.longMin);
  if (typeof k !== "number") return null;
  const d = k + x.forMin;
  const detectMin = x.a.detectionSeconds.div(Ratio.of(60));
  if (h + d > OUTAGE_MAX || d !== Number(detectMin.num / detectMin.den) + 1) return null;
  /** Tiers firing at absolute minute t; null when a tier that could be firing is not computable. */
  const firingAt = (t: number): Tier[] | null => {
    const out: Tier[] = [];
    for (const y of tiers) {
      const since = t - h;
      const act = since >= 1 ? outageActivation(y, h, since) : null;
      if (act === "unknown") {
        if (1 + y.forMin <= since) return null;
      } else if (act !== null && since >= act + y.forMin) out.push(y);
    }
    return out;
  };
  if (!firingAt(h + d - 1) || !firingAt(h + d)) return null;
  return {
    ...base,
    name: `${label}: a total outage after ${minutes(h)} of clean traffic fires ${minutes(d)} in, the first evaluation after the computed detection time ${humanSeconds(x.a.detectionSeconds)}`,
    end: h + d,
    build: (length) => inputs.build(hold([sloPhase(h, traffic, ZERO), sloPhase(d, traffic, traffic)], length)),
    alertEvals: [h + d - 1, h + d].map((t) => ({ t, alertname: x.rule.alert })),
    partial: true,
    alertsAt: (alertname, t) => {
      if (alertname !== x.rule.alert) return [];
      const f = firingAt(t);
      return f && exp(f);
    },
    promql: [],
  };
}

/** Request weighting: 20m at 990 requests/min without errors, then 20m at 10/min with 1 error/min
 * (99x less traffic). The true error ratio is 20/20000 = 0.001; a mean of 5m ratios (Sloth's period
 * SLI) gives about (0 + 0.1)/2 = 0.05, ~45x too high here. Every long window (1d, 3d, the period)
 * holds the whole test, so each must give the true ratio: no test needs a day of samples. */
function unevenScenario(service: Service, slo: Slo, inputs: Inputs, base: Pick<Scenario, "owner" | "refs" | "reads">): Scenario | null {
  const windows = [...new Set([...firingAlerts(slo).flatMap((a) => [a.long, a.short]), slo.window])].filter((ms) => (inputs.mode === "raw" ? !["base", "raw"].includes(windowKind(ms)) : windowKind(ms) === "recorded"))
    .filter((ms) => !(windowKind(ms) === "days" && sloWindows(slo).find((w) => w.ms === ms)?.alerted))
    .sort((a, b) => a - b);
  if (!windows.length) return null;
  const half = UNEVEN_PHASE;
  // A quiet tail of one base window puts the last requests fully inside the recorded 5m rates.
  const phases: Phase[] = [sloPhase(half, Ratio.of(990), ZERO), sloPhase(half, Ratio.of(10), ONE), sloPhase(5, ZERO, ZERO)];
  const truth = Ratio.of(half).div(Ratio.of(half * 1000));
  const labels = selector("", [...sloIdentity(service, slo), ...inputs.groupLabels].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
  const id = selector("", sloIdentity(service, slo));
  const end = 2 * half + 5;
  return {
    ...base,
    name:
      `${service.name}/${slo.name}: uneven traffic (${minutes(half)} at 990/min error-free, then ${minutes(half)} at 10/min with 10% errors, then 5m quiet): ` +
      `the request-weighted ${windows.map(formatDuration).join(", ")} ratios are the true ${truth} (within 1%); a mean of 5m ratios (Sloth's period SLI) says ~0.045, over 40x too high`,
    end,
    build: (length) => inputs.build(hold(phases, length)),
    alertEvals: [],
    // Burn tiers come and go with the traffic: not computed, so nothing asserting them may share the group.
    partial: true,
    alertsAt: (alertname) => (alertname === slo.alerting.name ? null : []),
    promql: [
      ...windows.map((w) => ({ expr: `abs(${ratioName(formatDuration(w))}${id} / ${truth} - 1) < bool 0.01`, eval_time: minutes(end), exp_samples: [{ labels, value: 1 }] })),
      { expr: `avg_over_time((${ERRORS_RATE}${id} / (${TOTAL_RATE}${id} > 0))[${minutes(end)}:1m]) / ${truth} > bool 40`, eval_time: minutes(end), exp_samples: [{ labels, value: 1 }] },
    ],
  };
}

/** Minute of the base-rates test's traffic step, and the minutes it checks: 3 minutes after the
 * step a 5m rate holds 2 minutes before it and 3 after (a 150s or 10m rate holds other shares), 7
 * minutes after only the new traffic. */
const STEP_MIN = 10;
const STEP_CHECKS = [3, 7];

/** The recorded 5m errors and total rates (the base window, and what dashboards plot) across a
 * traffic step, each counter exported by two instances at different rates: each rate is the sum
 * over the instances (a max or avg reads less) over exactly 5m (within 0.1%). */
function baseRatesScenario(service: Service, slo: Slo, inputs: Inputs, base: Pick<Scenario, "owner" | "refs" | "reads">): Scenario {
  const steps = [
    { total: TRAFFIC, errors: TRAFFIC.mul(Ratio.of(1, 100)) },
    { total: TRAFFIC.mul(Ratio.of(2)), errors: TRAFFIC.mul(Ratio.of(6, 100)) },
  ];
  const half = Ratio.of(1, 2);
  const phases = (k: Ratio) => steps.map((p, i) => sloPhase(i ? STEP_MIN * 2 : STEP_MIN, p.total.mul(k), p.errors.mul(k)));
  // events per second over (t - 5m, t] of both instances (one at full, one at half traffic)
  const rate = (key: "total" | "errors", after: number) => {
    const before = Math.max(0, 5 - after);
    return steps[0]![key].mul(Ratio.of(before)).add(steps[1]![key].mul(Ratio.of(5 - before))).mul(Ratio.of(3, 2)).div(Ratio.of(300));
  };
  const id = selector("", sloIdentity(service, slo));
  const labels = selector("", [...sloIdentity(service, slo), ...inputs.groupLabels].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
  const end = STEP_MIN + Math.max(...STEP_CHECKS);
  return {
    ...base,
    name: `${service.name}/${slo.name}: traffic doubles at ${minutes(STEP_MIN)} (errors from 1% to 3%), each counter from two instances (the second at half the rate): the recorded 5m errors and total rates are the instances' sum over exactly 5m at ${STEP_CHECKS.map((k) => minutes(STEP_MIN + k)).join(" and ")} (within 0.1%)`,
    end,
    build: (length) => [...inputs.build(hold(phases(ONE), length)), ...inputs.build(hold(phases(half), length)).map(secondCopy)],
    alertEvals: [],
    partial: true,
    alertsAt: (alertname) => (alertname === slo.alerting.name ? null : []),
    promql: STEP_CHECKS.flatMap((k) =>
      ([["errors", ERRORS_RATE], ["total", TOTAL_RATE]] as const).map(([key, name]) => ({
        expr: `abs(${name}${id} / ${digits8(rate(key, k))} - 1) < bool 0.001`,
        eval_time: minutes(STEP_MIN + k),
        exp_samples: [{ labels, value: 1 }],
      })),
    ),
  };
}

/** No input series at all: every no-data alert fires after its `for`, no burn alert fires. */
function noDataTests(service: Service): TestGroup[] {
  // A total query that returns series without input is never absent: its no-data alert cannot fire.
  const noData = service.slos.filter((s) => s.alerting.noData !== "none" && !totalProducesWithoutInput(s.sli));
  if (!noData.length) return [];
  const holds = noData.map((s) => wholeMinutes(noDataFor(s)));
  const first = Math.min(...holds);
  const last = Math.max(...holds);
  const all = noData.map((s) => expected(noDataAlert(service, s, s.alerting.noData as "page" | "ticket")));
  return [
    {
      name: `${service.name}: no series at all fires the no-data alert of ${noData.map((s) => s.name).join(", ")} after its for, and no burn alert`,
      interval: "1m",
      input_series: [],
      alert_rule_test: [
        { eval_time: minutes(first - 1), alertname: NO_DATA_ALERT, exp_alerts: [] },
        { eval_time: minutes(last), alertname: NO_DATA_ALERT, exp_alerts: all },
        ...burnAlertNames(service.slos).map((alertname) => ({ eval_time: minutes(last), alertname, exp_alerts: [] })),
      ],
    },
    ...noData.flatMap((slo) => missingInputTests(service, slo, noData)),
  ];
}

/** Each no-data alert of an input other than the total, at its limit: the SLO's inputs without
 * that input's series, so the total's 5m rate is there from 1m and the alert fires exactly `for`
 * later (not a minute before). The other SLOs' inputs are not fed: their total alerts fire at
 * their own `for`, and are expected too. */
function missingInputTests(service: Service, slo: Slo, noData: readonly Slo[]): TestGroup[] {
  const inputs = sloInputs(service, slo);
  if (!inputs) return [];
  const severity = slo.alerting.noData as "page" | "ticket";
  const hold = wholeMinutes(noDataFor(slo));
  const others = noData.filter((s) => s !== slo);
  const totalsAt = (t: number) => others.filter((s) => wholeMinutes(noDataFor(s)) <= t).map((s) => expected(noDataAlert(service, s, s.alerting.noData as "page" | "ticket")));
  const series = inputs.build([sloPhase(hold + 2, TRAFFIC, ZERO)]);
  return noDataAlerts(service, slo, severity)
    .slice(1)
    .flatMap((rule): TestGroup[] => {
      const watched = vectorSelectors(rule.expr)?.[0];
      if (!watched) return [];
      const kept = series.filter((_, i) => !seriesMatches(inputs.refs[i]!, watched));
      if (kept.length === series.length || !kept.length) return [];
      const input = rule.labels.find(([k]) => k === "input")?.[1] ?? "";
      return [
        {
          name: `${service.name}/${slo.name}: the ${input} input missing while the total is scraped fires its no-data alert exactly ${minutes(hold)} after the total's first 5m rate (1m), not a minute sooner`,
          interval: "1m",
          input_series: kept,
          alert_rule_test: [
            { eval_time: minutes(hold), alertname: NO_DATA_ALERT, exp_alerts: totalsAt(hold) },
            { eval_time: minutes(hold + 1), alertname: NO_DATA_ALERT, exp_alerts: [expected(rule), ...totalsAt(hold + 1)] },
          ],
        },
      ];
    });
}

// ---------------------------------------------------------------------------------------------
// cache

function cacheScenarios(service: Service): Scenario[] {
  const group = cacheGroup(service);
  const hr = service.cache?.hitRatio;
  const rule = group?.rules.find((r): r is AlertRule => "alert" in r);
  if (!hr || !rule) return [];
  const inputs = cacheInputs(service);
  const fires = 1 + wholeMinutes(CACHE_ALERT_FOR_MS);
  const scenario = (name: string, ratio: Ratio | null, end: number, evals: number[], fire: boolean): Scenario => ({
    owner: "cache",
    name,
    end,
    refs: inputs.refs,
    reads: cacheReads(service),
    build: (length) => {
      const hits = ratio === null ? ZERO : TRAFFIC.mul(ratio);
      return inputs.build([{ minutes: length, values: { hits, misses: ratio === null ? ZERO : TRAFFIC.sub(hits) } }]);
    },
    alertEvals: evals.map((t) => ({ t, alertname: CACHE_ALERT })),
    alertsAt: (alertname, t) => (alertname === CACHE_ALERT && fire && t >= fires ? [expected(rule)] : []),
    promql: [],
  });
  const below = round4(hr.objective.mul(Ratio.fromNumber(0.9)));
  const above = round4(hr.objective.add(ONE).div(Ratio.of(2)));
  return [
    scenario(`${service.name}: cache hit ratio ${below} (below the objective ${hr.objective}) fires after ${formatDuration(CACHE_ALERT_FOR_MS)}`, below, fires, [fires - 1, fires], true),
    scenario(`${service.name}: cache hit ratio ${above} (above the objective) does not fire`, above, fires + 1, [fires + 1], false),
    scenario(`${service.name}: cache without traffic (0/0) does not fire`, null, fires + 1, [fires + 1], false),
    ...(inputs.mode === "raw" ? [cacheRatesScenario(service, inputs, above)] : []),
  ];
}

/** Minute at which the cache's recorded rates are checked: the 5m rate then spans whole traffic. */
const CACHE_RATES_AT = 10;

/** The recorded hit and miss rates, each counter exported by two instances (the second at half the
 * rate): each is the instances' sum (a max or avg reads less) per second (within 0.1%). */
function cacheRatesScenario(service: Service, inputs: Inputs, ratio: Ratio): Scenario {
  const hits = TRAFFIC.mul(ratio);
  const phase = (k: Ratio, length: number) => [{ minutes: length, values: { hits: hits.mul(k), misses: TRAFFIC.sub(hits).mul(k) } }];
  const id = selector("", [["service", service.name]]);
  const perSecond = (perMin: Ratio) => digits8(perMin.mul(Ratio.of(3, 2)).div(Ratio.of(60)));
  return {
    owner: "cache",
    name: `${service.name}: cache hits and misses, each counter from two instances (the second at half the rate): the recorded 5m rates are the instances' sum per second at ${minutes(CACHE_RATES_AT)} (within 0.1%)`,
    end: CACHE_RATES_AT,
    refs: inputs.refs,
    reads: cacheReads(service),
    build: (length) => [...inputs.build(phase(ONE, length)), ...inputs.build(phase(Ratio.of(1, 2), length)).map(secondCopy)],
    alertEvals: [],
    partial: true,
    alertsAt: (alertname) => (alertname === CACHE_ALERT ? null : []),
    promql: ([[HITS_RATE, hits], [MISSES_RATE, TRAFFIC.sub(hits)]] as const).map(([name, perMin]) => ({
      expr: `abs(${name}${id} / ${perSecond(perMin)} - 1) < bool 0.001`,
      eval_time: minutes(CACHE_RATES_AT),
      exp_samples: [{ labels: id, value: 1 }],
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// metadata

/** A number with 8 significant digits: close enough to compare at 0.1%, short in the test file. */
const digits8 = (x: Ratio) => String(Number(x.toNumber().toPrecision(8)));

/** The SLO's objective and error budget, exactly. */
function constantChecks(service: Service, slo: Slo, at: string): PromqlTest[] {
  const id = sloIdentity(service, slo);
  const sel = selector("", id);
  return [
    { expr: `${OBJECTIVE}${sel}`, eval_time: at, exp_samples: [{ labels: selector(OBJECTIVE, id), value: slo.objective.toNumber() }] },
    { expr: `${ERROR_BUDGET}${sel}`, eval_time: at, exp_samples: [{ labels: selector(ERROR_BUDGET, id), value: slo.budget.toNumber() }] },
  ];
}

/** The metadata rules under a constant error ratio (every window holds it): the objective and the
 * budget exactly, the period burn rate ratio/budget and the budget remaining 1 - ratio/budget to
 * 0.1%, so a constant or a window changed by 5% fails. */
function metadataChecks(service: Service, slo: Slo, inputs: Inputs, ratio: Ratio, at: string): PromqlTest[] {
  const id = sloIdentity(service, slo);
  const sel = selector("", id);
  const labels = selector("", [...id, ...inputs.groupLabels].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
  const burn = ratio.div(slo.budget);
  return [
    ...constantChecks(service, slo, at),
    { expr: `abs(${PERIOD_BURN_RATE}${sel} / ${digits8(burn)} - 1) < bool 0.001`, eval_time: at, exp_samples: [{ labels, value: 1 }] },
    { expr: `abs(${BUDGET_REMAINING}${sel} - ${digits8(ONE.sub(burn))}) < bool ${digits8(Ratio.fromNumber(0.001 * Math.max(1, Math.abs(ONE.sub(burn).toNumber()))))}`, eval_time: at, exp_samples: [{ labels, value: 1 }] },
  ];
}

// ---------------------------------------------------------------------------------------------
// probes: scenarios that tell a tier's windows apart

/** Probe scenarios end by this minute (cost: minutes x rules): a burst only a 6h short window sees
 * needs 12h of minutes. */
const PROBE_MAX = 12 * 60;
/** Evaluation minutes a probe may check, this far apart. */
const PROBE_STEP = 5;

/** A stretch of constant traffic as numbers, for predictions only (inputs stay exact decimals). */
interface Stretch {
  minutes: number;
  ratio: Ratio;
}

/** Error ratio of the events in (t - w, t] (minutes, clipped at t=0): what a raw window's rate()
 * ratio computes on counters that start at 0 at t=0, and what a recorded window approximates. */
function ratioAt(stretches: Stretch[], w: number, t: number): number {
  let e = 0;
  let n = 0;
  let start = 0;
  const from = Math.max(0, t - w);
  for (const s of stretches) {
    const len = Math.min(start + s.minutes, t) - Math.max(start, from);
    if (len > 0) {
      e += s.ratio.toNumber() * len;
      n += len;
    }
    start += s.minutes;
  }
  return n > 0 ? e / n : 0;
}

/** One condition `ratio over w > threshold`: true or false with a margin (10% raw, 20% recorded:
 * its 5m rates smooth the last minutes), null when too close to call. */
function conditionAt(stretches: Stretch[], ms: number, thr: number, t: number): boolean | null {
  const r = ratioAt(stretches, ms / MIN, t);
  const margin = windowKind(ms) === "recorded" ? 0.2 : 0.1;
  return r > thr * (1 + margin) ? true : r < thr * (1 - margin) ? false : null;
}

/** A tier's condition, or a wrong rule it must be told from: `windows` (ms) over the tier's
 * threshold, joined by `and` or `or`. */
interface Variant {
  name: string;
  windows: number[];
  join: "and" | "or";
}

/** A tier's condition and the wrong rules it must be told from: a condition dropped, `or` for
 * `and`, each window read from its neighbour among the SLO's windows. */
function tierVariants(slo: Slo, x: Tier): Variant[] {
  const ws = sloWindows(slo).map((w) => w.ms);
  const near = (ms: number) => [ws[ws.indexOf(ms) - 1], ws[ws.indexOf(ms) + 1]].filter((w): w is number => w !== undefined);
  const { short, long } = x.a;
  return [
    { name: "tier", windows: [short, long], join: "and" },
    { name: "short only", windows: [short], join: "and" },
    { name: "long only", windows: [long], join: "and" },
    { name: "or", windows: [short, long], join: "or" },
    ...near(short).map((w): Variant => ({ name: `short ${formatDuration(w)}`, windows: [w, long], join: "and" })),
    ...near(long).map((w): Variant => ({ name: `long ${formatDuration(w)}`, windows: [short, w], join: "and" })),
  ];
}

const TRUE = 1;
const FALSE = 0;
const UNSURE = -1;
const UNKNOWN = 2;

/** The conditions of every tier variant under one probe shape, each window's condition worked
 * out once per minute (a plan asks the same window at the same minute for many variants).
 * Values: TRUE, FALSE or UNSURE (too close to call). */
function variantConditions(tiers: Tier[], all: Variant[][], stretches: Stretch[], max: number): (i: number, k: number, t: number) => number {
  const tables = new Map<string, Int8Array>();
  const table = (ms: number, thr: number) => {
    const key = `${ms} ${thr}`;
    let tab = tables.get(key);
    if (!tab) tables.set(key, (tab = new Int8Array(max + 1).fill(UNKNOWN)));
    return tab;
  };
  const refs = all.map((vs, i) => {
    const thr = tiers[i]!.a.threshold.toNumber();
    return vs.map((v) => ({ or: v.join === "or", windows: v.windows.map((ms) => ({ ms, thr, tab: table(ms, thr) })) }));
  });
  return (i, k, t) => {
    const v = refs[i]![k]!;
    let unsure = false;
    let decided = false;
    for (const r of v.windows) {
      let c = r.tab[t];
      if (c === UNKNOWN || c === undefined) {
        const b = conditionAt(stretches, r.ms, r.thr, t);
        c = b === null ? UNSURE : b ? TRUE : FALSE;
        if (t >= 0 && t <= max) r.tab[t] = c;
      }
      if (c === UNSURE) unsure = true;
      else if ((c === TRUE) === v.or) decided = true;
    }
    // and: any false is false; or: any true is true; else unsure if any, else the other
    if (decided) return v.or ? TRUE : FALSE;
    if (unsure) return UNSURE;
    return v.or ? FALSE : TRUE;
  };
}

interface Shape {
  kind: string;
  stretches: Stretch[];
}

/** How far probes reach: the minute tests (12h of minutes) tell the short windows apart; the
 * history file's hourly tests (days of hours) the windows of a day and more, which a minute test
 * could only reach by evaluating every rule thousands of times. Checks at multiples of `step`. */
interface ProbeScale {
  name: string;
  max: number;
  step: number;
  /** Durations (minutes) of the burns that stopped and of the clean traffic before bursts. */
  burns(x: Tier): number[];
  cleans(x: Tier): number[];
}

const MINUTE_PROBES: ProbeScale = { name: "minutes", max: PROBE_MAX, step: PROBE_STEP, burns: (x) => [x.shortMin, 2 * x.shortMin], cleans: (x) => [x.shortMin, 2 * x.shortMin, 4 * x.shortMin] };
/** Hourly probes reach twice the longest window of a day or more, plus that window. */
const HOUR_PROBES: ProbeScale = {
  name: "hours",
  max: 9 * 24 * 60,
  step: 60,
  burns: (x) => [x.longMin / 4, x.longMin / 2].filter((d) => d % 60 === 0),
  cleans: (x) => [x.longMin / 2, x.longMin, 2 * x.longMin].filter((d) => d % 60 === 0),
};

/** The candidate probes of a tier: a burn that stopped (only the long window still sees it: the
 * alert has resolved) and a burst after clean traffic (only the short window sees it). */
function probeShapes(x: Tier, scale: ProbeScale): Shape[] {
  const level = (m: number) => {
    const r = round4(x.a.threshold.mul(Ratio.fromNumber(m)));
    return r.cmp(ONE) < 0 ? r : round4(x.a.threshold.add(ONE).div(Ratio.of(2)));
  };
  const out: Shape[] = [];
  for (const m of [3, 1.5]) {
    for (const d of scale.burns(x)) out.push({ kind: `a burn at ${level(m)} for ${minutes(d)} that stopped`, stretches: [{ minutes: d, ratio: level(m) }, { minutes: scale.max, ratio: ZERO }] });
    for (const c of scale.cleans(x)) out.push({ kind: `a burst at ${level(m)} after ${minutes(c)} of clean traffic`, stretches: [{ minutes: c, ratio: ZERO }, { minutes: scale.max, ratio: level(m) }] });
  }
  return out.filter((p) => p.stretches[0]!.minutes > 0 && p.stretches[0]!.minutes < scale.max);
}

interface Probe {
  kind: string;
  stretches: Stretch[];
  /** Evaluation minute -> the tiers active (pending or firing) then. */
  checks: { t: number; active: number[] }[];
}

interface ProbePlan {
  probes: Probe[];
  /** The variants (`<tier index> <variant>`) some probe tells apart. */
  covered: Set<string>;
}

/** For one SLO: probes and evaluation minutes at which a tier's prediction differs from each of
 * its variants, every tier's prediction steady over the 5 minutes before (ALERTS may lag a
 * resolved alert by an evaluation). Greedy, shortest probes first: each variant is covered by the
 * first probe minute that tells it apart, so few probes serve all tiers. Variants in `skip` (told
 * apart at another scale) are left out. Worked out once per alert table. */
function probePlan(slo: Slo, tiers: Tier[], startMin: number, scale: ProbeScale = MINUTE_PROBES, skip: ReadonlySet<string> = new Set()): ProbePlan {
  const key = `${tiers.map((t) => `${t.a.short}/${t.a.long}/${t.a.threshold}`).join(",")} ${sloWindows(slo).map((w) => w.ms).join(",")} ${startMin} ${scale.name} ${[...skip].join(",")}`;
  return plans.get(key, () => probePlanOf(slo, tiers, startMin, scale, skip));
}
const plans = new BoundedCache<ProbePlan>();

function probePlanOf(slo: Slo, tiers: Tier[], startMin: number, scale: ProbeScale, skip: ReadonlySet<string>): ProbePlan {
  const all = tiers.map((x) => tierVariants(slo, x));
  // the variants to tell apart, as `<tier index> <variant>` keys (a tier's own condition is no variant)
  const keys = all.map((vs, i) =>
    vs.map((v, k) => {
      const key = `${i} ${v.name}`;
      return k === 0 || skip.has(key) ? null : key;
    }),
  );
  const wanted = keys.flat().filter((k) => k !== null).length;
  // per shape: each variant's first steady minute that tells it apart, and the tiers active then
  const found = tiers.flatMap((x) => probeShapes(x, scale)).map((shape) => {
    const cond = variantConditions(tiers, all, shape.stretches, scale.max);
    const steady = (i: number, k: number, t: number) => {
      const now = cond(i, k, t);
      for (let d = 1; d <= 5; d++) if (cond(i, k, t - d) !== now) return UNSURE;
      return now;
    };
    const first = new Map<string, { t: number; active: number[] }>();
    for (let t = Math.ceil(startMin / scale.step) * scale.step; t <= scale.max && first.size < wanted; t += scale.step) {
      const active = all.map((_, i) => steady(i, 0, t));
      if (active.includes(UNSURE)) continue;
      keys.forEach((ks, i) =>
        ks.forEach((key, k) => {
          if (key === null || first.has(key)) return;
          const z = steady(i, k, t);
          if (z !== UNSURE && z !== active[i]) first.set(key, { t, active: active.flatMap((a, j) => (a === TRUE ? [j] : [])) });
        }),
      );
    }
    return { shape, first };
  });
  // greedy set cover: the probe that tells most variants apart per minute it runs
  const uncovered = new Set(found.flatMap((f) => [...f.first.keys()]));
  const covered = new Set(uncovered);
  const out: Probe[] = [];
  while (uncovered.size) {
    const score = (f: (typeof found)[number]) => {
      const ts = [...f.first].filter(([k]) => uncovered.has(k)).map(([, v]) => v.t);
      return ts.length ? ts.length / Math.max(...ts) : 0;
    };
    const best = found.reduce((m, f) => (score(f) > score(m) ? f : m));
    if (!score(best)) break;
    const checks = new Map<number, number[]>();
    for (const [k, v] of best.first) {
      if (!uncovered.has(k)) continue;
      uncovered.delete(k);
      checks.set(v.t, v.active);
    }
    out.push({ kind: best.shape.kind, stretches: best.shape.stretches, checks: [...checks].sort((a, b) => a[0] - b[0]).map(([t, active]) => ({ t, active })) });
  }
  return { probes: out, covered };
}

/** Each window's ratio at minute t, the raw counters' own (within 1%): a window over another range
 * fails. */
function windowChecks(stretches: Stretch[], t: number, windows: SloWindow[], id: string, labels: string): PromqlTest[] {
  return windows.map((w) => {
    const r = ratioAt(stretches, w.ms / MIN, t);
    const expr = r === 0 ? `${ratioName(w.text)}${id} == bool 0` : `abs(${ratioName(w.text)}${id} / ${Number(r.toPrecision(6))} - 1) < bool 0.01`;
    return { expr, eval_time: minutes(t), exp_samples: [{ labels, value: 1 }] };
  });
}

/** The first minute a probe may check: minEvents counted over the events since t=0 holds from
 * then on (trafficFor's margin). */
function probeStart(slo: Slo, tiers: Tier[]): number {
  return slo.alerting.minEvents ? Math.max(10, Math.ceil(Math.min(...tiers.map((t) => t.longMin)) / 10)) + 5 : 10;
}

/** The probes of an SLO as scenarios: ALERTS of the SLO at each probe minute, and the ratio of each
 * window computed from the raw counters (to 1%), so a window over another range fails. */
function probes(service: Service, slo: Slo, tiers: Tier[], inputs: Inputs, traffic: Ratio): Omit<Scenario, "owner" | "refs" | "reads">[] {
  const start = probeStart(slo, tiers);
  const id = selector("", sloIdentity(service, slo));
  const labels = selector("", [...sloIdentity(service, slo), ...inputs.groupLabels].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
  const exact = sloWindows(slo).filter((w) => w.kind !== "recorded");
  const raw = inputs.mode === "raw";
  return probePlan(slo, tiers, start).probes.map((p) => {
    const end = Math.max(...p.checks.map((c) => c.t));
    const perMin = wholeEvents(traffic, p.stretches.map((s) => s.ratio));
    const phases = p.stretches.map((s) => sloPhase(s.minutes, perMin, perMin.mul(s.ratio)));
    // recorded inputs (a query SLI) are the windows' own values minute by minute: the probe then
    // proves the alerts' windows, conditions and joins, as raw counters do for the other SLIs
    // raw counters from two instances, the second at half the rate (the same error ratio): every
    // window's ratio is the counters' own, and an aggregation that is not a sum reads another one
    const halves = p.stretches.map((s) => sloPhase(s.minutes, perMin.div(Ratio.of(2)), perMin.mul(s.ratio).div(Ratio.of(2))));
    const build = raw
      ? (length: number) => [...inputs.build(hold(cut(phases, end), length)), ...inputs.build(hold(cut(halves, end), length)).map(secondCopy)]
      : (length: number) => inputs.buildWindows!(windowValue(p.stretches, end, perMin.toNumber()), length);
    return {
      name: raw
        ? `${service.name}/${slo.name}: ${p.kind} activates exactly the tiers the windows predict at ${p.checks.map((c) => minutes(c.t)).join(", ")}; the ${exact.map((w) => w.text).join(", ")} ratios are the raw counters' (within 1%)`
        : `${service.name}/${slo.name}: ${p.kind}, fed as each window's recorded value minute by minute, activates exactly the tiers the windows predict at ${p.checks.map((c) => minutes(c.t)).join(", ")}`,
      end,
      build,
      alertEvals: [],
      partial: true as const,
      alertsAt: (alertname: string) => (alertname === slo.alerting.name ? null : []),
      promql: p.checks.flatMap((c) => [activeTiers(service, slo, c.active.map((i) => tiers[i]!), minutes(c.t)), ...(raw ? windowChecks(p.stretches, c.t, exact, id, labels) : [])]),
    };
  });
}

/** What each recorded input holds at minute t under a probe's traffic (`perMin` events a minute
 * from t=0, the stretches cut at `end` and the last one held): the per-second rate of errors or of
 * all events over the window (clipped at t=0, as a raw rate of counters that start then), or its
 * error ratio; nothing at t=0 (a rate needs two samples) nor in a window without traffic. */
function windowValue(stretches: Stretch[], end: number, perMin: number): WindowValue {
  const held: Stretch[] = [];
  for (let used = 0, i = 0; i < stretches.length && used < end; used += stretches[i]!.minutes, i++) held.push({ ...stretches[i]! });
  held[held.length - 1]!.minutes = Number.MAX_SAFE_INTEGER;
  return (role, windowMs, t) => {
    if (t === 0) return null;
    const w = windowMs / MIN;
    const ratio = ratioAt(held, w, t);
    const events = perMin * Math.min(w, t);
    if (role === "ratio") return events > 0 ? ratio : null;
    return ((role === "errors" ? ratio : 1) * events) / (w * 60);
  };
}

/** The traffic times the least power of 10 that makes every phase's errors a whole number:
 * promtool adds a counter's increments in floats, so 21.6 a minute for 30 minutes ends a hair
 * above 648, and a next phase starting at exactly 648 would read as a counter reset. */
function wholeEvents(traffic: Ratio, ratios: Ratio[]): Ratio {
  let n = traffic;
  for (let k = 0; k < 8 && !ratios.every((r) => n.mul(r).isInteger()); k++) n = n.mul(Ratio.of(10));
  return n;
}

/** The phases up to minute `end` (the last one held from there). */
function cut(phases: Phase[], end: number): Phase[] {
  const out: Phase[] = [];
  let used = 0;
  for (const p of phases) {
    if (used >= end) break;
    out.push({ ...p, minutes: Math.min(p.minutes, end - used) });
    used += p.minutes;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// history: the long windows over a whole SLO period, evaluated hourly

/** Hours of history after the SLO period: an outage older than the period still in the test. */
const HISTORY_EXTRA_H = 24;
/** Error ratio of the history's one-hour outages. */
const OUTAGE = Ratio.of(1, 2);

/** The hour-by-hour traffic of an SLO's history test, T hours long: steady traffic without errors,
 * a one-hour outage inside each ring between two windows the SLO records (or a window a mutant
 * would halve or double), and no traffic in the hour that ends where each recorded window starts
 * (an hourly evaluation's range then holds the same events whether it includes its left end or
 * not). `null` is an hour without traffic, else the hour's error ratio. */
function historyHours(slo: Slo): { hours: (Ratio | null)[]; checks: number[] } {
  const period = slo.window / 3_600_000;
  const total = period + HISTORY_EXTRA_H;
  const windows = sloWindows(slo).map((w) => w.ms / 3_600_000);
  const bounds = [...new Set([...windows, ...windows.map((w) => w / 2), ...windows.map((w) => w * 2)])].filter((w) => w >= 1 && w < total).sort((a, b) => a - b);
  const hours: (Ratio | null)[] = Array.from({ length: total }, () => ZERO);
  // hour i (0-based) ends at i+1; age of the hour ending at h is total - h
  const atAge = (age: number) => total - age - 1;
  for (const w of windows.filter((w) => windowKind(w * 3_600_000) === "recorded" && w < total)) hours[atAge(w)] = null;
  let prev = 0;
  for (const b of [...bounds, total]) {
    const age = Math.floor((prev + b) / 2);
    const i = atAge(age);
    if (age >= prev && age < b && i >= 0 && hours[i] !== null && hours[i]!.isZero()) hours[i] = OUTAGE;
    prev = b;
  }
  return { hours, checks: windows };
}

/** Error ratio of the hours in (total - w, total], hours without traffic not counted. */
function historyRatio(hours: (Ratio | null)[], w: number): Ratio | null {
  let e = ZERO;
  let n = 0;
  const from = Math.max(0, Math.ceil(hours.length - w));
  for (let i = from; i < hours.length; i++) {
    const h = hours[i];
    if (h === null || h === undefined) continue;
    e = e.add(h);
    n++;
  }
  return n ? e.div(Ratio.of(n)) : null;
}

/** One history test group per SLO fed by raw counters: every window's ratio and the period's burn
 * rate and budget remaining after the known outages, at the end of a period and a day. */
export function historyTests(service: Service): TestGroup[] {
  const out: TestGroup[] = [];
  for (const slo of service.slos) {
    const inputs = sloInputs(service, slo);
    if (!inputs) continue;
    out.push(...lookbackTests(service, slo, inputs));
    if (inputs.mode !== "raw") {
      const own = queryRuleTest(service, slo);
      if (own) out.push(own);
      out.push(...hourlyProbes(service, slo, inputs));
      continue;
    }
    const { hours } = historyHours(slo);
    const perSample = TRAFFIC.mul(Ratio.of(5));
    // an hour's phase is a function of its ratio: equal ratios (Ratio is normalised) extend the
    // last phase
    const phases: Phase[] = [];
    let prev: Ratio | null | undefined;
    for (const h of hours) {
      const last = phases[phases.length - 1];
      if (last && (h === prev || (h !== null && prev != null && h.cmp(prev) === 0))) last.minutes += 12;
      else phases.push(h === null ? sloPhase(12, ZERO, ZERO) : sloPhase(12, perSample, perSample.mul(h)));
      prev = h;
    }
    const id = selector("", sloIdentity(service, slo));
    const labels = selector("", [...sloIdentity(service, slo), ...inputs.groupLabels].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
    const at = `${hours.length}h`;
    const near = (expr: string, v: Ratio, tol: string) => ({ expr: v.isZero() ? `${expr} == bool 0` : `abs(${expr} / ${round4(v)} - 1) < bool ${tol}`, eval_time: at, exp_samples: [{ labels, value: 1 }] });
    const checks: PromqlTest[] = [];
    for (const w of sloWindows(slo)) {
      const r = historyRatio(hours, w.ms / 3_600_000);
      if (r) checks.push(near(`${ratioName(w.text)}${id}`, r, "0.01"));
    }
    const period = historyRatio(hours, slo.window / 3_600_000);
    if (period && !period.isZero()) {
      const burn = period.div(slo.budget);
      checks.push(near(`${PERIOD_BURN_RATE}${id}`, burn, "0.01"));
      checks.push({ expr: `abs(${BUDGET_REMAINING}${id} - ${round4(ONE.sub(burn))}) < bool ${round4(burn.mul(Ratio.fromNumber(0.01)))}`, eval_time: at, exp_samples: [{ labels, value: 1 }] });
    }
    // every SLO's, not only under a tier's alert test (metadataChecks): an SLO whose tier neither
    // pages nor tickets has no alert test
    checks.push(...constantChecks(service, slo, at));
    const outages = hours.filter((h) => h !== null && !h.isZero()).length;
    out.push({
      name: `${service.name}/${slo.name}: ${hours.length}h of history (${formatDuration(slo.window)} and a day) with ${outages} one-hour outages at ${OUTAGE} errors, one between each two windows: every window's ratio, the period burn rate and the budget remaining are the events' own (within 1%), the objective and error budget exact; each counter comes from two instances`,
      interval: "5m",
      input_series: [...inputs.build(phases), ...inputs.build(phases).map(secondCopy)],
      promql_expr_test: checks,
    });
    out.push(...hourlyProbes(service, slo, inputs));
  }
  return out;
}

/** Minutes between two samples of the history file's inputs. */
const HISTORY_SAMPLE_MIN = 5;

/** The hourly probes of an SLO: the tier variants no minute probe tells apart (a tier reading its
 * 3d window instead of 1d, 30d instead of 3d: windows a 12h minute test holds whole), told apart
 * over days of hourly evaluations. Each checks the tiers active at its hours and every window's
 * ratio there. */
function hourlyProbes(service: Service, slo: Slo, inputs: Inputs): TestGroup[] {
  const tiers = sloTiers(service, slo);
  if (!tiers.length) return [];
  const start = probeStart(slo, tiers);
  const plan = probePlan(slo, tiers, Math.max(start, 60), HOUR_PROBES, probePlan(slo, tiers, start).covered);
  const id = selector("", sloIdentity(service, slo));
  const labels = selector("", [...sloIdentity(service, slo), ...inputs.groupLabels].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
  const exact = sloWindows(slo).filter((w) => w.kind !== "recorded");
  const traffic = trafficFor(slo, tiers);
  return plan.probes.map((p) => {
    const end = Math.max(...p.checks.map((c) => c.t));
    const perMin = wholeEvents(traffic, p.stretches.map((x) => x.ratio));
    const perSample = perMin.mul(Ratio.of(HISTORY_SAMPLE_MIN));
    const phases = p.stretches.map((x) => sloPhase(x.minutes / HISTORY_SAMPLE_MIN, perSample, perSample.mul(x.ratio)));
    const samples = end / HISTORY_SAMPLE_MIN;
    const raw = inputs.mode === "raw";
    return {
      name: raw
        ? `${service.name}/${slo.name}: ${p.kind}, evaluated hourly, activates exactly the tiers the windows predict at ${p.checks.map((c) => minutes(c.t)).join(", ")}; the ${exact.map((w) => w.text).join(", ")} ratios are the raw counters' (within 1%)`
        : `${service.name}/${slo.name}: ${p.kind}, evaluated hourly, fed as each window's recorded value every ${HISTORY_SAMPLE_MIN}m, activates exactly the tiers the windows predict at ${p.checks.map((c) => minutes(c.t)).join(", ")}`,
      interval: `${HISTORY_SAMPLE_MIN}m`,
      input_series: raw ? inputs.build(hold(cut(phases, samples), samples)) : inputs.buildWindows!(windowValue(p.stretches, end, perMin.toNumber()), samples, HISTORY_SAMPLE_MIN),
      promql_expr_test: p.checks.flatMap((c) => [activeTiers(service, slo, c.active.map((i) => tiers[i]!), minutes(c.t)), ...(raw ? windowChecks(p.stretches, c.t, exact, id, labels) : [])]),
    };
  });
}

/** Hours of raw history the query check feeds: past the longest raw window (3d), so a range
 * doubled reaches samples the window must not see. */
const QUERY_CHECK_H = 78;

/** A query SLI's tests feed its recorded series, which leaves the rules over the query itself
 * (the 5m rates, the raw windows, the 1d and 3d rates) unread. This group feeds raw counters its
 * selectors match, two instances each, at a rate that changes between every two windows (and
 * differs per series), and checks at one hour that every such rule holds exactly the query over
 * its window as Prometheus evaluates it: a rule over another range, another aggregation or
 * another operand then differs. */
function queryRuleTest(service: Service, slo: Slo): TestGroup | null {
  const series = queryRawSeries(slo);
  if (!series?.length) return null;
  const samples = (QUERY_CHECK_H * 60) / HISTORY_SAMPLE_MIN;
  const ringEnds = [...new Set([BASE_MS, ...sloWindows(slo).map((w) => w.ms)])]
    .map((ms) => ms / (HISTORY_SAMPLE_MIN * MIN))
    .filter((n) => n < samples)
    .sort((a, b) => b - a);
  // Rings between windows, oldest first: [0, T-3d], (T-3d, T-1d], ... (T-5m, T].
  const bounds = [0, ...ringEnds.map((n) => samples - n), samples];
  const phases = (j: number, scale: number): Phase[] =>
    bounds.slice(1).map((b, k) => ({ minutes: b - bounds[k]!, values: { n: Ratio.of(scale * (1 + ((5 * k + 3 * j) % 13))) } }));
  const at = `${QUERY_CHECK_H}h`;
  const id = selector("", sloIdentity(service, slo));
  const checks = recordingRules(service, slo)
    .filter((r) => !r.expr.includes("slo:") && !r.expr.startsWith("vector("))
    .map((r): PromqlTest => ({ expr: `sum(abs(${r.record}${id} - ignoring (service, slo) (${r.expr})))`, eval_time: at, exp_samples: [{ labels: "{}", value: 0 }] }));
  if (!checks.length) return null;
  // The period burn rate and budget remaining read the SLO period (a query need not add up over
  // time, so the period is not the query over the history): here the period's chunks hold other
  // ratios than the 3d window, so a metadata rule reading another window differs.
  const period = `${ratioName(formatDuration(slo.window))}${id}`;
  const labels = selector("", sloIdentity(service, slo));
  checks.push(
    { expr: `abs(${PERIOD_BURN_RATE}${id} - ${period} / ${slo.budget}) < bool 0.000001`, eval_time: at, exp_samples: [{ labels, value: 1 }] },
    { expr: `abs(${BUDGET_REMAINING}${id} - (1 - ${period} / ${slo.budget})) < bool 0.000001`, eval_time: at, exp_samples: [{ labels, value: 1 }] },
    ...constantChecks(service, slo, at),
  );
  return {
    name: `${service.name}/${slo.name}: every recording rule over the query equals the query over its window at ${at} (the objective and error budget exact), fed raw counters its selectors match (two instances, a rate that changes between every two windows)`,
    interval: `${HISTORY_SAMPLE_MIN}m`,
    input_series: series.flatMap((ref, j) => [
      { series: selector(ref.metric, ref.labels), values: counterValues(phases(j, 10), "n") },
      secondCopy({ series: selector(ref.metric, ref.labels), values: counterValues(phases(j, 3), "n") }),
    ]),
    promql_expr_test: checks,
  };
}

const HOUR = 3_600_000;

/** The hours of the lookback test's inputs that are missing: the chunk it watches was recorded an
 * hour before them (hour 1), and not since. */
const LOOKBACK_GAP = [2, 3];

/** A whole-day window (the SLO period, or an alerted window made of day chunks) reads each past
 * chunk's last sample within an hour of when it ended. This feeds the recorded chunk rates hourly
 * with two hours missing, and checks the window where its watched chunk falls an hour and two
 * hours after its last sample: the first counts it (its errors are 50x the others'), the second
 * does not (a non-alerted window counts it as no events, an alerted one is absent), so a lookback
 * of 30m or 2h reads another ratio. Only for SLIs whose chunk rules read no recorded series (a
 * ratio SLI's errors are given its recorded total, which the fed total would collide with). */
function lookbackTests(service: Service, slo: Slo, inputs: Inputs): TestGroup[] {
  if (slo.sli.kind === "ratio") return [];
  const windows = sloWindows(slo);
  const id = sloIdentity(service, slo);
  const labels = [...id, ...inputs.groupLabels].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const out: TestGroup[] = [];
  for (const w of windows.filter((x) => x.kind === "days")) {
    const chunks = daysChunks(w, windows);
    const past = chunks.filter((c) => c.offset > 0).map((c) => c.offset / HOUR);
    if (!past.length) continue;
    // Non-alerted: the nearest chunk (older ones have no data yet and count 0 either way); alerted
    // (strict): the oldest, so every other chunk has its sample.
    const watched = w.alerted ? Math.max(...past) : Math.min(...past);
    const ends = [watched + 2, watched + 3];
    const last = Math.max(...ends);
    const present = (h: number) => h >= 0 && h <= last && !LOOKBACK_GAP.includes(h);
    const errorsAt = (h: number) => (h === 1 ? 0.5 : 0.01);
    const lookback = CHUNK_LOOKBACK_MS / HOUR;
    /** The hour whose sample a chunk read `offset` hours ago at hour t takes, or null. */
    const sampleOf = (t: number, offset: number): number | null => {
      if (offset === 0) return present(t) ? t : null;
      for (let h = t - offset; h >= t - offset - lookback; h--) if (present(h)) return h;
      return null;
    };
    const checks = ends.map((t): PromqlTest => {
      const read = chunks.map((c) => ({ days: c.days, h: sampleOf(t, c.offset / HOUR) }));
      const at = `${t}h`;
      const expr = `${ratioName(w.text)}${selector("", id)}`;
      if (w.alerted && read.some((r) => r.h === null)) return { expr: `count(${expr}) or vector(0)`, eval_time: at, exp_samples: [{ labels: "{}", value: 0 }] };
      const errors = read.reduce((sum, r) => sum + (r.h === null ? 0 : r.days * errorsAt(r.h)), 0);
      const total = read.reduce((sum, r) => sum + (r.h === null ? 0 : r.days), 0);
      return { expr: `abs(${expr} / ${round6(errors / total)} - 1) < bool 0.000001`, eval_time: at, exp_samples: [{ labels: selector("", labels), value: 1 }] };
    });
    const hours = Array.from({ length: last + 1 }, (_, h) => h);
    const fed = [...new Set(chunks.map((c) => c.chunk.text))].flatMap((text) => [
      { series: selector(errorsRateName(text), labels), values: piecewiseValues(hours.map((h) => (present(h) ? errorsAt(h) : null))) },
      { series: selector(totalRateName(text), labels), values: piecewiseValues(hours.map((h) => (present(h) ? 1 : null))) },
    ]);
    out.push({
      name: `${service.name}/${slo.name}: the ${w.text} window reads a chunk recorded ${formatDuration(watched * HOUR)} ago from its last sample within ${formatDuration(CHUNK_LOOKBACK_MS)} (at ${ends[0]}h, an hour after it), not past that (at ${ends[1]}h), fed the recorded chunk rates hourly with ${LOOKBACK_GAP.map((h) => `${h}h`).join(" and ")} missing`,
      interval: "1h",
      input_series: fed,
      promql_expr_test: checks,
    });
  }
  return out;
}

const round6 = (x: number) => String(Number(x.toPrecision(6)));

/** The same counter again under one more label, as a second instance exports it: the SLI's sums
 * then add two series, so an aggregation that is not a sum (max, avg) reads half the events. */
function secondCopy(s: InputSeries): InputSeries {
  const copy = 'svcspec_instance="2"';
  return { ...s, series: s.series.endsWith("}") ? `${s.series.slice(0, -1)},${copy}}` : `${s.series}{${copy}}` };
}

export function historyRuleTests(service: Service, rulesFile: string): string | null {
  const tests = historyTests(service);
  if (!tests.length) return null;
  const comment = [
    `# promtool unit tests of ${rulesFile} over a whole SLO period: \`promtool test rules ${service.name}.history.rules.test.yaml\`.`,
    "# Evaluated hourly (a minute's evaluation would take a month of steps): each window's ratio, the period burn",
    "# rate and the budget remaining after known outages, one in each ring between two windows, so a window over",
    "# another range or a metadata rule reading another window fails. Also: each whole-day window's chunk lookback at",
    "# its limit, and a query SLI's own rules against the query over each window on raw counters its selectors match.",
    "",
  ].join("\n");
  return comment + toYaml({ rule_files: [rulesFile], evaluation_interval: "1h", tests });
}
