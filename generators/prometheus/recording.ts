/** Recording rules of one SLO: the base 5m rates once, one error ratio per window, metadata. How
 * each window is computed is the Model's policy (src/model/windows.ts, re-exported by windows.ts). */
import type { Service, Slo } from "../../src/model/model.js";
import { formatDuration, msToSeconds } from "../../src/model/duration.js";
import { unreachable } from "../../src/model/never.js";
import { selector } from "../../src/render/promql.js";
import { sliExprs } from "./sli.js";
import type { RecordingRule } from "./types.js";
import { BASE, DAY_MS, sloWindows, type SloWindow } from "./windows.js";

// the names live in src/model, where the dashboards read them too
import { BUDGET_REMAINING, ERROR_BUDGET, ERRORS_RATE, errorsRateName, INFO, OBJECTIVE, PERIOD_BURN_RATE, ratioName, TOTAL_RATE, totalRateName } from "../../src/model/slo-series.js";
export { BUDGET_REMAINING, ERROR_BUDGET, ERRORS_RATE, errorsRateName, INFO, OBJECTIVE, PERIOD_BURN_RATE, ratioName, TOTAL_RATE, totalRateName };

/** The labels that identify an SLO's series (group labels of a groupBy SLI come on top). */
export function sloIdentity(service: Service, slo: Slo): [string, string][] {
  return [
    ["service", service.name],
    ["slo", slo.name],
  ];
}

/** `metric{service="...",slo="..."}`. */
export function sloSeries(metric: string, service: Service, slo: Slo): string {
  return selector(metric, sloIdentity(service, slo));
}

/** Events per second over a `days` window, from the recorded raw rates of whole-day windows (its
 * chunks: 3d when the SLO records it, then 1d for the rest): the chunk ending now, then the ones
 * recorded one, two... chunks ago (the last sample within an hour of then, so a Prometheus restart
 * does not lose a chunk). Strict: absent while any chunk is missing; otherwise a missing chunk
 * counts as no events. Each chunk's rate is weighted by its days. `series(window)` names the rate
 * of a chunk window. */
export function daysRate(series: (window: string) => string, w: SloWindow, windows: readonly SloWindow[]): string {
  const terms = daysChunks(w, windows).map(({ chunk, days, offset }) => {
    const now = series(chunk.text);
    const past = `last_over_time(${now}[${formatDuration(CHUNK_LOOKBACK_MS)}] offset ${formatDuration(offset)})`;
    const term = offset === 0 ? now : w.alerted ? past : `(${past} or 0 * ${now})`;
    return days === 1 ? term : `${days} * ${term}`;
  });
  return `(${terms.join(" + ")}) / ${w.ms / DAY_MS}`;
}

/** How far back a chunk's last sample may be (an hour: a Prometheus restart does not lose it). */
export const CHUNK_LOOKBACK_MS = 3_600_000;

/** The chunks of a whole-day window, newest first: each a recorded whole-day rate window read
 * `offset` ago, weighted by its days. */
export function daysChunks(w: SloWindow, windows: readonly SloWindow[]): { chunk: SloWindow; days: number; offset: number }[] {
  const chunks = windows.filter((c) => c.kind === "rates" && c.ms % DAY_MS === 0 && c.ms <= w.ms).sort((a, b) => b.ms - a.ms);
  const out: { chunk: SloWindow; days: number; offset: number }[] = [];
  let at = 0;
  for (const c of chunks) for (; at + c.ms <= w.ms; at += c.ms) out.push({ chunk: c, days: c.ms / DAY_MS, offset: at });
  if (at !== w.ms) throw new Error(`internal: ${w.text} is not made of whole days`);
  return out;
}

/** Events (not per second) in window `w`, counted from what happened in it: a series that starts
 * or pauses inside the window adds only its own events (minEvents). */
export function windowEvents(service: Service, slo: Slo, w: SloWindow): string {
  const seconds = msToSeconds(w.ms).toString();
  switch (w.kind) {
    case "base":
    case "rates":
      return `${sloSeries(totalRateName(w.text), service, slo)} * ${seconds}`;
    case "raw":
    case "recorded":
      throw new Error(`internal: the ${w.text} window counts events but records no total (sloWindows makes it \`rates\`)`);
    case "days":
      return `${daysRate((c) => sloSeries(totalRateName(c), service, slo), w, sloWindows(slo))} * ${seconds}`;
    default:
      return unreachable(w.kind, "window kind");
  }
}

function windowRules(service: Service, slo: Slo, w: SloWindow, windows: readonly SloWindow[], rec: (record: string, expr: string) => RecordingRule): RecordingRule[] {
  const sli = sliExprs(slo.sli);
  const series = (name: string) => sloSeries(name, service, slo);
  switch (w.kind) {
    case "base":
      return [rec(ratioName(w.text), `${series(ERRORS_RATE)} / (${series(TOTAL_RATE)} > 0)`)];
    case "raw":
      return [rec(ratioName(w.text), `(${sli.errors(w.text)}) / (${sli.totalOperand(w.text)} > 0)`)];
    case "rates": {
      const total = series(totalRateName(w.text));
      const errors = sli.aggregate ? sli.errorsGiven(w.text, sli.aggregate(total)) : sli.errors(w.text);
      return [
        rec(totalRateName(w.text), sli.total(w.text)),
        rec(errorsRateName(w.text), errors),
        rec(ratioName(w.text), `${series(errorsRateName(w.text))} / (${total} > 0)`),
      ];
    }
    case "days":
      return [rec(ratioName(w.text), `${daysRate((c) => series(errorsRateName(c)), w, windows)} / (${daysRate((c) => series(totalRateName(c)), w, windows)} > 0)`)];
    case "recorded":
      return [rec(ratioName(w.text), `sum_over_time(${series(ERRORS_RATE)}[${w.text}]) / (sum_over_time(${series(TOTAL_RATE)}[${w.text}]) > 0)`)];
    default:
      return unreachable(w.kind, "window kind");
  }
}

export function recordingRules(service: Service, slo: Slo): RecordingRule[] {
  const id = sloIdentity(service, slo);
  const rec = (record: string, expr: string, labels = id): RecordingRule => ({ record, expr, labels });
  const sli = sliExprs(slo.sli);
  const rules = [rec(ERRORS_RATE, sli.errors(BASE)), rec(TOTAL_RATE, sli.total(BASE))];
  const windows = sloWindows(slo);
  for (const w of windows) rules.push(...windowRules(service, slo, w, windows, rec));
  const period = sloSeries(ratioName(formatDuration(slo.window)), service, slo);
  const info: [string, string][] = [...id, ["team", service.team], ["tier", service.tier.name]];
  if (service.runbook !== null) info.push(["runbook", service.runbook]);
  info.push(["objective", slo.objective.toString()], ["window", formatDuration(slo.window)]);
  rules.push(
    rec(OBJECTIVE, `vector(${slo.objective})`),
    rec(ERROR_BUDGET, `vector(${slo.budget})`),
    rec(PERIOD_BURN_RATE, `${period} / ${slo.budget}`),
    rec(BUDGET_REMAINING, `1 - ${period} / ${slo.budget}`),
    rec(INFO, "vector(1)", info),
  );
  return rules;
}
