/** `slo` (objective, window, error budget, SLI) and `alerting` (each burn-rate tier's threshold,
 * `for` and detection time, paging and ticketing, minEvents, noData, labels) of one service. */
import type { BurnRateAlert, Severity, Sli, Slo } from "../model/model.js";
import { unreachable } from "../model/never.js";
import { type Change, change, direction, type Effect } from "./types.js";
import { arrow, budgetText, byName, dur, pct, seconds } from "./words.js";

export function sloChanges(service: string, before: readonly Slo[], after: readonly Slo[]): Change[] {
  const out: Change[] = [];
  for (const [b, a] of byName(before, after)) {
    if (!b && a) out.push(change(service, "slo", "strengthens", `SLO ${a.name} added: ${pct(a.objective)} over ${dur(a.window)}, error budget ${budgetText(a)}`, null, sloText(a)));
    else if (b && !a) out.push(change(service, "slo", "weakens", `SLO ${b.name} removed: its recording rules and burn-rate alerts go`, sloText(b), null));
    else if (b && a) out.push(...objectiveChanges(service, b, a), ...sliChanges(service, b, a), ...alertingChanges(service, b, a));
  }
  return out;
}

function sloText(s: Slo): string {
  return `${pct(s.objective)} over ${dur(s.window)}`;
}

function objectiveChanges(service: string, b: Slo, a: Slo): Change[] {
  const budget = `error budget ${arrow(budgetText(b), budgetText(a))}`;
  if (b.objective.cmp(a.objective) !== 0) {
    const effect = direction(a.objective.cmp(b.objective), true);
    const verb = effect === "strengthens" ? "raised" : "lowered";
    const window = b.window === a.window ? "" : `, window ${arrow(dur(b.window), dur(a.window))}`;
    return [change(service, "slo", effect, `${a.name}: objective ${verb} ${arrow(pct(b.objective), pct(a.objective))}${window}; ${budget}`, sloText(b), sloText(a))];
  }
  if (b.window !== a.window) return [change(service, "slo", "neutral", `${a.name}: window ${arrow(dur(b.window), dur(a.window))}; ${budget}`, sloText(b), sloText(a))];
  return [];
}

/** The SLI's definition as `field: text` pairs, so a change names the field that changed. */
function sliFields(s: Sli): [string, string][] {
  switch (s.kind) {
    case "ratio":
      return [["errors", s.errors ?? ""], ["good", s.good ?? ""], ["total", s.total], ["groupBy", s.groupBy.join(", ")]];
    case "latency":
      return [["histogram", s.histogram + s.selector], ["threshold", s.thresholdText]];
    case "query":
      return [["errors", s.errors ?? ""], ["good", s.good ?? ""], ["total", s.total]];
    default:
      return unreachable(s, "SLI kind");
  }
}

function sliChanges(service: string, b: Slo, a: Slo): Change[] {
  if (b.sli.kind !== a.sli.kind) return [change(service, "slo", "neutral", `${a.name}: SLI kind ${arrow(b.sli.kind, a.sli.kind)}`, b.sli.kind, a.sli.kind)];
  const fa = new Map(sliFields(a.sli));
  const out: Change[] = [];
  for (const [field, text] of sliFields(b.sli)) {
    const now = fa.get(field) ?? "";
    if (now === text) continue;
    if (field === "threshold" && b.sli.kind === "latency" && a.sli.kind === "latency") {
      const effect = direction(a.sli.threshold.cmp(b.sli.threshold), false);
      const what = effect === "weakens" ? "slower requests now count as good" : "requests must now be faster to count as good";
      out.push(change(service, "slo", effect, `${a.name}: latency threshold ${arrow(text, now)}: ${what}`, text, now));
    } else out.push(change(service, "slo", "neutral", `${a.name}: SLI ${field} ${arrow(text || "none", now || "none")}`, text || null, now || null));
  }
  return out;
}

const NO_DATA_RANK = { none: 0, ticket: 1, page: 2 } as const;

