/** `logs`: the log-level policy of the Fluent Bit pipeline. Per level, the share of records kept
 * (fewer kept weakens: a dropped record is evidence an incident review no longer has), and the
 * record field the level is read from. */
import type { LogLevels } from "../model/model.js";
import { KEEP_ALL } from "../model/log-levels.js";
import { type Change, change, direction } from "./types.js";
import { arrow } from "./words.js";

/** `kept`, `dropped`, `sampled 12.5%` (a share in ten-thousandths). */
export function keepText(keep: number): string {
  if (keep === KEEP_ALL) return "kept";
  if (keep === 0) return "dropped";
  return `sampled ${(keep / 100).toString()}%`;
}

/** A level the policy does not list is kept. */
function shareOf(l: LogLevels, level: string): number {
  return l.levels.find((x) => x.level === level)?.keep ?? KEEP_ALL;
}

function levelNames(b: LogLevels, a: LogLevels): string[] {
  return [...new Set([...b.levels, ...a.levels].map((x) => x.level))].sort();
}

/** `info: sampled 10% -> 25%`, `debug: dropped -> kept`. */
function shareArrow(before: number, after: number): string {
  const s = (k: number) => keepText(k).replace(/^sampled /, "");
  return before !== 0 && before !== KEEP_ALL && after !== 0 && after !== KEEP_ALL ? `sampled ${arrow(s(before), s(after))}` : arrow(keepText(before), keepText(after));
}

function levelLine(service: string | null, level: string, before: number, after: number, where: string): Change {
  const more = after > before ? "more" : "fewer";
  const summary = `log level ${level}: ${shareArrow(before, after)}${where}: ${more} of its records reach the log store`;
  return change(service, "logs", direction(after - before, true), summary, keepText(before), keepText(after));
}

function fieldLine(service: string | null, b: string, a: string, where: string): Change {
  return change(service, "logs", "neutral", `log level field ${arrow(b, a)}${where}: the level is read from ${a}; a record with no level there is kept whatever its level`, b, a);
}

const ORG = " in the Organization's default (every service that does not set its own)";

/** The Organization's policy: what every service gets where it does not set its own. */
export function organizationLogs(b: LogLevels, a: LogLevels): Change[] {
  const out: Change[] = [];
  if (b.levelField !== a.levelField) out.push(fieldLine(null, b.levelField, a.levelField, ORG));
  for (const level of levelNames(b, a)) {
    const [x, y] = [shareOf(b, level), shareOf(a, level)];
    if (x !== y) out.push(levelLine(null, level, x, y, ORG));
  }
  return out;
}

/** A service's effective policy; what follows from the Organization's change alone is reported
 * once, there. */
export function logChanges(service: string, b: LogLevels, a: LogLevels, orgB: LogLevels, orgA: LogLevels): Change[] {
  const out: Change[] = [];
  const fromOrg = (x: unknown, y: unknown, ox: unknown, oy: unknown) => x === ox && y === oy && ox !== oy;
  if (b.levelField !== a.levelField && !fromOrg(b.levelField, a.levelField, orgB.levelField, orgA.levelField)) out.push(fieldLine(service, b.levelField, a.levelField, ""));
  for (const level of levelNames(b, a)) {
    const [x, y] = [shareOf(b, level), shareOf(a, level)];
    if (x !== y && !fromOrg(x, y, shareOf(orgB, level), shareOf(orgA, level))) out.push(levelLine(service, level, x, y, ""));
  }
  return out;
}
