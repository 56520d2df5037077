/** How an SLO window's error ratio is computed, and what that costs in detection time. The
 * Prometheus generator builds the rules from this, and lower() the detection times, so the times in
 * the docs and alert texts are those of the rules as they evaluate. */
import type { Millis } from "./duration.js";

/** The base window: errors and total are recorded as 5m rates once per SLO. */
export const BASE_MS: Millis = 5 * 60_000;
/** Up to 6h the error ratio is computed from the raw counters in one expression (cheap enough). */
export const RAW_RATIO_MAX_MS: Millis = 6 * 3_600_000;
/** Up to 3d (the longest window of the default alert table) the errors and total rates are still
 * read from the raw counters, but recorded on their own: a raw rate spans scrape gaps shorter than
 * its window and counts the history from before the rules were deployed, and the recorded total
 * is what minEvents counts. */
export const RAW_RATES_MAX_MS: Millis = 3 * 86_400_000;
/** Longer windows (the SLO period) are sums of whole days of the recorded raw 1d rates, read at
 * offsets of 0, 1, 2... days: each day spans its scrape gaps, and a day reads one sample. */
export const DAY_MS: Millis = 86_400_000;

/**
 * - `base`: the recorded 5m rates;
 * - `raw`: one ratio of raw rates;
 * - `rates`: raw errors and total rates, recorded, then their ratio;
 * - `days`: whole days of the recorded 1d rates;
 * - `recorded`: a window over 3d that is not whole days: sum_over_time of the recorded 5m rates
 *   (request-weighted, but a scrape gap over 5m loses its events, and it lags half a base window).
 */
export type WindowKind = "base" | "raw" | "rates" | "days" | "recorded";

export function windowKind(ms: Millis): WindowKind {
  if (ms === BASE_MS) return "base";
  if (ms <= RAW_RATIO_MAX_MS) return "raw";
  if (ms <= RAW_RATES_MAX_MS) return "rates";
  return ms % DAY_MS === 0 ? "days" : "recorded";
}

/** Milliseconds a window's ratio trails a step change of the error ratio. A raw rate sees every
 * scrape at once, and a `days` window's newest day is a raw 1d rate: no lag. A sum of recorded 5m
 * rates trails by half the base window, as each 5m rate ramps up over 5m (what promtool measured
 * as 1h 7m for a 1d tier documented as 1h 4m 19.2s when the 1d window was such a sum). */
export function windowLagMs(ms: Millis): Millis {
  return windowKind(ms) === "recorded" ? BASE_MS / 2 : 0;
}
