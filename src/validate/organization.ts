/** Semantic checks of the Organization document: units, ranges and internal consistency. */
import { HUNDRED, ONE, parsePercent } from "../model/decimal.js";
import { parseDuration } from "../model/duration.js";
import type { OrganizationDoc, Receiver, Schedule } from "../model/spec.js";
import { SEVERITIES } from "../model/vocabulary.js";
import type { PathSegment } from "../load/locate.js";
import { formatIp, parseCidr } from "../util/ip.js";
import { FORMATS } from "./formats.js";
import type { Report } from "./report.js";
import { memo } from "../util/memo.js";
import { IANA_ZONE_NAMES } from "./zones.js";
import { ERROR_LEVELS, KEEP_ALL, keepShare } from "../model/log-levels.js";

export function checkOrganization(r: Report, doc: OrganizationDoc): void {
  const spec = doc.spec;
  for (const [name, tier] of Object.entries(spec.tiers ?? {})) {
    checkObjective(r, ["spec", "tiers", name, "objective"], tier.objective);
  }
  if (spec.slo?.window !== undefined) checkWindow(r, ["spec", "slo", "window"], spec.slo.window);
  (spec.slo?.burnRateAlerts ?? []).forEach((row, i) => {
    const at = (k: string): PathSegment[] => ["spec", "slo", "burnRateAlerts", i, k];
    const long = checkDuration(r, at("long"), row.long);
    const short = checkDuration(r, at("short"), row.short);
    const hold = checkDuration(r, at("for"), row.for, true);
    const consumed = parsePercent(row.budgetConsumed);
    if (consumed && (consumed.isZero() || consumed.cmp(HUNDRED) > 0)) {
      r.error("SVC042", at("budgetConsumed"), `budgetConsumed ${String(row.budgetConsumed)} must be above 0% and at most 100%`, "the share of the error budget this alert tier fires on, e.g. 2%");
    }
    if (long !== null && short !== null && short >= long) {
      r.error("SVC043", at("short"), `short window ${row.short} must be shorter than the long window ${row.long}`, "the SRE workbook uses a short window of 1/12 of the long one (5m for 1h)");
    }
    if (long !== null && hold !== null && hold >= long) {
      r.error("SVC043", at("for"), `for: ${String(row.for)} must be shorter than the long window ${row.long}`, "a hold longer than the window delays detection past the window it measures");
    }
  });
  for (const [team, t] of Object.entries(spec.teams ?? {})) {
    if (t.businessHours) checkSchedule(r, ["spec", "teams", team, "businessHours"], t.businessHours);
    for (const severity of SEVERITIES) {
      const receiver = t.receivers?.[severity];
      if (receiver) checkReceiver(r, ["spec", "teams", team, "receivers", severity], receiver);
    }
  }
  if (spec.alerting?.defaultReceiver) checkReceiver(r, ["spec", "alerting", "defaultReceiver"], spec.alerting.defaultReceiver);
  for (const [name, cidrs] of Object.entries(spec.access?.networks ?? {})) {
    cidrs.forEach((c, i) => checkCidrAt(r, ["spec", "access", "networks", name, i], c));
  }
  checkDeployPolicy(r, doc);
  if (spec.logs?.levels) checkLogLevels(r, spec.logs.levels);
}

/** Errors are never dropped nor sampled: an error level's records are the ones an incident needs
 * (Organization and Service `logs.levels`). */
export function checkLogLevels(r: Report, levels: Readonly<Record<string, string>>): void {
  for (const [level, action] of Object.entries(levels)) {
    const share = keepShare(action);
    if (ERROR_LEVELS.includes(level.toLowerCase()) && share !== null && share < KEEP_ALL) {
      r.error("SVC140", ["spec", "logs", "levels", level], `log level \`${level}\` is an error level: its records cannot be ${share === 0 ? "dropped" : "sampled"}`, `keep it (\`${level}: keep\`) or leave it out; sample or drop the noisy levels (info, debug) instead`);
    }
  }
}

/** The spec has no global SMTP settings, so every email receiver carries its own: Alertmanager
 * refuses an email_config without a sender and a smarthost. */
function checkReceiver(r: Report, path: PathSegment[], receiver: Receiver): void {
  const email = receiver.email;
  if (!email) return;
  for (const field of ["from", "smarthost"] as const) {
    if (!email[field]) {
      r.error("SVC018", [...path, "email"], `email receiver without \`${field}\``, field === "from" ? "add from: alertmanager@your-domain (Alertmanager needs a sender)" : "add smarthost: smtp.your-domain:587 (Alertmanager needs a mail server)");
    }
  }
}

