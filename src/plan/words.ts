/** How the plan writes values: the units and spellings of the spec and the docs. */
import { formatPercent, Ratio } from "../model/decimal.js";
import { formatDuration, humanSeconds, msToSeconds, type Millis } from "../model/duration.js";
import type { Receiver, Schedule, Slo } from "../model/model.js";
import { WEEKDAYS } from "../model/vocabulary.js";

export const pct = formatPercent;
export const dur = (ms: Millis): string => formatDuration(ms);

/** `a -> b`. */
export function arrow(before: string, after: string): string {
  return `${before} -> ${after}`;
}

export function plural(n: number, noun: string, many = `${noun}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? noun : many}`;
}

/** `a`, `a and b`, `a, b and c`. */
export function and(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** `a`, `a or b`, `a, b or c`. */
export function or(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

/** Minutes of total outage an SLO's budget allows per window: `43m 12s`. */
export function budgetTime(slo: Pick<Slo, "budget" | "window">): string {
  return humanSeconds(slo.budget.mul(msToSeconds(slo.window)));
}

/** `0.1% (43m 12s per 30d)`. */
export function budgetText(slo: Pick<Slo, "budget" | "window">): string {
  return `${pct(slo.budget)} (${budgetTime(slo)} per ${dur(slo.window)})`;
}

export function seconds(s: Ratio): string {
  return humanSeconds(s);
}

/** `mon-fri`, `mon, wed, fri`, `every day`. */
export function daysText(days: readonly string[]): string {
  const idx = days.map((d) => (WEEKDAYS as readonly string[]).indexOf(d)).sort((a, b) => a - b);
  if (idx.length === 7) return "every day";
  const runs: number[][] = [];
  for (const i of idx) {
    const last = runs[runs.length - 1];
    if (last && last[last.length - 1] === i - 1) last.push(i);
    else runs.push([i]);
  }
  return runs.map((r) => (r.length >= 3 ? `${WEEKDAYS[r[0]!]}-${WEEKDAYS[r[r.length - 1]!]}` : r.map((i) => WEEKDAYS[i]).join(", "))).join(", ");
}

/** `mon-fri 09:00-17:00 Europe/Berlin`. */
export function scheduleText(s: Schedule): string {
  return `${daysText(s.days)} ${s.fromText}-${s.toText} ${s.timezone}`;
}

/** A receiver by what it sends to: `pagerduty`, `slack #payments-alerts`, `email a@b`, ... */
export function receiverText(r: Receiver | null): string {
  if (!r) return "none";
  const i = r.integrations;
  const parts: string[] = [];
  if (i.pagerduty) parts.push("pagerduty");
  if (i.opsgenie) parts.push("opsgenie");
  if (i.slack) parts.push(`slack ${i.slack.channel}`);
  if (i.email) parts.push(`email ${i.email.to}`);
  if (i.webhook) parts.push(`webhook ${i.webhook.url}`);
  return parts.length ? parts.join(" + ") : "no integration";
}

/** Key equality of two values built from the Model (Ratios compare by value). */
export function same(a: unknown, b: unknown): boolean {
  return stable(a) === stable(b);
}

export function stable(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x instanceof Ratio ? x.toString() : x)) ?? "undefined";
}

/** Items of `after` not in `before`, and the other way round. */
export function listDiff<T>(before: readonly T[], after: readonly T[]): { added: T[]; removed: T[] } {
  return { added: after.filter((x) => !before.includes(x)), removed: before.filter((x) => !after.includes(x)) };
}

/** Pairs list items by name, in the order of `before` then the new ones of `after`. */
export function byName<T extends { name: string }>(before: readonly T[], after: readonly T[]): [T | null, T | null][] {
  const out: [T | null, T | null][] = before.map((b) => [b, after.find((a) => a.name === b.name) ?? null]);
  for (const a of after) if (!before.some((b) => b.name === a.name)) out.push([null, a]);
  return out;
}
