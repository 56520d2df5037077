/** prometheus/<service>.history.rules.test.yaml: promtool unit tests of the long windows over a
 * whole SLO period, evaluated hourly (history, hourly probes, a query SLI's own rules, chunk lookback). */
import { ONE, Ratio, ZERO } from "../../src/model/decimal.js";
import { formatDuration } from "../../src/model/duration.js";
import type { Service, Slo } from "../../src/model/model.js";
import { selector } from "../../src/render/promql.js";
import { toYaml } from "../../src/render/yaml.js";
import { counterValues, type Inputs, type Phase, piecewiseValues, queryRawSeries, sloInputs, sloPhase } from "./inputs.js";
import { cut, HOUR_PROBES, probePlan, probeStart, wholeEvents, windowChecks, windowValue } from "./probes.js";
import { BUDGET_REMAINING, CHUNK_LOOKBACK_MS, daysChunks, errorsRateName, PERIOD_BURN_RATE, ratioName, recordingRules, sloIdentity, totalRateName } from "./recording.js";
import { metricsRead } from "./selectors.js";
import { activeTiers, constantChecks, hold, MIN, minutes, type PromqlTest, round4, secondCopy, sloTiers, type TestGroup, TRAFFIC, trafficFor } from "./test-common.js";
import { BASE_MS, sloWindows, windowKind } from "./windows.js";

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
  const rules = recordingRules(service, slo);
  const recorded = new Set(rules.map((r) => r.record));
  // the rules over the query: those that read series and none the SLO records (not the constants)
  const checks = rules
    .filter((r) => {
      const read = metricsRead(r.expr);
      return !!read?.length && read.every((m) => m !== null && !recorded.has(m));
    })
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
