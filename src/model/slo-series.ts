/** The names of the series svcspec records for every SLO and of its alerts: the Prometheus rules
 * write them (generators/prometheus), the dashboards read them (generators/grafana). One place,
 * so a dashboard can never query a name no rule records. */

/** The base window of the SLI rates, the one every longer window is summed from. */
export const BASE_WINDOW = "5m";
/** The errors and total rates over a window (the base one, and the raw long windows). */
export const errorsRateName = (window: string) => `slo:sli_errors:rate${window}`;
export const totalRateName = (window: string) => `slo:sli_total:rate${window}`;
export const ERRORS_RATE = errorsRateName(BASE_WINDOW);
export const TOTAL_RATE = totalRateName(BASE_WINDOW);
/** The error ratio over a window, e.g. `slo:sli_error:ratio_rate1h`. */
export const ratioName = (window: string) => `slo:sli_error:ratio_rate${window}`;
export const OBJECTIVE = "slo:objective:ratio";
export const ERROR_BUDGET = "slo:error_budget:ratio";
export const PERIOD_BURN_RATE = "slo:period_burn_rate:ratio";
export const BUDGET_REMAINING = "slo:period_error_budget_remaining:ratio";
export const INFO = "svcspec_slo_info";
/** The alert an SLO raises when its SLI has no data. */
export const NO_DATA_ALERT = "SLONoData";
/** Cache hit-ratio series and alert. */
export const HIT_RATIO_5M = "cache:hit:ratio_rate5m";
export const HIT_RATIO_1H = "cache:hit:ratio_rate1h";
export const CACHE_ALERT = "CacheHitRatioLow";
