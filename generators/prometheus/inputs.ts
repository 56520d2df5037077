/** Input series of the generated tests. "raw" inputs are counters that the SLI's own selectors
 * match, so a test runs the whole chain (SLI expression, recorded rates, windows, alert). When no
 * raw series can be derived (a `query` SLI is opaque PromQL, or a selector uses syntax we do not
 * read) the inputs are the recorded 5m rates, the raw-window ratios and the recorded raw rates of
 * the longer windows ("recorded"): the test
 * then covers everything from the base rates on. */
import { Ratio, ZERO } from "../../src/model/decimal.js";
import type { Service, Sli, Slo } from "../../src/model/model.js";
import { unreachable } from "../../src/model/never.js";
import { selector } from "../../src/render/promql.js";
import { BoundedCache } from "../../src/util/memo.js";
import { HITS_RATE, MISSES_RATE } from "./cache.js";
import { ERRORS_RATE, errorsRateName, ratioName, sloIdentity, TOTAL_RATE, totalRateName } from "./recording.js";
import { type Matcher, type ParsedSelector, parseSelector, satisfies, solveLabels, vectorSelectors } from "./selectors.js";
import { leValue } from "./sli.js";
import { BASE_MS, sloWindows } from "./windows.js";

/** A stretch of constant traffic: events per minute by role (errors, total; hits, misses). */
export interface Phase {
  minutes: number;
  values: Record<string, Ratio>;
}

export interface InputSeries {
  series: string;
  values: string;
}

/** An input series by metric and labels (collision checks between merged test scenarios). */
export interface SeriesRef {
  metric: string;
  labels: [string, string][];
}

export interface Inputs {
  mode: "raw" | "recorded";
  refs: SeriesRef[];
  /** Labels the SLO's series carry besides service and slo (groupBy labels). */
  groupLabels: [string, string][];
  build(phases: readonly Phase[]): InputSeries[];
  /** Recorded inputs sample by sample (minute k x step for k = 0..samples): each gauge's value over
   * its own window (what the rule it stands for would record then), null for a missing sample. */
  buildWindows?(at: WindowValue, samples: number, step?: number): InputSeries[];
}

/** A recorded input's value at minute t: the per-second rate of `role` events over the window, or
 * the window's error ratio (`ratio`). `key` names the function by what it depends on: two with one
 * key give the same values. */
export type WindowValue = ((role: "errors" | "total" | "ratio", windowMs: number, t: number) => number | null) & { readonly key: string };

/** A series fed as a counter (`0+Nx<n>`) or as a per-second gauge derived from the phase (and, for
 * minute-by-minute inputs, from its window). */
type Def = SeriesRef & ({ counter: string } | { gauge: (p: Phase) => Ratio | null; window: { role: "errors" | "total" | "ratio"; ms: number } });

const SIXTY = Ratio.of(60);

export function sloPhase(minutes: number, total: Ratio, errors: Ratio): Phase {
  return { minutes, values: { total, errors, good: total.sub(errors) } };
}

/** Whether a query can return series with no input at all (`or vector(0)`, absent(), time()...):
 * its recorded rates then exist in every test and cannot be fed as inputs. */
