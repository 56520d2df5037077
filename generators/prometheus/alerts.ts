/** Alerting rules of one SLO: one burn-rate alert per tier, and the no-data alert. */
import { formatPercent, Ratio } from "../../src/model/decimal.js";
import { formatDuration, humanSeconds, msToSeconds } from "../../src/model/duration.js";
import { DEFAULT_BURN_ALERT_NAME } from "../../src/model/defaults.js";
import type { BurnRateAlert, Service, Severity, Slo } from "../../src/model/model.js";
import { ratioName, sloIdentity, sloSeries, TOTAL_RATE } from "./recording.js";
import type { AlertRule } from "./types.js";
import { firingAlerts } from "./windows.js";

/** The burn-rate alerts' name when an SLO's alerting.name sets none. */
export const BURN_ALERT = DEFAULT_BURN_ALERT_NAME;
import { NO_DATA_ALERT } from "../../src/model/slo-series.js";
export { NO_DATA_ALERT };

/** Labels every alert of the SLO carries, then those of its severity (alerting.bySeverity), then
 * the SLO's own alerting.labels. Built-in keys win: Alertmanager routes on them; a severity's
 * label wins over the SLO-wide one of the same key (as Sloth's page_alert over alerting). */
function alertLabels(service: Service, slo: Slo, severity: Severity, more: [string, string][] = []): [string, string][] {
  const out: [string, string][] = [...sloIdentity(service, slo), ["severity", severity], ["team", service.team], ["tier", service.tier.name], ...more];
  const taken = new Set(out.map(([k]) => k));
  for (const [k, v] of [...slo.alerting.bySeverity[severity].labels, ...slo.alerting.labels]) {
    if (taken.has(k)) continue;
    taken.add(k);
    out.push([k, v]);
  }
  return out;
}

/** summary, description, runbook, then the SLO's alerting.annotations, then its severity's. On
 * burn-rate alerts they replace a built-in (or SLO-wide) one of the same key in place; the no-data
 * alert keeps its own summary and description (the SLO's texts describe a burn, not missing
 * metrics). */
function alertAnnotations(service: Service, slo: Slo, severity: Severity, summary: string, description: string, override: boolean): [string, string][] {
  const out: [string, string][] = [["summary", summary], ["description", description]];
  if (service.runbook !== null) out.push(["runbook", service.runbook]);
  const fixed = new Set(override ? [] : out.map(([k]) => k));
  for (const [k, v] of [...slo.alerting.annotations, ...slo.alerting.bySeverity[severity].annotations]) {
    const i = out.findIndex(([key]) => key === k);
    if (i < 0) out.push([k, v]);
    else if (!fixed.has(k)) out[i] = [k, v];
  }
  return out;
}

export function burnAlert(service: Service, slo: Slo, a: BurnRateAlert): AlertRule {
  const long = formatDuration(a.long);
  const short = formatDuration(a.short);
  const window = formatDuration(slo.window);
  const thr = a.threshold.toString();
  const parts = [`${sloSeries(ratioName(short), service, slo)} > ${thr}`, `${sloSeries(ratioName(long), service, slo)} > ${thr}`];
  const min = slo.alerting.minEvents;
  // Events in the long window, estimated from the recorded 5m rate: the mean rate times the
  // window's seconds, which does not depend on the evaluation interval.
  if (min) parts.push(`avg_over_time(${sloSeries(TOTAL_RATE, service, slo)}[${long}]) * ${msToSeconds(a.long)} >= ${min}`);
  const description =
    `The ${slo.name} SLO of ${service.name} (objective ${percent(slo.objective)} over ${window}) is burning its error budget at more than ${a.factor}x the rate that would spend it exactly over ${window}: ` +
    `the error ratio is above ${thr} over both the last ${long} and the last ${short}` +
    (min ? `, with at least ${min} events in the last ${long}` : "") +
    `. This ${a.severity} tier detects a total outage in ${humanSeconds(a.detectionSeconds)}; at ${a.factor}x the whole ${window} error budget is gone in ${humanSeconds(a.exhaustionSeconds)}.`;
  return {
    alert: slo.alerting.name,
    expr: parts.join(" and "),
    for: formatDuration(a.for),
    labels: alertLabels(service, slo, a.severity, [["long_window", long], ["short_window", short]]),
    annotations: alertAnnotations(service, slo, a.severity, `${service.name} ${slo.name}: error budget burn above ${a.factor}x over ${long} and ${short}`, description, true),
  };
}

/** No data is at most as bad as a total outage: the alert waits as long as the fastest burn-rate
 * tier needs to detect one (whole minutes, at least 5m; 10m when the SLO has no burn alerts). */
export function noDataFor(slo: Slo): number {
  const alerts = firingAlerts(slo);
  if (!alerts.length) return 10 * 60_000;
  const fastest = alerts.map((a) => a.detectionSeconds).reduce((m, x) => (x.cmp(m) < 0 ? x : m));
  const minutes = fastest.div(Ratio.of(60));
  const whole = Number(minutes.num / minutes.den) + (minutes.isInteger() ? 0 : 1);
  return Math.max(5, whole) * 60_000;
}

export function noDataAlert(service: Service, slo: Slo, severity: Severity): AlertRule {
  const hold = formatDuration(noDataFor(slo));
  return {
    alert: NO_DATA_ALERT,
    expr: `absent(${sloSeries(TOTAL_RATE, service, slo)})`,
    for: hold,
    labels: alertLabels(service, slo, severity),
    annotations: alertAnnotations(
      service,
      slo,
      severity,
      `${service.name} ${slo.name}: no SLI data`,
      `The total-events rate of the ${slo.name} SLO of ${service.name} has had no data for ${hold}: the metrics behind the SLI are not scraped, renamed or gone, and no burn-rate alert can fire without them.`,
      false,
    ),
  };
}

export function sloAlerts(service: Service, slo: Slo): AlertRule[] {
  const out = firingAlerts(slo).map((a) => burnAlert(service, slo, a));
  if (slo.alerting.noData !== "none") out.push(noDataAlert(service, slo, slo.alerting.noData));
  return out;
}

export const percent = formatPercent;
