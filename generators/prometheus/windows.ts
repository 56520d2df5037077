/** Which error-ratio windows an SLO records, and how each is computed. */
import { formatDuration, type Millis } from "../../src/model/duration.js";
import type { BurnRateAlert, Slo } from "../../src/model/model.js";

/** The base window: errors and total are recorded as 5m rates once per SLO. */
export const BASE_MS: Millis = 5 * 60_000;
export const BASE = "5m";

/** Windows up to 6h are computed from the raw counters (exact and still cheap); longer ones are
 * request-weighted from the recorded 5m rates: sum_over_time(errors) / sum_over_time(total). */
export const RAW_MAX_MS: Millis = 6 * 3_600_000;

export type WindowKind = "base" | "raw" | "recorded";

export interface SloWindow {
  ms: Millis;
  /** Prometheus duration text, e.g. `30m`, `1d`, `30d`. */
  text: string;
  kind: WindowKind;
}

export function windowKind(ms: Millis): WindowKind {
  return ms === BASE_MS ? "base" : ms <= RAW_MAX_MS ? "raw" : "recorded";
}

/** The alerts of an SLO that can fire: a tier whose threshold is 100% or more is not emitted
 * (validation already warns about it). */
export function firingAlerts(slo: Slo): BurnRateAlert[] {
  return slo.alerts.filter((a) => a.canFire);
}

/** Exactly the windows the SLO's alert table needs plus the SLO period, shortest first. */
export function sloWindows(slo: Slo): SloWindow[] {
  const set = new Set<Millis>([slo.window]);
  for (const a of firingAlerts(slo)) set.add(a.short).add(a.long);
  return [...set].sort((a, b) => a - b).map((ms) => ({ ms, text: formatDuration(ms), kind: windowKind(ms) }));
}
