/** The shapes the promtool unit-test modules share (tests.ts, cache-tests.ts, probes.ts,
 * history-tests.ts): test groups, scenarios, burn-rate tiers, and the small helpers more than one needs. */
import { Ratio } from "../../src/model/decimal.js";
import { formatDuration } from "../../src/model/duration.js";
import type { BurnRateAlert, Service, Slo } from "../../src/model/model.js";
import { selector } from "../../src/render/promql.js";
import { burnAlert } from "./alerts.js";
import type { InputSeries, Phase, SeriesRef } from "./inputs.js";
import { ERROR_BUDGET, OBJECTIVE, sloIdentity } from "./recording.js";
import type { ParsedSelector } from "./selectors.js";
import type { AlertRule } from "./types.js";
import { firingAlerts, windowKind } from "./windows.js";

export const MIN = 60_000;
export const minutes = (n: number) => formatDuration(n * MIN);
/** Traffic of the burn tests, events per minute (20 per second). */
export const TRAFFIC = Ratio.of(1200);

export interface Tier {
  a: BurnRateAlert;
  rule: AlertRule;
  /** `for` in whole minutes (evaluations are a minute apart). */
  forMin: number;
  longMin: number;
  shortMin: number;
}

export interface ExpAlert {
  exp_labels: Record<string, string>;
  exp_annotations: Record<string, string>;
}

export interface PromqlTest {
  expr: string;
  eval_time: string;
  exp_samples: { labels: string; value: number }[];
}

export interface TestGroup {
  name: string;
  interval: string;
  input_series: InputSeries[];
  alert_rule_test?: { eval_time: string; alertname: string; exp_alerts: ExpAlert[] }[];
  promql_expr_test?: PromqlTest[];
}

export interface Scenario {
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

// ---------------------------------------------------------------------------------------------
// expectations

export function expected(rule: AlertRule, extra: [string, string][] = []): ExpAlert {
  return { exp_labels: Object.fromEntries([...rule.labels, ...extra]), exp_annotations: Object.fromEntries(rule.annotations) };
}

export const wholeMinutes = (ms: number) => Math.ceil(ms / MIN);

/** A decimal near x with 4 significant digits: test inputs stay short and exact. */
export function round4(x: Ratio): Ratio {
  return Ratio.fromNumber(Number(x.toNumber().toPrecision(4)));
}

/** Holds the last phase so the inputs cover `length` minutes. */
export function hold(phases: Phase[], length: number): Phase[] {
  const used = phases.slice(0, -1).reduce((n, p) => n + p.minutes, 0);
  const last = phases[phases.length - 1];
  return last ? [...phases.slice(0, -1), { ...last, minutes: Math.max(last.minutes, length - used) }] : [];
}

// ---------------------------------------------------------------------------------------------
// SLO tiers

/** The tiers the tests can drive. A tier whose long window is made of recorded days cannot fire
 * before the rules have run for those days: no test here is that long (the rules' own alert text
 * says so). */
export function sloTiers(service: Service, slo: Slo): Tier[] {
  return firingAlerts(slo)
    .filter((a) => windowKind(a.long) !== "days")
    .map((a) => ({ a, rule: burnAlert(service, slo, a), forMin: wholeMinutes(a.for), longMin: a.long / MIN, shortMin: a.short / MIN }));
}

/** The tiers of an SLO that are pending or firing at 2m, by severity and window pair. */
export function activeTiers(service: Service, slo: Slo, tiers: Tier[], at = "2m"): PromqlTest {
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
export function trafficFor(slo: Slo, tiers: Tier[]): Ratio {
  const min = slo.alerting.minEvents ?? 0;
  if (!min || !tiers.length) return TRAFFIC;
  let n = TRAFFIC;
  while (n.cmp(Ratio.of(10 * min)) < 0) n = n.mul(Ratio.of(10));
  return n;
}

// ---------------------------------------------------------------------------------------------
// metadata

/** A number with 8 significant digits: close enough to compare at 0.1%, short in the test file. */
export const digits8 = (x: Ratio) => String(Number(x.toNumber().toPrecision(8)));

/** The SLO's objective and error budget, exactly. */
export function constantChecks(service: Service, slo: Slo, at: string): PromqlTest[] {
  const id = sloIdentity(service, slo);
  const sel = selector("", id);
  return [
    { expr: `${OBJECTIVE}${sel}`, eval_time: at, exp_samples: [{ labels: selector(OBJECTIVE, id), value: slo.objective.toNumber() }] },
    { expr: `${ERROR_BUDGET}${sel}`, eval_time: at, exp_samples: [{ labels: selector(ERROR_BUDGET, id), value: slo.budget.toNumber() }] },
  ];
}

// ---------------------------------------------------------------------------------------------
// second instances

/** The same counter again under one more label, as a second instance exports it: the SLI's sums
 * then add two series, so an aggregation that is not a sum (max, avg) reads half the events. */
export function secondCopy(s: InputSeries): InputSeries {
  const copy = 'svcspec_instance="2"';
  return { ...s, series: s.series.endsWith("}") ? `${s.series.slice(0, -1)},${copy}}` : `${s.series}{${copy}}` };
}

/** Minute of the base-rates tests' traffic step, and the minutes they check: 3 minutes after the
 * step a 5m rate holds 2 minutes before it and 3 after (a 150s or 10m rate holds other shares), 7
 * minutes after only the new traffic. */
export const STEP_MIN = 10;
export const STEP_CHECKS = [3, 7];

/** Events per second over (t - 5m, t], `after` minutes after the step from `before` to `now`
 * events per minute, of both instances (one at full, one at half the rate, as secondCopy feeds). */
export function stepRate(before: Ratio, now: Ratio, after: number): Ratio {
  const old = Math.max(0, 5 - after);
  return before.mul(Ratio.of(old)).add(now.mul(Ratio.of(5 - old))).mul(Ratio.of(3, 2)).div(Ratio.of(300));
}
