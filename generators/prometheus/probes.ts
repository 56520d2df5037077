/** Probes: scenarios that tell a tier's windows apart (a burn that stopped, a burst after clean
 * traffic), planned per SLO for the minute tests (tests.ts) and the hourly ones (history-tests.ts). */
import { ONE, Ratio, ZERO } from "../../src/model/decimal.js";
import { formatDuration } from "../../src/model/duration.js";
import type { Service, Slo } from "../../src/model/model.js";
import { selector } from "../../src/render/promql.js";
import { BoundedCache } from "../../src/util/memo.js";
import { type Inputs, type Phase, sloPhase, type WindowValue } from "./inputs.js";
import { ratioName, sloIdentity } from "./recording.js";
import { activeTiers, hold, MIN, minutes, type PromqlTest, round4, type Scenario, secondCopy, type Tier } from "./test-common.js";
import { type SloWindow, sloWindows, windowKind } from "./windows.js";

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
export const HOUR_PROBES: ProbeScale = {
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
export function probePlan(slo: Slo, tiers: Tier[], startMin: number, scale: ProbeScale = MINUTE_PROBES, skip: ReadonlySet<string> = new Set()): ProbePlan {
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
export function windowChecks(stretches: Stretch[], t: number, windows: SloWindow[], id: string, labels: string): PromqlTest[] {
  return windows.map((w) => {
    const r = ratioAt(stretches, w.ms / MIN, t);
    const expr = r === 0 ? `${ratioName(w.text)}${id} == bool 0` : `abs(${ratioName(w.text)}${id} / ${Number(r.toPrecision(6))} - 1) < bool 0.01`;
    return { expr, eval_time: minutes(t), exp_samples: [{ labels, value: 1 }] };
  });
}

/** The first minute a probe may check: minEvents counted over the events since t=0 holds from
 * then on (trafficFor's margin). */
export function probeStart(slo: Slo, tiers: Tier[]): number {
  return slo.alerting.minEvents ? Math.max(10, Math.ceil(Math.min(...tiers.map((t) => t.longMin)) / 10)) + 5 : 10;
}

/** The probes of an SLO as scenarios: ALERTS of the SLO at each probe minute, and the ratio of each
 * window computed from the raw counters (to 1%), so a window over another range fails. */
export function probes(service: Service, slo: Slo, tiers: Tier[], inputs: Inputs, traffic: Ratio): Omit<Scenario, "owner" | "refs" | "reads">[] {
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
export function windowValue(stretches: Stretch[], end: number, perMin: number): WindowValue {
  const held: Stretch[] = [];
  for (let used = 0, i = 0; i < stretches.length && used < end; used += stretches[i]!.minutes, i++) held.push({ ...stretches[i]! });
  held[held.length - 1]!.minutes = Number.MAX_SAFE_INTEGER;
  const at = (role: "errors" | "total" | "ratio", windowMs: number, t: number) => {
    if (t === 0) return null;
    const w = windowMs / MIN;
    const ratio = ratioAt(held, w, t);
    const events = perMin * Math.min(w, t);
    if (role === "ratio") return events > 0 ? ratio : null;
    return ((role === "errors" ? ratio : 1) * events) / (w * 60);
  };
  // what the values depend on, and nothing else: SLOs of one shape share their input values
  return Object.assign(at, { key: `${held.map((s) => `${s.minutes}:${s.ratio}`).join(",")} ${perMin}` });
}

/** The traffic times the least power of 10 that makes every phase's errors a whole number:
 * promtool adds a counter's increments in floats, so 21.6 a minute for 30 minutes ends a hair
 * above 648, and a next phase starting at exactly 648 would read as a counter reset. */
export function wholeEvents(traffic: Ratio, ratios: Ratio[]): Ratio {
  let n = traffic;
  for (let k = 0; k < 8 && !ratios.every((r) => n.mul(r).isInteger()); k++) n = n.mul(Ratio.of(10));
  return n;
}

/** The phases up to minute `end` (the last one held from there). */
export function cut(phases: Phase[], end: number): Phase[] {
  const out: Phase[] = [];
  let used = 0;
  for (const p of phases) {
    if (used >= end) break;
    out.push({ ...p, minutes: Math.min(p.minutes, end - used) });
    used += p.minutes;
  }
  return out;
}
