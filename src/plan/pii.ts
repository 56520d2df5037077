/** `pii`: what a change lets through to the logs. Detectors removed (with a value of each that
 * now passes unredacted), field actions removed or weakened (drop > mask > hash > last4 > none),
 * custom patterns removed or no longer matching their examples. */
import type { Organization, Pii } from "../model/model.js";
import { PII_CATALOGUE } from "../model/pii-catalogue.js";
import { parsePiiPattern, toRegExp } from "../model/pii-pattern.js";
import { type Change, change, direction } from "./types.js";
import { and, arrow, byName, listDiff } from "./words.js";

/** How much of a field's value survives: less is stronger. */
const ACTION_STRENGTH = { none: 0, last4: 1, hash: 2, mask: 3, drop: 4 } as const;
const ACTION_TEXT = { none: "none (logged as written, apart from what the detectors catch)", last4: "last4 (all but the last 4 characters masked)", hash: "hash (keyed HMAC-SHA256)", mask: "mask (fully masked)", drop: "drop (removed)" } as const;

function example(detector: string): string {
  return PII_CATALOGUE.find((d) => d.id === detector)?.example ?? detector;
}

function detectorLines(service: string | null, added: readonly string[], removed: readonly string[], where: string): Change[] {
  const out: Change[] = [];
  for (const d of removed) out.push(change(service, "pii", "weakens", `detector ${d} removed${where}: e.g. ${JSON.stringify(example(d))} now passes unredacted`, d, null));
  for (const d of added) out.push(change(service, "pii", "strengthens", `detector ${d} added${where}: e.g. ${JSON.stringify(example(d))} is now redacted`, null, d));
  return out;
}

/** The Organization's defaults apply to every service (and to pods of no service). */
export function organizationPii(b: Organization, a: Organization): Change[] {
  const { added, removed } = listDiff(b.pii.defaults, a.pii.defaults);
  return detectorLines(null, added, removed, " from the Organization's defaults (every service that does not add it)");
}

export function piiChanges(service: string, b: Pii, a: Pii, orgB: Organization, orgA: Organization): Change[] {
  const out: Change[] = [];
  // Detector changes the Organization's defaults already explain are reported once, there.
  const org = listDiff(orgB.pii.defaults, orgA.pii.defaults);
  const eff = listDiff(b.detectors, a.detectors);
  out.push(...detectorLines(service, eff.added.filter((d) => !org.added.includes(d)), eff.removed.filter((d) => !org.removed.includes(d)), ""));
  for (const [x, y] of byName(b.fields.map((f) => ({ name: f.path, action: f.action })), a.fields.map((f) => ({ name: f.path, action: f.action })))) {
    const path = (x ?? y)!.name;
    const before = x?.action ?? "none";
    const after = y?.action ?? "none";
    if (before === after) continue;
    const effect = direction(ACTION_STRENGTH[after] - ACTION_STRENGTH[before], true);
    out.push(change(service, "pii", effect, `field ${path}: ${arrow(ACTION_TEXT[before], ACTION_TEXT[after])}`, before, after));
  }
  for (const [x, y] of byName(b.patterns, a.patterns)) {
    if (x && !y) out.push(change(service, "pii", "weakens", `pattern ${x.name} (${x.match}) removed${x.examples.match.length ? `: e.g. ${and(x.examples.match.map((e) => JSON.stringify(e)))} now pass unredacted` : ""}`, x.match, null));
    else if (!x && y) out.push(change(service, "pii", "strengthens", `pattern ${y.name} (${y.match}) added: now redacted as ${y.replace}`, null, y.match));
    else if (x && y) out.push(...patternChange(service, x, y));
  }
  return out;
}

function matcher(source: string): RegExp | null {
  const p = parsePiiPattern(source);
  return p.ok ? toRegExp(p.pattern) : null;
}

function patternChange(service: string, x: Pii["patterns"][number], y: Pii["patterns"][number]): Change[] {
  const out: Change[] = [];
  if (x.match !== y.match) {
    const before = matcher(x.match);
    const after = matcher(y.match);
    const samples = [...new Set([...x.examples.match, ...y.examples.match, ...x.examples.noMatch, ...y.examples.noMatch])];
    const hit = (r: RegExp | null, s: string) => r !== null && new RegExp(r.source, r.flags.replace("g", "")).test(s);
    const lost = samples.filter((s) => hit(before, s) && !hit(after, s));
    const gained = samples.filter((s) => !hit(before, s) && hit(after, s));
    const effect = lost.length && !gained.length ? "weakens" : gained.length && !lost.length ? "strengthens" : "neutral";
    const parts = [`pattern ${y.name}: ${arrow(x.match, y.match)}`];
    if (lost.length) parts.push(`${and(lost.map((s) => JSON.stringify(s)))} now ${lost.length === 1 ? "passes" : "pass"} unredacted`);
    if (gained.length) parts.push(`${and(gained.map((s) => JSON.stringify(s)))} now redacted`);
    out.push(change(service, "pii", effect, parts.join("; "), x.match, y.match));
  }
  if (x.replace !== y.replace) out.push(change(service, "pii", "neutral", `pattern ${y.name} replacement ${arrow(x.replace, y.replace)}`, x.replace, y.replace));
  return out;
}
