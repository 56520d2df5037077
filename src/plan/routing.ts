/** `routing`: where alerts go. The routing table is read from what each side compiled
 * (alertmanager/routes.test.yaml, the label sets of every alert with the receiver Alertmanager
 * resolves them to, which amtool verifies), so the plan reports the routing that ships. */
import jsyaml from "js-yaml";
import type { Organization, Receiver, Schedule, Team } from "../model/model.js";
import { WEEKDAYS } from "../model/vocabulary.js";
import type { ServicePair } from "./match.js";
import { type Change, change, type Effect, type Side } from "./types.js";
import { and, arrow, receiverText, same, scheduleText } from "./words.js";

export const ROUTING_TABLE = "alertmanager/routes.test.yaml";
export const ALERTMANAGER_CONFIG = "alertmanager/alertmanager.yaml";

interface Row {
  name: string;
  labels: Record<string, string>;
  receivers: string[];
}

function rows(side: Side): Row[] {
  const text = side.files.get(ROUTING_TABLE);
  if (text === undefined) return [];
  return ((jsyaml.load(text) as { cases?: Row[] } | null)?.cases ?? []).map((r) => ({ name: r.name, labels: r.labels ?? {}, receivers: r.receivers ?? [] }));
}

function receiversOf(org: Organization): Map<string, Receiver> {
  const all = [org.defaultReceiver, ...org.teams.flatMap((t) => [t.receivers.page, t.receivers.ticket])].filter((r): r is Receiver => r !== null);
  return new Map(all.map((r) => [r.name, r]));
}

/** `payments-page (pagerduty)`. */
function destination(names: readonly string[], receivers: ReadonlyMap<string, Receiver>): string {
  return names.map((n) => `${n} (${receiverText(receivers.get(n) ?? null)})`).join(", ");
}

/** Every change of the routing table, per service, and of the teams' receivers and hours. */
export function routingChanges(base: Side, head: Side, pairs: readonly ServicePair[]): Change[] {
  return [...organizationRouting(base.model.organization, head.model.organization), ...inhibitions(base, head), ...serviceRouting(base, head, pairs)];
}

function serviceRouting(base: Side, head: Side, pairs: readonly ServicePair[]): Change[] {
  const renamed = new Map(pairs.filter((p) => p.base && p.head).map((p) => [p.base!.name, p.head!.name]));
  const rb = receiversOf(base.model.organization);
  const rh = receiversOf(head.model.organization);
  const fallback = head.model.organization.defaultReceiver.name;
  // The rows of the services' own alerts, by service and what the row is (`availability page`).
  const key = (r: Row, service: string) => `${service}\u0000${r.name.slice(r.labels["service"]!.length + 1)}`;
  const own = (r: Row) => r.labels["service"] !== undefined && r.name.startsWith(`${r.labels["service"]} `) && r.labels["alertname"] !== "Synthetic";
  const after = new Map(rows(head).filter(own).map((r) => [key(r, r.labels["service"]!), r]));
  const groups = new Map<string, { service: string; what: string[]; before: string; after: string; effect: Effect }>();
  for (const r of rows(base).filter(own)) {
    const service = renamed.get(r.labels["service"]!);
    if (service === undefined) continue;
    const a = after.get(key(r, service));
    if (!a) continue;
    const before = destination(r.receivers, rb);
    const now = destination(a.receivers, rh);
    if (before === now) continue;
    const effect = rowEffect(r.receivers, a.receivers, base.model.organization.defaultReceiver.name, fallback, rh);
    const g = `${service}\u0000${before}\u0000${now}`;
    const group = groups.get(g) ?? { service, what: [], before, after: now, effect };
    group.what.push(r.name.slice(r.labels["service"]!.length + 1));
    groups.set(g, group);
  }
  return [...groups.values()].map((g) => change(g.service, "routing", g.effect, `${and(g.what)} alerts: ${arrow(g.before, g.after)}`, g.before, g.after));
}

/** Falling back to the default receiver, or to a receiver that sends nowhere, weakens. */
function rowEffect(before: readonly string[], after: readonly string[], baseFallback: string, headFallback: string, receivers: ReadonlyMap<string, Receiver>): Effect {
  const nowhere = (names: readonly string[]) => names.every((n) => receiverText(receivers.get(n) ?? null) === "no integration");
  if (nowhere(after)) return "weakens";
  const toDefault = after.every((n) => n === headFallback);
  const fromDefault = before.every((n) => n === baseFallback);
  if (toDefault && !fromDefault) return "weakens";
  if (fromDefault && !toDefault) return "strengthens";
  return "neutral";
}

