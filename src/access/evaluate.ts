/** The TypeScript reference evaluator of access rules and of the deploy gate. It implements the
 * spec's semantics over the Model, independently of Rego, so a differential test can hold the
 * generated OPA policy to them:
 * - default deny; a deny rule that applies beats every allow rule; a deny rule fails closed: it
 *   applies unless the request provably falls outside it (missing or ill-typed input counts as met);
 * - names match exactly: a request whose resource type is not a resource the service declares, or
 *   whose action that resource does not declare (`REFUND` for `refund`, `ORDERS`, `*`), is allowed by
 *   no rule; so a deny rule cannot be sidestepped by a spelling the service does not declare;
 * - a rule applies when the action and the resource type match (`*` in a rule matches any), every
 *   subject list it gives matches (roles/teams: the request's array of strings shares an element;
 *   ids: the request's id is listed), and every `when` condition holds;
 * - `mfa: true` needs `subject.mfa` to be the boolean true; networks are CIDR blocks, an
 *   IPv4-mapped IPv6 address counting as its IPv4 address; a schedule holds at instants whose local
 *   time in the rule's zone falls on a listed day within [from, to); attributes compare with type,
 *   and a missing or ill-typed attribute never matches;
 * - reasons: the applying deny rules when denied by one, the granting allow rules when allowed,
 *   none on default deny (sorted); maskedFields: the resource's PII fields unless a granting allow
 *   rule has `pii: true`. */
import type { Access, AccessRule, DeployRule, Schedule } from "../model/model.js";
import { HUNDRED } from "../model/decimal.js";
import { cidrContains, parseCidr, parseIp, type Ip } from "../util/ip.js";
import { memo } from "../util/memo.js";
import { localTime, parseRfc3339 } from "./time.js";

export interface AccessDecision {
  allow: boolean;
  reasons: string[];
  maskedFields: string[];
}

