/** Recording rules of one SLO: the base 5m rates once, one error ratio per window, metadata. */
import type { Service, Slo } from "../../src/model/model.js";
import { formatDuration } from "../../src/model/duration.js";
import { selector } from "../../src/render/promql.js";
import { sliExprs } from "./sli.js";
import type { RecordingRule } from "./types.js";
import { BASE, sloWindows } from "./windows.js";

// the names live in src/model, where the dashboards read them too
import { BUDGET_REMAINING, ERROR_BUDGET, ERRORS_RATE, INFO, OBJECTIVE, PERIOD_BURN_RATE, ratioName, TOTAL_RATE } from "../../src/model/slo-series.js";
export { BUDGET_REMAINING, ERROR_BUDGET, ERRORS_RATE, INFO, OBJECTIVE, PERIOD_BURN_RATE, ratioName, TOTAL_RATE };

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

export function recordingRules(service: Service, slo: Slo): RecordingRule[] {
  const id = sloIdentity(service, slo);
  const rec = (record: string, expr: string, labels = id): RecordingRule => ({ record, expr, labels });
  const sli = sliExprs(slo.sli);
  const errors5m = sloSeries(ERRORS_RATE, service, slo);
  const total5m = sloSeries(TOTAL_RATE, service, slo);
  const rules = [rec(ERRORS_RATE, sli.errors(BASE)), rec(TOTAL_RATE, sli.total(BASE))];
  for (const w of sloWindows(slo)) {
    const expr =
      w.kind === "base"
        ? `${errors5m} / (${total5m} > 0)`
        : w.kind === "raw"
          ? `(${sli.errors(w.text)}) / (${sli.totalOperand(w.text)} > 0)`
          : `sum_over_time(${errors5m}[${w.text}]) / (sum_over_time(${total5m}[${w.text}]) > 0)`;
    rules.push(rec(ratioName(w.text), expr));
  }
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