export function producesWithoutInput(query: string): boolean {
  return /\b(vector|absent|absent_over_time|time|day_of_month|day_of_week|day_of_year|days_in_month|hour|minute|month|year)\s*\(/.test(query);
}

/** Whether the SLI's total can return series with no input (then it is never absent). */
export function totalProducesWithoutInput(sli: Sli): boolean {
  switch (sli.kind) {
    case "ratio":
    case "latency":
      return false;
    case "query":
      return producesWithoutInput(sli.total);
    default:
      return unreachable(sli, "SLI kind");
  }
}

/** Whether any of the SLI's expressions can return series with no input: its recorded rates then
 * cannot be fed as test inputs. */
function anyProducesWithoutInput(sli: Sli): boolean {
  switch (sli.kind) {
    case "ratio":
    case "latency":
      return false;
    case "query":
      return [sli.errors, sli.good, sli.total].some((q) => q !== null && producesWithoutInput(q));
    default:
      return unreachable(sli, "SLI kind");
  }
}

/** Labels the SLI keeps on its series besides service and slo. */
function groupByOf(sli: Sli): string[] {
  switch (sli.kind) {
    case "ratio":
      return sli.groupBy;
    case "latency":
    case "query":
      return [];
    default:
      return unreachable(sli, "SLI kind");
  }
}

/** The SLO's test inputs, or null when it cannot be fed (a query that produces without input). */
export function sloInputs(service: Service, slo: Slo): Inputs | null {
  const raw = rawSloDefs(slo);
  if (raw) return inputs("raw", raw.groupLabels, raw.defs);
  if (anyProducesWithoutInput(slo.sli)) return null;
  const id = sloIdentity(service, slo);
  const groupLabels = groupByOf(slo.sli).map((g): [string, string] => [g, "svcspec"]);
  const s = (metric: string): SeriesRef => ({ metric, labels: [...id, ...groupLabels] });
  const perSecond = (key: string) => (p: Phase) => (p.values[key] ?? ZERO).div(SIXTY);
  // A raw window without total is absent, as the rule's own `total > 0` guard makes it; the
  // recorded 5m rates still count errors over a zero total, so the recorded windows' guard is
  // what stands between x/0 = +Inf and an alert.
  const ratio = (p: Phase) => {
    const t = p.values["total"] ?? ZERO;
    const e = p.values["errors"] ?? ZERO;
    return t.isZero() ? null : e.div(t);
  };
  const defs: Def[] = [
    { ...s(ERRORS_RATE), gauge: perSecond("errors"), window: { role: "errors", ms: BASE_MS } },
    { ...s(TOTAL_RATE), gauge: perSecond("total"), window: { role: "total", ms: BASE_MS } },
    ...sloWindows(slo).flatMap((w): Def[] =>
      w.kind === "raw"
        ? [{ ...s(ratioName(w.text)), gauge: ratio, window: { role: "ratio", ms: w.ms } }]
        : w.kind === "rates"
          ? [
              { ...s(errorsRateName(w.text)), gauge: perSecond("errors"), window: { role: "errors", ms: w.ms } },
              { ...s(totalRateName(w.text)), gauge: perSecond("total"), window: { role: "total", ms: w.ms } },
            ]
          : [],
    ),
  ];
  return inputs("recorded", groupLabels, defs);
}

export function cacheInputs(service: Service): Inputs {
  const hr = service.cache?.hitRatio;
  if (!hr) throw new Error("internal: no hit ratio");
  const h = parseSelector(hr.hits);
  const m = parseSelector(hr.misses);
  if (h?.metric && m?.metric) {
    const same = h.metric === m.metric;
    const hl = solveLabels(h.matchers, same ? m.matchers : null);
    const ml = solveLabels(m.matchers, same ? h.matchers : null);
    if (hl && ml) return inputs("raw", [], [{ metric: h.metric, labels: hl, counter: "hits" }, { metric: m.metric, labels: ml, counter: "misses" }]);
  }
  const id: [string, string][] = [["service", service.name]];
  const perSecond = (key: string) => (p: Phase) => (p.values[key] ?? ZERO).div(SIXTY);
  return inputs("recorded", [], [
    { metric: HITS_RATE, labels: id, gauge: perSecond("hits"), window: { role: "total", ms: BASE_MS } },
    { metric: MISSES_RATE, labels: id, gauge: perSecond("misses"), window: { role: "errors", ms: BASE_MS } },
  ]);
}

function inputs(mode: Inputs["mode"], groupLabels: [string, string][], defs: Def[]): Inputs {
  return {
    mode,
    groupLabels,
    refs: defs.map((d) => ({ metric: d.metric, labels: d.labels })),
    build: (phases) => defs.map((d) => ({ series: selector(d.metric, d.labels), values: "counter" in d ? counterValues(phases, d.counter) : gaugeValues(phases, d.gauge) })),
    ...(mode === "recorded"
      ? {
          buildWindows: (at: WindowValue, samples: number, step = 1) =>
            defs.map((d) => {
              if ("counter" in d) throw new Error("internal: a counter among recorded inputs");
              const w = d.window;
              // the numbers of a window's series are the same for every SLO of the same shape (tiers, windows, probe): worked out once
              const values = windowSeries.get(`${at.key} ${w.role} ${w.ms} ${samples} ${step}`, () => piecewiseValues(Array.from({ length: samples + 1 }, (_, k) => at(w.role, w.ms, k * step))));
              return { series: selector(d.metric, d.labels), values };
            }),
        }
      : {}),
  };
}

const windowSeries = new BoundedCache<string>();

/** Relative deviation a straight run of samples may have from the values it stands for. */
const LINE_TOLERANCE = 1e-4;

/** Per-minute values as promtool expanding notation (`a+bxn`: n+1 samples; `_xn`: n missing): each run
 * the longest a straight line holds within LINE_TOLERANCE, its start and step at 6 significant
 * digits (every check of the tests keeps a 10% margin). */
export function piecewiseValues(values: readonly (number | null)[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < values.length) {
    const v = values[i];
    if (v === null || v === undefined) {
      let j = i;
      while (j + 1 < values.length && values[j + 1] === null) j++;
      out.push(j > i ? `_x${j - i + 1}` : "_");
      i = j + 1;
      continue;
    }
    const a = sig6(v);
    let j = i;
    let step = 0;
    for (let k = i + 1; k < values.length && values[k] !== null; k++) {
      const b = sig6((values[k]! - a) / (k - i));
      // the samples before k already lie on the line when b is the slope accepted at k - 1: only
      // k is new (a long straight run costs its length, not its length squared)
      const from = k > i + 1 && b === step ? k : i + 1;
      let ok = true;
      for (let m = from; m <= k && ok; m++) ok = Math.abs(a + b * (m - i) - values[m]!) <= LINE_TOLERANCE * Math.max(Math.abs(values[m]!), 1e-9);
      if (!ok) break;
      j = k;
      step = b;
    }
    out.push(j === i ? decimal(a) : `${decimal(a)}${step < 0 ? "-" : "+"}${decimal(Math.abs(step))}x${j - i}`);
    i = j + 1;
  }
  return out.join(" ");
}

const sig6 = (x: number) => Number(x.toPrecision(6));
/** A number as plain decimal text (promtool's series notation reads no exponent after a step). */
function decimal(x: number): string {
  if (x === 0) return "0";
  const digits = Math.max(0, 6 - Math.floor(Math.log10(Math.abs(x))) - 1);
  return x.toFixed(Math.min(20, digits)).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
}

/** `0` at t=0, then each phase as `a+bxn` (promtool's expanding notation). */
export function counterValues(phases: readonly Phase[], key: string): string {
  const out = ["0"];
  let v = ZERO;
  for (const p of phases) {
    if (p.minutes <= 0) continue;
    const inc = p.values[key] ?? ZERO;
    out.push(`${v.add(inc)}+${inc}x${p.minutes - 1}`);
    v = v.add(inc.mul(Ratio.of(p.minutes)));
  }
  return out.join(" ");
}

/** Missing at t=0 (as a recorded rate is: rate() needs two samples), then each phase. */
function gaugeValues(phases: readonly Phase[], value: (p: Phase) => Ratio | null): string {
  const out = ["_"];
  for (const p of phases) {
    if (p.minutes <= 0) continue;
    const v = value(p);
    // promtool: `vxn` is n+1 samples, but `_xn` is n missing ones.
    out.push(v === null ? (p.minutes === 1 ? "_" : `_x${p.minutes}`) : `${v.toString()}x${p.minutes - 1}`);
  }
  return out.join(" ");
}

/** Raw counter series for ratio and latency SLIs, or null. Each series plays a role: errors,
 * good (total minus errors) or total; together they sum to the phase's traffic. */
function rawSloDefs(slo: Slo): { defs: Def[]; groupLabels: [string, string][] } | null {
  const series = rawSeries(slo.sli);
  if (!series || series.some((s) => s.labels === null)) return null;
  const groupBy = groupByOf(slo.sli);
  const groupLabels = groupBy.map((g): [string, string] => [g, series[0]?.labels?.find(([k]) => k === g)?.[1] ?? ""]);
  const sameGroups = series.every((s) => groupLabels.every(([g, v]) => s.labels?.find(([k]) => k === g)?.[1] === v));
  if (!sameGroups) return null;
  return { defs: series.map((s) => ({ metric: s.metric, labels: s.labels ?? [], counter: s.counter })), groupLabels };
}

type RawSeries = { metric: string; labels: [string, string][] | null; counter: string }[];

/** The counters an SLI reads, with labels its selectors match (null labels: none can be derived);
 * null when they cannot be listed (a query is opaque PromQL). */
function rawSeries(sli: Sli): RawSeries | null {
  switch (sli.kind) {
    case "query":
      return null;
    case "latency": {
      const sel = parseSelector(sli.selector);
      if (!sel || sel.matchers.some((m) => m.name === "le")) return null;
      const labels = solveLabels(sel.matchers, null);
      if (!labels) return null;
      return [
        { metric: `${sli.histogram}_count`, labels, counter: "total" },
        { metric: `${sli.histogram}_bucket`, labels: [...labels, ["le", leValue(sli.threshold)] as [string, string]].sort(byName), counter: "good" },
      ];
    }
    case "ratio": {
      const part = parseSelector(sli.errors ?? sli.good ?? "");
      const total = parseSelector(sli.total);
      if (!part?.metric || !total?.metric) return null;
      // The part's events (errors, or good) and the rest; with one metric for both, the rest is a
      // series the total matches and the part does not.
      const partKey = sli.errors !== null ? "errors" : "good";
      const restKey = sli.errors !== null ? "good" : "errors";
      if (part.metric === total.metric) {
        return [
          { metric: part.metric, labels: solveLabels(union(part.matchers, total.matchers), null, sli.groupBy), counter: partKey },
          { metric: total.metric, labels: solveLabels(total.matchers, part.matchers, sli.groupBy), counter: restKey },
        ];
      }
      return [
        { metric: part.metric, labels: solveLabels(part.matchers, null, sli.groupBy), counter: partKey },
        { metric: total.metric, labels: solveLabels(total.matchers, null, sli.groupBy), counter: "total" },
      ];
    }
    default:
      return unreachable(sli, "SLI kind");
  }
}

/** Raw series that a query SLI's own selectors match, one per distinct selector (its labels
 * solved from the matchers), or null when a selector cannot be read or solved (no metric name,
 * offsets, a regex outside the subset). A query is opaque PromQL, so these feed only the check
 * that each recording rule over it equals the query over its window (history-tests.ts). */
export function queryRawSeries(slo: Slo): SeriesRef[] | null {
  const sli = slo.sli;
  if (sli.kind !== "query") return null;
  const out = new Map<string, SeriesRef>();
  for (const q of [sli.errors, sli.good, sli.total]) {
    if (q === null) continue;
    if (producesWithoutInput(q)) return null;
    const found = vectorSelectors(q.split("$window").join("5m"));
    if (!found?.length) return null;
    for (const sel of found) {
      if (!sel?.metric) return null;
      const labels = solveLabels(sel.matchers, null);
      if (!labels) return null;
      const ref = { metric: sel.metric, labels };
      out.set(selector(ref.metric, ref.labels), ref);
    }
  }
  return [...out.values()];
}

const union = (a: readonly Matcher[], b: readonly Matcher[]) => [...a, ...b];
const byName = (a: [string, string], b: [string, string]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** The series selectors an SLO's (or the cache's) rules read from raw data, or "all" when they
 * cannot be listed. Two test scenarios may share a test group only when neither's inputs match
 * what the other's rules read. */
export function sloReads(slo: Slo): ParsedSelector[] | "all" {
  const sli = slo.sli;
  switch (sli.kind) {
    case "latency": {
      const sel = parseSelector(sli.selector);
      return sel ? [{ ...sel, metric: `${sli.histogram}_count` }, { ...sel, metric: `${sli.histogram}_bucket` }] : "all";
    }
    case "ratio":
      return selectorsOf([sli.errors, sli.good, sli.total], (t) => [parseSelector(t)]);
    case "query":
      return selectorsOf([sli.errors, sli.good, sli.total], (t) => vectorSelectors(t.split("$window").join("5m")));
    default:
      return unreachable(sli, "SLI kind");
  }
}

function selectorsOf(texts: (string | null)[], read: (text: string) => (ParsedSelector | null)[] | null): ParsedSelector[] | "all" {
  const out: ParsedSelector[] = [];
  for (const t of texts) {
    if (t === null) continue;
    const found = read(t);
    if (found === null || found.some((f) => !f)) return "all";
    out.push(...(found as ParsedSelector[]));
  }
  return out;
}

export function cacheReads(service: Service): ParsedSelector[] | "all" {
  const hr = service.cache?.hitRatio;
  const found = hr ? [parseSelector(hr.hits), parseSelector(hr.misses)] : [];
  return found.every((f) => f) ? (found as ParsedSelector[]) : "all";
}

export function seriesMatches(ref: SeriesRef, sel: ParsedSelector): boolean {
  if (sel.metric && sel.metric !== ref.metric) return false;
  return sel.matchers.every((m) => satisfies(m, ref.labels.find(([k]) => k === m.name)?.[1] ?? "") !== false);
}