export interface DeployDecision {
  allow: boolean;
  hold: boolean;
  reason: string;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function field(v: unknown, key: string): unknown {
  return isObj(v) ? v[key] : undefined;
}

function stringArray(v: unknown): string[] | null {
  return Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : null;
}

/** Value equality with type, as Rego compares JSON scalars. */
function sameScalar(a: unknown, b: unknown): boolean {
  return typeof a === typeof b && a === b;
}

/** Local weekday (`mon`..`sun`) and minute of the day of an instant in an IANA zone. */
export function localClock(ms: number, timeZone: string): { day: string; minute: number } {
  const t = localTime(ms, timeZone);
  return { day: t.weekday.toLowerCase().slice(0, 3), minute: t.hour * 60 + t.minute };
}

export function scheduleHolds(s: Schedule, time: unknown): boolean {
  const ms = parseRfc3339(time);
  if (ms === null) return false;
  const { day, minute } = localClock(ms, s.timezone);
  return (s.days as string[]).includes(day) && s.from <= minute && minute < s.to;
}

const cidrOf = memo(parseCidr);

function networksHold(rule: AccessRule, ip: Ip | null): boolean {
  if (rule.when.networks.length === 0) return true;
  if (ip === null) return false;
  return rule.when.networks.some((n) =>
    n.cidrs.some((c) => {
      const parsed = cidrOf(c);
      return parsed.ok && cidrContains(parsed.cidr, ip);
    }),
  );
}

function listMatches(allowed: string[] | null, given: unknown): boolean {
  if (allowed === null) return true;
  const values = stringArray(given);
  return values !== null && values.some((v) => allowed.includes(v));
}

export function ruleApplies(rule: AccessRule, input: unknown): boolean {
  const action = field(input, "action");
  const resourceType = field(field(input, "resource"), "type");
  const subject = field(input, "subject");
  const env = field(input, "environment");
  if (typeof action !== "string" || !(rule.actions.includes("*") || rule.actions.includes(action))) return false;
  if (typeof resourceType !== "string" || !(rule.resources.includes("*") || rule.resources.includes(resourceType))) return false;
  if (!listMatches(rule.subjects.roles, field(subject, "roles"))) return false;
  if (!listMatches(rule.subjects.teams, field(subject, "teams"))) return false;
  if (rule.subjects.ids !== null) {
    const id = field(subject, "id");
    if (typeof id !== "string" || !rule.subjects.ids.includes(id)) return false;
  }
  if (rule.when.mfa && field(subject, "mfa") !== true) return false;
  if (!networksHold(rule, parseIp(field(env, "ip")))) return false;
  if (rule.when.schedule && !scheduleHolds(rule.when.schedule, field(env, "time"))) return false;
  const attrs = field(subject, "attributes");
  for (const [name, allowed] of rule.when.attributes) {
    if (!isObj(attrs) || !Object.hasOwn(attrs, name)) return false;
    const v = attrs[name];
    if (!allowed.some((a) => sameScalar(a, v))) return false;
  }
  return true;
}

/** A deny rule fails closed: it applies unless the request provably falls outside it. A condition
 * whose input is missing or ill-typed cannot be refuted, so it counts as met; leaving out the
 * time or the address must not slip past a freeze or a network block. */
export function denyApplies(rule: AccessRule, input: unknown): boolean {
  const action = field(input, "action");
  const resourceType = field(field(input, "resource"), "type");
  const subject = field(input, "subject");
  const env = field(input, "environment");
  if (typeof action === "string" && !(rule.actions.includes("*") || rule.actions.includes(action))) return false;
  if (typeof resourceType === "string" && !(rule.resources.includes("*") || rule.resources.includes(resourceType))) return false;
  for (const [allowed, given] of [[rule.subjects.roles, field(subject, "roles")], [rule.subjects.teams, field(subject, "teams")]] as const) {
    const values = stringArray(given);
    if (allowed !== null && values !== null && !values.some((v) => allowed.includes(v))) return false;
  }
  const id = field(subject, "id");
  if (rule.subjects.ids !== null && typeof id === "string" && !rule.subjects.ids.includes(id)) return false;
  if (rule.when.mfa && field(subject, "mfa") === false) return false;
  const ip = parseIp(field(env, "ip"));
  if (ip !== null && !networksHold(rule, ip)) return false;
  if (rule.when.schedule && parseRfc3339(field(env, "time")) !== null && !scheduleHolds(rule.when.schedule, field(env, "time"))) return false;
  const attrs = field(subject, "attributes");
  for (const [name, allowed] of rule.when.attributes) {
    const v = isObj(attrs) ? attrs[name] : undefined;
    const scalar = typeof v === "string" || typeof v === "number" || typeof v === "boolean";
    if (scalar && !allowed.some((a) => sameScalar(a, v))) return false;
  }
  return true;
}

function byteOrder(a: string, b: string): number {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return Buffer.compare(x, y);
}

/** Whether the request names a declared resource and an action that resource declares, spelled
 * exactly as declared. */
export function declaredRequest(access: Access, input: unknown): boolean {
  const action = field(input, "action");
  const resourceType = field(field(input, "resource"), "type");
  const resource = access.resources.find((r) => r.name === resourceType);
  return typeof action === "string" && resource !== undefined && resource.actions.includes(action);
}

export function evaluateAccess(access: Access, input: unknown): AccessDecision {
  const resourceType = field(field(input, "resource"), "type");
  const pii = access.resources.find((r) => r.name === resourceType)?.piiFields ?? [];
  const applying = access.rules.filter((r) => (r.effect === "deny" ? denyApplies(r, input) : ruleApplies(r, input)));
  const denies = applying.filter((r) => r.effect === "deny");
  if (denies.length > 0) return { allow: false, reasons: uniqueSorted(denies.map((r) => r.name)), maskedFields: [...pii] };
  const grants = declaredRequest(access, input) ? applying.filter((r) => r.effect === "allow") : [];
  if (grants.length > 0) {
    return { allow: true, reasons: uniqueSorted(grants.map((r) => r.name)), maskedFields: grants.some((r) => r.pii) ? [] : [...pii] };
  }
  return { allow: false, reasons: [], maskedFields: [...pii] };
}

function uniqueSorted(xs: string[]): string[] {
  return [...new Set(xs)].sort(byteOrder);
}

/** Deploy-gate reason text of a row: shared by the generated data and the evaluator. */
export function deployRowReason(row: DeployRule): string {
  const pct = row.minBudgetRemaining.mul(HUNDRED).toString();
  const what = row.allow === "any" ? "any change may deploy" : row.allow === "low-risk" ? "only low-risk changes may deploy" : "no deploys";
  return `error budget remaining >= ${pct}%: ${what}${row.emergencyHold ? ", emergency hold" : ""}`;
}

export const DEPLOY_INVALID_REASON = "invalid input: service must be a string, budgetRemaining a number, risk low or high";
export const DEPLOY_NO_ROW_REASON = "no deploy-policy row covers the remaining budget";

export function evaluateDeploy(policy: DeployRule[], input: unknown): DeployDecision {
  const service = field(input, "service");
  const budget = field(input, "budgetRemaining");
  const risk = field(input, "risk");
  if (typeof service !== "string" || typeof budget !== "number" || (risk !== "low" && risk !== "high")) {
    return { allow: false, hold: false, reason: DEPLOY_INVALID_REASON };
  }
  const rows = [...policy].sort((a, b) => b.minBudgetRemaining.cmp(a.minBudgetRemaining));
  const row = rows.find((r) => r.minBudgetRemaining.toNumber() <= budget);
  if (!row) return { allow: false, hold: false, reason: DEPLOY_NO_ROW_REASON };
  const allow = row.allow === "any" || (row.allow === "low-risk" && risk === "low");
  return { allow, hold: row.emergencyHold, reason: deployRowReason(row) };
}
