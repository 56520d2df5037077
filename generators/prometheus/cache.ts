/** Cache hit-ratio rules: hit and miss rates, the hit ratio over 5m and 1h, a ticket when the 1h
 * ratio stays below the objective. */
import { formatDuration } from "../../src/model/duration.js";
import type { Service } from "../../src/model/model.js";
import { selector } from "../../src/render/promql.js";
import { percent } from "./alerts.js";
import type { AlertRule, RuleGroup } from "./types.js";

export const HITS_RATE = "cache:hits:rate5m";
export const MISSES_RATE = "cache:misses:rate5m";
export { CACHE_ALERT, HIT_RATIO_1H, HIT_RATIO_5M } from "../../src/model/slo-series.js";
import { CACHE_ALERT, HIT_RATIO_1H, HIT_RATIO_5M } from "../../src/model/slo-series.js";
/** How long the 1h hit ratio must stay below the objective: a cold cache after a deploy or a
 * purge refills within minutes and must not open a ticket. */
export const CACHE_ALERT_FOR_MS = 30 * 60_000;
const CACHE_ALERT_FOR = formatDuration(CACHE_ALERT_FOR_MS);

export function cacheGroup(service: Service): RuleGroup | null {
  const hr = service.cache?.hitRatio;
  if (!hr) return null;
  const id: [string, string][] = [["service", service.name]];
  const s = (m: string) => selector(m, id);
  const rate = (sel: string) => `sum(rate(${sel}[5m]))`;
  const ratio = (h: string, m: string) => `${h} / ((${h} + ${m}) > 0)`;
  const sumOver = (m: string) => `sum_over_time(${s(m)}[1h])`;
  const alert: AlertRule = {
    alert: CACHE_ALERT,
    expr: `${s(HIT_RATIO_1H)} < ${hr.objective}`,
    for: CACHE_ALERT_FOR,
    labels: [...id, ["severity", "ticket"], ["team", service.team], ["tier", service.tier.name]],
    annotations: [
      ["summary", `${service.name}: cache hit ratio below ${percent(hr.objective)}`],
      ["description", `The cache hit ratio of ${service.name} over the last hour has stayed below its objective of ${percent(hr.objective)} for ${CACHE_ALERT_FOR}: more requests reach the origin than planned.`],
      ...(service.runbook !== null ? ([["runbook", service.runbook]] as [string, string][]) : []),
    ],
  };
  return {
    name: `svcspec-cache-${service.name}`,
    rules: [
      // A counter that never incremented may be missing: `or 0 * other` reads it as 0.
      { record: HITS_RATE, expr: `${rate(hr.hits)} or 0 * ${rate(hr.misses)}`, labels: id },
      { record: MISSES_RATE, expr: `${rate(hr.misses)} or 0 * ${rate(hr.hits)}`, labels: id },
      { record: HIT_RATIO_5M, expr: ratio(s(HITS_RATE), s(MISSES_RATE)), labels: id },
      { record: HIT_RATIO_1H, expr: ratio(sumOver(HITS_RATE), sumOver(MISSES_RATE)), labels: id },
      alert,
    ],
  };
}