function organizationRouting(b: Organization, a: Organization): Change[] {
  const out: Change[] = [];
  if (!same(b.defaultReceiver.integrations, a.defaultReceiver.integrations)) {
    const effect = receiverText(a.defaultReceiver) === "no integration" ? "weakens" : receiverText(b.defaultReceiver) === "no integration" ? "strengthens" : "neutral";
    out.push(change(null, "routing", effect, `default receiver (alerts no team route matches) ${arrow(receiverText(b.defaultReceiver), receiverText(a.defaultReceiver))}`, receiverText(b.defaultReceiver), receiverText(a.defaultReceiver)));
  }
  const names = [...new Set([...b.teams.map((t) => t.name), ...a.teams.map((t) => t.name)])].sort();
  for (const name of names) {
    const tb = b.teams.find((t) => t.name === name) ?? null;
    const ta = a.teams.find((t) => t.name === name) ?? null;
    out.push(...teamReceivers(name, tb, ta), ...businessHours(name, tb, ta));
  }
  return out;
}

function teamReceivers(team: string, b: Team | null, a: Team | null): Change[] {
  const out: Change[] = [];
  for (const severity of ["page", "ticket"] as const) {
    const rb = b?.receivers[severity] ?? null;
    const ra = a?.receivers[severity] ?? null;
    const what = severity === "page" ? "pages" : "tickets";
    if (!rb && ra) out.push(change(null, "routing", "strengthens", `team ${team} ${what} now go to ${receiverText(ra)} (receiver ${ra.name} added)`, null, receiverText(ra)));
    else if (rb && !ra) out.push(change(null, "routing", "weakens", `team ${team} ${severity} receiver ${rb.name} removed: its ${what} go to the default receiver`, receiverText(rb), null));
    else if (rb && ra && !same(rb.integrations, ra.integrations)) {
      const effect = receiverText(ra) === "no integration" ? "weakens" : "neutral";
      out.push(change(null, "routing", effect, `team ${team} ${what} (${ra.name}) ${arrow(receiverText(rb), receiverText(ra))}`, receiverText(rb), receiverText(ra)));
    }
  }
  return out;
}

/** Minutes of the week (local time) a schedule covers. */
function coverage(s: Schedule): Set<number> {
  const out = new Set<number>();
  for (const d of s.days) for (let m = s.from; m < s.to; m++) out.add(WEEKDAYS.indexOf(d) * 1440 + m);
  return out;
}

/** Business hours hold tickets back outside them: more hours deliver tickets sooner. */
function businessHours(team: string, b: Team | null, a: Team | null): Change[] {
  const hb = b?.businessHours ?? null;
  const ha = a?.businessHours ?? null;
  if (!hb && !ha) return [];
  if (!hb && ha) return [change(null, "routing", "weakens", `team ${team} business hours added: tickets wait for ${scheduleText(ha)}`, null, scheduleText(ha))];
  if (hb && !ha) return [change(null, "routing", "strengthens", `team ${team} business hours removed: tickets go out at any time`, scheduleText(hb), null)];
  if (!hb || !ha || scheduleText(hb) === scheduleText(ha)) return [];
  let effect: Effect = "neutral";
  let how = "changed";
  if (hb.timezone === ha.timezone) {
    const cb = coverage(hb);
    const ca = coverage(ha);
    const wider = [...cb].every((m) => ca.has(m));
    const narrower = [...ca].every((m) => cb.has(m));
    if (wider && !narrower) [effect, how] = ["strengthens", "widened (tickets go out in more hours)"];
    else if (narrower && !wider) [effect, how] = ["weakens", "narrowed (tickets wait longer)"];
  }
  return [change(null, "routing", effect, `team ${team} business hours ${how}: ${arrow(scheduleText(hb), scheduleText(ha))}`, scheduleText(hb), scheduleText(ha))];
}

function inhibitions(base: Side, head: Side): Change[] {
  const rules = (s: Side) => {
    const text = s.files.get(ALERTMANAGER_CONFIG);
    return text === undefined ? null : ((jsyaml.load(text) as { inhibit_rules?: unknown } | null)?.inhibit_rules ?? null);
  };
  const b = rules(base);
  const a = rules(head);
  if (same(b, a)) return [];
  return [change(null, "routing", "neutral", `inhibition rules changed: ${arrow(JSON.stringify(b), JSON.stringify(a))}`, JSON.stringify(b), JSON.stringify(a))];
}