function alertingChanges(service: string, b: Slo, a: Slo): Change[] {
  const out: Change[] = [];
  const name = a.name;
  for (const severity of ["page", "ticket"] as const) {
    const was = b.alerting[severity];
    const is = a.alerting[severity];
    const verb = severity === "page" ? "paging" : "ticketing";
    if (was !== is) {
      out.push(change(service, "alerting", is ? "strengthens" : "weakens", `${name}: ${verb} switched ${is ? "on" : "off"} (burn-rate alerts ${is ? "now" : "no longer"} ${severity === "page" ? "page" : "open tickets"})`, String(was), String(is)));
      continue;
    }
    out.push(...tierChanges(service, name, severity, b.alerts.filter((x) => x.severity === severity), a.alerts.filter((x) => x.severity === severity)));
  }
  const ba = b.alerting;
  const aa = a.alerting;
  if (ba.minEvents !== aa.minEvents) {
    const effect = direction((aa.minEvents ?? 0) - (ba.minEvents ?? 0), false);
    out.push(change(service, "alerting", effect, `${name}: minEvents ${arrow(String(ba.minEvents ?? "none"), String(aa.minEvents ?? "none"))} (no burn-rate alert below that many events in the long window)`, ba.minEvents === null ? null : String(ba.minEvents), aa.minEvents === null ? null : String(aa.minEvents)));
  }
  if (ba.noData !== aa.noData) {
    const effect = direction(NO_DATA_RANK[aa.noData] - NO_DATA_RANK[ba.noData], true);
    out.push(change(service, "alerting", effect, `${name}: noData ${arrow(ba.noData, aa.noData)} (what a missing SLI series raises)`, ba.noData, aa.noData));
  }
  for (const [what, x, y] of [["labels", ba.labels, aa.labels], ["annotations", ba.annotations, aa.annotations]] as const) {
    const tx = pairsText(x);
    const ty = pairsText(y);
    if (tx !== ty) out.push(change(service, "alerting", "neutral", `${name}: alert ${what} ${arrow(tx || "none", ty || "none")}`, tx || null, ty || null));
  }
  return out;
}

function pairsText(pairs: readonly [string, string][]): string {
  return pairs.map(([k, v]) => `${k}=${v}`).join(", ");
}

function tierName(t: BurnRateAlert): string {
  return `${t.severity} ${dur(t.long)}/${dur(t.short)}`;
}

function tierText(t: BurnRateAlert): string {
  const fires = t.canFire ? `fires at ${pct(t.threshold)} errors for ${dur(t.for)}` : "can never fire";
  return `${tierName(t)} ${fires}, detects a total outage in ${seconds(t.detectionSeconds)}`;
}

/** Tiers of one severity, paired in table order. */
function tierChanges(service: string, slo: string, severity: Severity, before: readonly BurnRateAlert[], after: readonly BurnRateAlert[]): Change[] {
  const out: Change[] = [];
  for (let i = 0; i < Math.max(before.length, after.length); i++) {
    const b = before[i];
    const a = after[i];
    if (!b && a) out.push(change(service, "alerting", "strengthens", `${slo}: ${severity} tier ${tierName(a)} added: ${tierText(a)}`, null, tierText(a)));
    else if (b && !a) out.push(change(service, "alerting", "weakens", `${slo}: ${severity} tier ${tierName(b)} removed`, tierText(b), null));
    else if (b && a && tierText(b) !== tierText(a)) out.push(change(service, "alerting", tierEffect(b, a), `${slo}: ${tierName(a)} ${tierDelta(b, a)}`, tierText(b), tierText(a)));
  }
  return out;
}

function tierEffect(b: BurnRateAlert, a: BurnRateAlert): Effect {
  if (b.canFire !== a.canFire) return a.canFire ? "strengthens" : "weakens";
  // Lower threshold, shorter `for`: the alert fires sooner. When they pull apart, the time to
  // detect a total outage decides.
  const t = direction(a.threshold.cmp(b.threshold), false);
  const f = direction(a.for - b.for, false);
  if (t === f || f === "neutral") return t;
  if (t === "neutral") return f;
  return direction(a.detectionSeconds.cmp(b.detectionSeconds), false);
}

function tierDelta(b: BurnRateAlert, a: BurnRateAlert): string {
  const parts: string[] = [];
  if (b.canFire !== a.canFire) parts.push(a.canFire ? "can fire again" : "can never fire (its threshold is 100% or more)");
  if (b.threshold.cmp(a.threshold) !== 0) parts.push(`fires at ${arrow(pct(b.threshold), pct(a.threshold))} errors`);
  if (b.for !== a.for) parts.push(`for ${arrow(dur(b.for), dur(a.for))}`);
  if (b.long !== a.long || b.short !== a.short) parts.push(`windows ${arrow(`${dur(b.long)}/${dur(b.short)}`, `${dur(a.long)}/${dur(a.short)}`)}`);
  parts.push(`detects a total outage in ${arrow(seconds(b.detectionSeconds), seconds(a.detectionSeconds))}`);
  return parts.join(", ");
}