function checkDeployPolicy(r: Report, doc: OrganizationDoc): void {
  const rows = doc.spec.deployPolicy;
  if (!rows) return;
  const seen = new Map<string, number>();
  let coversZero = false;
  rows.forEach((row, i) => {
    const p = parsePercent(row.minBudgetRemaining);
    if (!p) return;
    if (p.cmp(HUNDRED) > 0) r.error("SVC042", ["spec", "deployPolicy", i, "minBudgetRemaining"], `minBudgetRemaining ${String(row.minBudgetRemaining)} is above 100%`);
    if (p.isZero()) coversZero = true;
    const key = p.toString();
    if (seen.has(key)) r.error("SVC022", ["spec", "deployPolicy", i, "minBudgetRemaining"], `two deploy-policy rows start at ${key}%`, "each row needs its own threshold");
    seen.set(key, i);
    if (row.emergencyHold && row.allow !== "none") {
      r.error("SVC017", ["spec", "deployPolicy", i, "emergencyHold"], "an emergency hold must not allow deploys", "set `allow: none` on this row");
    }
  });
  if (!coversZero) {
    r.error("SVC046", ["spec", "deployPolicy"], "no deploy-policy row starts at 0%: a service with less budget left than the lowest threshold has no decision", "add a last row `{ minBudgetRemaining: 0%, allow: none }`");
  }
}

// ---------------------------------------------------------------------------------------------
// shared unit checks (also used by the service checks)

export function checkDuration(r: Report, path: readonly PathSegment[], value: unknown, allowZero = false): number | null {
  const d = parseDuration(value, allowZero);
  if (d.ok) return d.ms;
  const format = allowZero ? FORMATS.durationOrZero : FORMATS.duration;
  r.error(format.code, path, `invalid duration: ${d.reason}`, format.hint);
  return null;
}

export function checkWindow(r: Report, path: readonly PathSegment[], value: unknown): void {
  const ms = checkDuration(r, path, value);
  if (ms !== null && ms % 86_400_000 !== 0) {
    r.error("SVC041", path, `SLO window ${String(value)} is not a whole number of days`, "SLO periods are whole days: 7d, 28d, 30d, 4w");
  }
}

/** Objectives are percentages strictly between 0 and 100: 100% leaves no error budget to alert on. */
export function checkObjective(r: Report, path: readonly PathSegment[], value: unknown): void {
  const p = parsePercent(value);
  if (!p) return; // the schema reported the shape
  // 0.9995 is the OpenSLO habit of a fraction; here it is 0.9995%, whose alerts can never fire.
  if (typeof value === "number" && !p.isZero() && p.cmp(ONE) <= 0) {
    const percent = p.mul(HUNDRED);
    const meant = percent.cmp(HUNDRED) < 0 ? `did you mean ${percent}? ` : "";
    r.error("SVC047", path, `objective ${String(value)} is ${String(value)}%, written as a fraction`, `${meant}objectives are percentages: 99.95 means 99.95%`);
    return;
  }
  if (p.cmp(HUNDRED) >= 0) r.error("SVC042", path, `objective ${String(value)} leaves no error budget`, "an objective must be below 100%, e.g. 99.9");
  else if (p.isZero()) r.error("SVC042", path, `objective ${String(value)} must be above 0%`);
}

export function checkPercentRange(r: Report, path: readonly PathSegment[], value: unknown, what: string): void {
  const p = parsePercent(value);
  if (p && p.cmp(HUNDRED) > 0) r.error("SVC042", path, `${what} ${String(value)} is above 100%`);
}

export function checkSchedule(r: Report, path: readonly PathSegment[], s: Schedule): void {
  const problem = timeZoneProblem(s.timezone);
  if (problem) r.error("SVC081", [...path, "timezone"], problem.message, problem.hint);
  if (s.from >= s.to) {
    r.error("SVC082", [...path, "to"], `the window ${s.from}-${s.to} is empty or runs past midnight`, "`to` must be later than `from` (24:00 ends the day); split a window across midnight in two");
  }
}

/** Why a zone name would not load identically in every engine that evaluates a schedule, or null.
 * Go's time.LoadLocation (OPA, Alertmanager) loads exactly the names of the IANA database, spelled
 * exactly; ICU (svcspec's evaluator and the time built-ins it hands to OPA's wasm) also accepts any
 * case and names outside the database: Java's three-letter IDs (JST, IST, BST, AET, ...),
 * US/Pacific-New, SystemV/*. A deny rule in such a zone would never apply in OPA. Accepted: the
 * names of IANA_ZONE_NAMES that ICU knows too (acceptedZoneNames()), nothing else. */
