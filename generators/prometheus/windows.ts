/** Which error-ratio windows an SLO records, and how each is computed (the policy is the Model's,
 * src/model/windows.ts, so that detection times follow the rules). */
import { formatDuration, type Millis } from "../../src/model/duration.js";
import type { BurnRateAlert, Slo } from "../../src/model/model.js";
import { BASE_MS, DAY_MS, type WindowKind, windowKind } from "../../src/model/windows.js";

export { BASE_MS, DAY_MS, type WindowKind, windowKind };
export const BASE = "5m";
export const DAY = "1d";

export interface SloWindow {
  ms: Millis;
  /** Prometheus duration text, e.g. `30m`, `1d`, `30d`. */
  text: string;
  kind: WindowKind;
  /** An alert reads it: a `days` window is then absent until the recorded 1d rates cover it (a
   * ratio over fewer days would compare a shorter window with the tier's threshold); otherwise (the
   * SLO period) a missing day counts as a day without events. */
  alerted: boolean;
}

/** The alerts of an SLO that can fire: a tier whose threshold is 100% or more is not emitted
 * (validation already warns about it). */
export function firingAlerts(slo: Slo): BurnRateAlert[] {
  return slo.alerts.filter((a) => a.canFire);
}

/** Exactly the windows the SLO's alert table needs plus the SLO period (and 1d, which `days`
 * windows are made of), shortest first. */
export function sloWindows(slo: Slo): SloWindow[] {
  const alerted = new Set<Millis>();
  for (const a of firingAlerts(slo)) alerted.add(a.short).add(a.long);
  const set = new Set<Millis>([slo.window, ...alerted]);
  if ([...set].some((ms) => windowKind(ms) === "days")) set.add(DAY_MS);
  // minEvents counts a long window's events from its recorded total (labelled as the SLO's
  // ratios, so the alert's `and` matches): a raw window that is one records its rates (the same
  // raw reads as its one-expression ratio), as does a `recorded` one (it then reads raw counters).
  const counted = new Set(slo.alerting.minEvents ? firingAlerts(slo).map((a) => a.long) : []);
  const kind = (ms: Millis): WindowKind => (counted.has(ms) && ["raw", "recorded"].includes(windowKind(ms)) ? "rates" : windowKind(ms));
  return [...set].sort((a, b) => a - b).map((ms) => ({ ms, text: formatDuration(ms), kind: kind(ms), alerted: alerted.has(ms) }));
}
