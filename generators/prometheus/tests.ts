/** prometheus/<service>.rules.test.yaml: promtool unit tests proving every generated alert. Every
 * expectation is computed here from the Model's exact numbers; promtool checks the rules agree.
 *
 * Each check is a scenario: inputs over time, evaluation points and, for any time, the alerts it
 * expects firing. promtool evaluates every rule of the file every minute of a test group, so the
 * cost is minutes x rules; scenarios of different SLOs (and the cache) whose inputs no other
 * member's rules read share one test group, which runs them in parallel. This file holds the
 * merging and the SLO, no-data and metadata scenarios; the cache's are in cache-tests.ts, the
 * probes in probes.ts, and the history file's tests in history-tests.ts. */
import { ONE, Ratio, ZERO } from "../../src/model/decimal.js";
import { formatDuration, humanSeconds } from "../../src/model/duration.js";
import type { Service, Slo } from "../../src/model/model.js";
import { selector } from "../../src/render/promql.js";
import { toYaml } from "../../src/render/yaml.js";
import { BoundedCache } from "../../src/util/memo.js";
import { BURN_ALERT, NO_DATA_ALERT, noDataAlert, noDataAlerts, noDataFor } from "./alerts.js";
import { cacheScenarios } from "./cache-tests.js";
import { type Inputs, type Phase, type SeriesRef, seriesMatches, sloInputs, sloPhase, sloReads, totalProducesWithoutInput } from "./inputs.js";
import { probes, windowValue } from "./probes.js";
import { BUDGET_REMAINING, ERRORS_RATE, PERIOD_BURN_RATE, ratioName, sloIdentity, TOTAL_RATE } from "./recording.js";
import { type ParsedSelector, vectorSelectors } from "./selectors.js";
import { activeTiers, constantChecks, digits8, type ExpAlert, expected, hold, MIN, minutes, type PromqlTest, round4, type Scenario, secondCopy, sloTiers, STEP_CHECKS, STEP_MIN, stepRate, type TestGroup, type Tier, TRAFFIC, trafficFor, wholeMinutes } from "./test-common.js";
import { firingAlerts, sloWindows, windowKind } from "./windows.js";

/** Minutes of each traffic phase of the uneven-traffic test. */
const UNEVEN_PHASE = 20;
/** Outage tests run only while clean history plus detection fits in this many minutes. */
const OUTAGE_MAX = 120;

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

const isWholeMinutes = (ms: number) => ms % MIN === 0;

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

// ---------------------------------------------------------------------------------------------
// SLO scenarios

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
  const rate = (key: "total" | "errors", after: number) => stepRate(steps[0]![key], steps[1]![key], after);
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
// metadata

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