export const timeZoneProblem: (tz: string) => { message: string; hint: string } | null = memo((tz) => zoneProblemOf(tz));

let ianaNames: Set<string> | null = null;
let accepted: Set<string> | null = null;
let zoneSpellings: Map<string, string> | null = null;

/** Every zone name validation accepts (the consumer tier loads each one in OPA). */
export function acceptedZoneNames(): string[] {
  return [...acceptedZones()];
}

/** Asking ICU about all ~600 names costs 0.17 s, so it is done only when a zone is wrong. */
function acceptedZones(): Set<string> {
  accepted ??= new Set(IANA_ZONE_NAMES.filter((z) => icuZone(z) !== null));
  return accepted;
}

function isAccepted(tz: string): boolean {
  ianaNames ??= new Set(IANA_ZONE_NAMES);
  return ianaNames.has(tz) && icuZone(tz) !== null;
}

/** ICU's canonical name of a zone, or null when ICU does not know it. */
function icuZone(tz: string): string | null {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: tz }).resolvedOptions().timeZone || null;
  } catch {
    return null;
  }
}

/** ICU keeps the old canonical spelling of zones the IANA database has renamed since. */
const RENAMED: Record<string, string> = {
  "Africa/Asmera": "Africa/Asmara", "America/Buenos_Aires": "America/Argentina/Buenos_Aires", "America/Catamarca": "America/Argentina/Catamarca",
  "America/Cordoba": "America/Argentina/Cordoba", "America/Godthab": "America/Nuuk", "America/Indianapolis": "America/Indiana/Indianapolis",
  "America/Jujuy": "America/Argentina/Jujuy", "America/Louisville": "America/Kentucky/Louisville", "America/Mendoza": "America/Argentina/Mendoza",
  "Asia/Calcutta": "Asia/Kolkata", "Asia/Katmandu": "Asia/Kathmandu", "Asia/Rangoon": "Asia/Yangon", "Asia/Saigon": "Asia/Ho_Chi_Minh",
  "Atlantic/Faeroe": "Atlantic/Faroe", "Europe/Kiev": "Europe/Kyiv", "Pacific/Enderbury": "Pacific/Kanton",
};

function zoneProblemOf(tz: string): { message: string; hint: string } | null {
  if (isAccepted(tz)) return null;
  zoneSpellings ??= new Map([...acceptedZones()].map((name) => [name.toLowerCase(), name]));
  const listed = zoneSpellings.get(tz.toLowerCase());
  if (listed !== undefined) return { message: `time zone "${tz}" is not spelled as in the IANA database`, hint: `zone names are case-sensitive in OPA and Alertmanager: write "${listed}"` };
  const resolved = tz ? icuZone(tz) : null;
  if (resolved === null) return { message: `unknown time zone "${tz}"`, hint: "use an IANA name such as Europe/Berlin, America/New_York or UTC" };
  const canonical = RENAMED[resolved] ?? resolved;
  const ambiguous = tz.includes("/") ? "" : " (an abbreviation can stand for several places: check it is the one you mean)";
  return {
    message: `time zone "${tz}" is not a name of the IANA database: OPA and Alertmanager (Go) cannot load it, so a rule scheduled in it would never apply there`,
    hint: isAccepted(canonical) ? `write "${canonical}", the IANA name ICU reads "${tz}" as${ambiguous}` : "use an IANA name such as Europe/Berlin, America/New_York or UTC",
  };
}

function checkCidrAt(r: Report, path: readonly PathSegment[], text: string): void {
  const c = parseCidr(text);
  if (!c.ok) {
    r.error("SVC080", path, c.reason, c.suggestion ? `did you mean ${c.suggestion}?` : "write address/prefix, e.g. 10.8.0.0/16 or fd00:8::/32");
    return;
  }
  // Blocks inside ::ffff:0:0/96 are IPv4 blocks to OPA (Go reduces them) and IPv6 blocks to its
  // wasm and to svcspec: the engines would disagree. The IPv4 spelling means the same to all.
  const { family, base, prefix } = c.cidr;
  if (family === 6 && prefix >= 96 && base >> 32n === 0xffffn) {
    const v4 = formatIp({ family: 4, value: base & 0xffffffffn });
    r.error("SVC080", path, `"${text}" is a block of IPv4-mapped IPv6 addresses`, `write it as the IPv4 block ${v4}/${prefix - 96}: a mapped client address matches the IPv4 blocks`);
  }
}

