/** Alerting rules of one SLO: one burn-rate alert per tier, and the no-data alert. */
import { formatPercent, Ratio } from "../../src/model/decimal.js";
import { formatDuration, humanSeconds } from "../../src/model/duration.js";
import { DEFAULT_BURN_ALERT_NAME } from "../../src/model/defaults.js";
import type { BurnRateAlert, Service, Severity, Slo } from "../../src/model/model.js";
import { unreachable } from "../../src/model/never.js";
import { labelMatcher, mergeMatchers } from "../../src/render/promql.js";
import { ERRORS_RATE, ratioName, sloIdentity, sloSeries, TOTAL_RATE, windowEvents } from "./recording.js";
import { parseSelector } from "./selectors.js";
import { leMatcher } from "./sli.js";
import type { AlertRule } from "./types.js";
import { firingAlerts, sloWindows } from "./windows.js";

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
  // Events that happened in the long window, from a rate over it (raw or recorded from raw): a
  // mean of recorded rates would scale the few samples of a series that started inside the window
  // up to the whole window.
  const longWindow = sloWindows(slo).find((w) => w.ms === a.long);
  if (min && longWindow) parts.push(`${windowEvents(service, slo, longWindow)} >= ${min}`);
  const held = longWindow?.kind === "days" ? ` Its ${long} window is made of the daily rates the rules record, so this tier cannot fire until the rules have run for ${formatDuration(a.long - 86_400_000)} (after a deployment or a rename of the service or SLO).` : "";
  const description =
    `The ${slo.name} SLO of ${service.name} (objective ${percent(slo.objective)} over ${window}) is burning its error budget at more than ${a.factor}x the rate that would spend it exactly over ${window}: ` +
    `the error ratio is above ${thr} over both the last ${long} and the last ${short}` +
    (min ? `, with at least ${min} events in the last ${long}` : "") +
    `. This ${a.severity} tier detects a total outage in ${humanSeconds(a.detectionSeconds)} (up to one evaluation interval more); at ${a.factor}x the whole ${window} error budget is gone in ${humanSeconds(a.exhaustionSeconds)}.` +
    held;
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

/** One SLI input the no-data alerts watch: `input` names it in the alert's labels. */
interface WatchedInput {
  input: "total" | "errors" | "good" | "bucket";
  expr: string;
  description: string;
}

/** The inputs of an SLO's SLI whose absence silences its burn-rate alerts (or makes them lie),
 * each with why. All but the total are watched only while the total is there: without it the
 * total's own alert says it all. */
export function watchedInputs(service: Service, slo: Slo, hold: string): WatchedInput[] {
  const total5m = sloSeries(TOTAL_RATE, service, slo);
  const who = `the ${slo.name} SLO of ${service.name}`;
  const whileTotal = (present: string) => `absent(${present}) and on() ${total5m}`;
  const out: WatchedInput[] = [
    {
      input: "total",
      expr: `absent(${total5m})`,
      description: `The total-events rate of ${who} has had no data for ${hold}: the metrics behind the SLI are not scraped, renamed or gone, and no burn-rate alert can fire without them.`,
    },
  ];
  const sli = slo.sli;
  switch (sli.kind) {
    case "ratio": {
      if (sli.good !== null) {
        out.push({
          input: "good",
          expr: whileTotal(`sum(${sli.good})`),
          description: `The good-events series of ${who} (${sli.good}) has been absent for ${hold} while its total is scraped: the SLI counts every event as an error. The good metric is renamed or not scraped, or every event since it was last exported failed.`,
        });
        break;
      }
      const errors = errorsMetric(sli.errors ?? "", sli.total);
      if (errors) {
        out.push({
          input: "errors",
          expr: whileTotal(`sum(${errors})`),
          description: `The errors metric of ${who} (${errors}) has been absent for ${hold} while its total is scraped: every error goes uncounted and the SLO reads 100% good. (This watches the metric, not the error series ${sli.errors}, which a counter exports only after its first error.)`,
        });
      }
      break;
    }
    case "latency": {
      const bucket = `${sli.histogram}_bucket${mergeMatchers(sli.selector, [leMatcher(sli.threshold)])}`;
      out.push({
        input: "bucket",
        expr: whileTotal(`sum(${bucket})`),
        description:
          `The histogram ${sli.histogram} of ${who} has been exporting its _count without a bucket at the latency threshold (le="${sli.threshold}") for ${hold}: the SLI counts good events from that bucket, so no burn-rate alert can fire. ` +
          `The threshold must be one of the histogram's bucket bounds: it is not a bound of the bucket layout, or a new layout dropped it. Make the threshold a bound the histogram exports, or add the bound to its buckets.`,
      });
      break;
    }
    case "query":
      out.push({
        input: sli.errors !== null ? "errors" : "good",
        expr: whileTotal(sloSeries(ERRORS_RATE, service, slo)),
        description: `The ${sli.errors !== null ? "errors" : "good"} query of ${who} has returned nothing for ${hold} while its total returns data: no burn-rate alert can fire. Its metrics are renamed or not scraped, or the query no longer matches them.`,
      });
      break;
    default:
      return unreachable(sli, "SLI kind");
  }
  return out;
}

/** The errors selector's metric with only the matchers it shares with the total (`job`, say),
 * without those that pick the error series (`code=~"5.."`); null when it is the total's metric
 * (the total's alert covers it) or a selector svcspec does not read. */
function errorsMetric(errors: string, total: string): string | null {
  const e = parseSelector(errors);
  const t = parseSelector(total);
  if (!e?.metric || !t || e.metric === t.metric) return null;
  const shared = e.matchers.filter((m) => t.matchers.some((n) => n.name === m.name && n.op === m.op && n.value === m.value));
  return shared.length ? `${e.metric}{${shared.map((m) => labelMatcher(m.name, m.value, m.op)).join(",")}}` : e.metric;
}

function noDataRule(service: Service, slo: Slo, severity: Severity, w: WatchedInput, hold: string): AlertRule {
  return {
    alert: NO_DATA_ALERT,
    expr: w.expr,
    for: hold,
    labels: alertLabels(service, slo, severity, [["input", w.input]]),
    annotations: alertAnnotations(service, slo, severity, `${service.name} ${slo.name}: no SLI data (${w.input})`, w.description, false),
  };
}

/** The no-data alerts of an SLO, one per watched input. */
export function noDataAlerts(service: Service, slo: Slo, severity: Severity): AlertRule[] {
  const hold = formatDuration(noDataFor(slo));
  return watchedInputs(service, slo, hold).map((w) => noDataRule(service, slo, severity, w, hold));
}

/** The no-data alert of the SLO's total (the one that fires when no series is there at all). */
export function noDataAlert(service: Service, slo: Slo, severity: Severity): AlertRule {
  return noDataAlerts(service, slo, severity)[0]!;
}

export function sloAlerts(service: Service, slo: Slo): AlertRule[] {
  const out = firingAlerts(slo).map((a) => burnAlert(service, slo, a));
  if (slo.alerting.noData !== "none") out.push(...noDataAlerts(service, slo, slo.alerting.noData));
  return out;
}

export const percent = formatPercent;
