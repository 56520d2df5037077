/** `access`: the decisions that change. Both sides' policies are evaluated (the TypeScript
 * reference evaluator, which the test suite holds equal to OPA and to the wasm) on the union of
 * both sides' boundary cases, both sides' access tests and a seeded corpus drawn from the rules
 * of both; every request decided differently falls into a group (newly allowed by a rule, newly
 * denied, fields newly unmasked or masked, decided by other rules), and each group becomes one
 * change in words: what changed in the rules involved, and an example request. */
import { accessCases, deployCases } from "../access/cases.js";
import { randomRequests } from "../access/corpus.js";
import { type AccessDecision, evaluateAccess, evaluateDeploy } from "../access/evaluate.js";
import type { Access, AccessRule, DeployRule, Network, Organization } from "../model/model.js";
import { cidrContains, type Ip, parseCidr, parseIp } from "../util/ip.js";
import type { ServicePair } from "./match.js";
import { type Change, change, type Effect } from "./types.js";
import { and, arrow, byName, listDiff, or, plural, scheduleText, stable } from "./words.js";

/** Requests of the seeded corpus per service, on top of the boundary cases and tests. */
export const CORPUS_SIZE = 3000;
const SEED = 0x51a7;

/** The requests both sides are asked: tests first (people wrote them), then boundary cases, then
 * the corpus; each once, with its rank as an example (0 a test, 1 a boundary case, 2 random). */
export function requestsFor(b: Access, a: Access): { input: unknown; rank: number }[] {
  const merged: Access = {
    resources: byName(b.resources, a.resources).map(([x, y]) => ({ name: (x ?? y)!.name, actions: [...new Set([...(x?.actions ?? []), ...(y?.actions ?? [])])], piiFields: [...new Set([...(x?.piiFields ?? []), ...(y?.piiFields ?? [])])] })),
    rules: [...b.rules, ...a.rules],
    tests: [],
  };
  const all = [
    ...[...a.tests, ...b.tests].map((t) => ({ input: t.request as unknown, rank: 0 })),
    ...[...accessCases(a), ...accessCases(b)].map((c) => ({ input: c.input, rank: 1 })),
    ...randomRequests(merged, CORPUS_SIZE, SEED).map((input) => ({ input, rank: 2 })),
  ];
  const seen = new Set<string>();
  return all.filter((x) => {
    const k = stable(x.input);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Words of requests a reader would not send on purpose: the odd inputs of the corpus. */
const ODD = /\(no (action|resource)\)|not an IP address|without an address|without a time|a subject without roles|=\[|=null|=[0-9]|, no [a-z]/;

/** Lower is a clearer example: a test before a boundary case before a random request; a request
 * with every field well-formed; fewer words. */
function exampleRank(words: string, rank: number): number {
  return rank * 1e6 + (ODD.test(words) ? 1e5 : 0) + words.length;
}

interface Group {
  effect: Effect;
  /** How the summary starts: `newly allowed by x`. */
  head: string;
  /** Rule names whose changes explain the group. */
  rules: string[];
  count: number;
  /** The clearest request of the group (exampleRank), in words. */
  example: string;
  exampleRank: number;
}

export function accessChanges(p: ServicePair, baseOrg: Organization, headOrg: Organization): Change[] {
  const b = p.base?.access ?? null;
  const a = p.head?.access ?? null;
  const name = (p.head ?? p.base)!.name;
  if (!b && !a) return [];
  if (!b && a) return [change(name, "access", "neutral", `access policy added: ${plural(a.rules.length, "rule")}, default deny (decision path svcspec/services/${p.head!.id}/authz/decision)`, null, rulesText(a))];
  if (b && !a) return [change(name, "access", "weakens", `access policy removed: the decision path svcspec/services/${p.base!.id}/authz/decision answers nothing`, rulesText(b), null)];
  // Decisions depend on the resources and the rules (networks resolved) only: equal ones decide
  // every request alike, whatever the tests say.
  if (stable([b!.resources, b!.rules]) === stable([a!.resources, a!.rules])) return [];
  return decisionChanges(name, b!, a!, [...baseOrg.access.networks, ...headOrg.access.networks]);
}

function rulesText(a: Access): string {
  return a.rules.map((r) => `${r.name}: ${ruleText(r)}`).join("; ");
}

/** The two sides of one rule, by name, and what changed in it. */
interface RulePair {
  before: AccessRule | null;
  after: AccessRule | null;
  delta: string;
}

function decisionChanges(service: string, b: Access, a: Access, networks: readonly Network[]): Change[] {
  const inputs = requestsFor(b, a);
  const pairs = new Map(byName(b.rules, a.rules).map(([x, y]) => [(y ?? x)!.name, { before: x, after: y, delta: ruleDelta(x, y) } satisfies RulePair]));
  const groups = new Map<string, Group>();
  for (const { input, rank } of inputs) {
    const before = evaluateAccess(b, input);
    const after = evaluateAccess(a, input);
    if (stable(before) === stable(after)) continue;
    for (const g of classify(before, after, pairs)) {
      const involved = g.rules.flatMap((r) => [pairs.get(r)?.before, pairs.get(r)?.after]).filter((r): r is AccessRule => r != null);
      const words = requestWords(input, involved, networks);
      const score = exampleRank(words, rank);
      const key = `${g.effect}\u0000${g.head}`;
      const seen = groups.get(key);
      if (!seen) groups.set(key, { ...g, count: 1, example: words, exampleRank: score });
      else {
        seen.count++;
        if (score < seen.exampleRank) [seen.example, seen.exampleRank] = [words, score];
      }
    }
  }
  const out: Change[] = [];
  const explained = new Set<string>();
  const side = (names: readonly string[], pick: (r: RulePair) => AccessRule | null) => {
    const rules = names.map((n) => pairs.get(n)).map((r) => r && pick(r)).filter((r): r is AccessRule => r != null);
    return rules.length ? rules.map((r) => `${r.name}: ${ruleText(r)}`).join("; ") : null;
  };
  for (const g of groups.values()) {
    g.rules.forEach((r) => explained.add(r));
    const deltas = g.rules.filter((r) => pairs.get(r)?.delta);
    // One rule: its changes; several: each named.
    const why = deltas.length === 1 && g.rules.length === 1 ? pairs.get(deltas[0]!)!.delta : deltas.map((r) => `${r}: ${pairs.get(r)!.delta}`).join("; ");
    const summary = `${g.head}: ${why ? `${why}; ` : ""}e.g. ${g.example} (${g.count.toLocaleString("en-US")} of ${plural(inputs.length, "request")} checked)`;
    out.push(change(service, "access", g.effect, summary, side(g.rules, (r) => r.before), side(g.rules, (r) => r.after)));
  }
  // Rules that changed without changing a decision the requests reached (shadowed, or narrower
  // in a way no request tells apart) are still worth a line.
  for (const [n, r] of pairs) {
    if (!r.delta || explained.has(n)) continue;
    out.push(change(service, "access", "neutral", `${r.before && r.after ? `rule ${n}: ` : ""}${r.delta} (no decision changes on ${plural(inputs.length, "request")} checked)`, r.before && `${n}: ${ruleText(r.before)}`, r.after && `${n}: ${ruleText(r.after)}`));
  }
  for (const [rb, ra] of byName(b.resources, a.resources)) {
    const n = (ra ?? rb)!.name;
    const fields = listDiff(rb?.piiFields ?? [], ra?.piiFields ?? []);
    const actions = listDiff(rb?.actions ?? [], ra?.actions ?? []);
    const parts = [...listPhrases("PII fields", fields), ...listPhrases("actions", actions)];
    if (!rb || !ra || !parts.length) continue;
    if ([...fields.added, ...fields.removed].some((f) => out.some((c) => c.summary.includes(f)))) continue;
    out.push(change(service, "access", "neutral", `resource ${n}: ${parts.join(", ")}`, `${rb.actions.join(", ")}; PII ${rb.piiFields.join(", ") || "none"}`, `${ra.actions.join(", ")}; PII ${ra.piiFields.join(", ") || "none"}`));
  }
  return out;
}

type Found = Pick<Group, "effect" | "head" | "rules">;

/** Of the rules deciding a request, those that changed (the cause); all of them when none did
 * (another rule's removal, say, lets them decide now). */
function causes(names: readonly string[], pairs: ReadonlyMap<string, RulePair>): string[] {
  const changed = names.filter((n) => pairs.get(n)?.delta);
  return changed.length ? changed : [...names];
}

/** The groups one differing decision belongs to (two when fields are unmasked and masked at once). */
function classify(before: AccessDecision, after: AccessDecision, pairs: ReadonlyMap<string, RulePair>): Found[] {
  if (!before.allow && after.allow) {
    const grants = causes(after.reasons, pairs);
    const denied = before.reasons;
    return [{ effect: "weakens", head: `newly allowed by ${or(grants)}${denied.length ? ` (no longer denied by ${and(denied)})` : ""}`, rules: [...new Set([...grants, ...denied])] }];
  }
  if (before.allow && !after.allow) {
    if (after.reasons.length) {
      const denies = causes(after.reasons, pairs);
      return [{ effect: "strengthens", head: `newly denied by ${or(denies)}`, rules: denies }];
    }
    const lost = causes(before.reasons, pairs);
    return [{ effect: "strengthens", head: `newly denied: no longer granted by ${or(lost)}`, rules: lost }];
  }
  const found: Found[] = [];
  if (before.allow && after.allow) {
    const grants = causes(after.reasons, pairs);
    const unmasked = before.maskedFields.filter((f) => !after.maskedFields.includes(f));
    const masked = after.maskedFields.filter((f) => !before.maskedFields.includes(f));
    if (unmasked.length) found.push({ effect: "weakens", head: `${and(unmasked)} newly unmasked for requests granted by ${or(grants)}`, rules: grants });
    if (masked.length) found.push({ effect: "strengthens", head: `${and(masked)} newly masked for requests granted by ${or(grants)}`, rules: grants });
    if (found.length) return found;
  }
  // The same outcome, decided by other rules.
  const gained = after.reasons.filter((r) => !before.reasons.includes(r));
  const lost = before.reasons.filter((r) => !after.reasons.includes(r));
  const parts = [gained.length ? `now also by ${and(gained)}` : "", lost.length ? `no longer by ${and(lost)}` : ""].filter(Boolean);
  const outcome = after.allow ? "allowed" : "denied";
  if (!parts.length) return [{ effect: "neutral", head: `${outcome} as before, with other masked fields (${arrow(before.maskedFields.join(", ") || "none", after.maskedFields.join(", ") || "none")})`, rules: [] }];
  return [{ effect: "neutral", head: `${outcome} as before, ${parts.join(", ")}`, rules: [...gained, ...lost] }];
}

/** A rule in words: `allow read on orders, carts for roles engineer, sre and team payments, with
 * MFA, from corp-vpn (10.8.0.0/16), mon-fri 09:00-17:00 Europe/Berlin, clearance internal or
 * confidential, PII unmasked`. */
export function ruleText(r: AccessRule): string {
  const any = (xs: readonly string[], noun: string) => (xs.includes("*") ? `any ${noun}` : xs.join(", "));
  const who = subjectsText(r);
  const parts = [`${r.effect} ${any(r.actions, "action")} on ${any(r.resources, "resource")}${who ? ` for ${who}` : " for anyone"}`, ...conditions(r)];
  if (r.pii) parts.push("PII unmasked");
  return parts.join(", ");
}

function subjectsText(r: AccessRule): string {
  const s = r.subjects;
  const parts: string[] = [];
  if (s.roles) parts.push(`roles ${s.roles.join(", ")}`);
  if (s.teams) parts.push(`teams ${s.teams.join(", ")}`);
  if (s.ids) parts.push(`ids ${s.ids.join(", ")}`);
  return and(parts);
}

function networkText(n: Network): string {
  return `${n.name} (${n.cidrs.join(", ")})`;
}

function conditions(r: AccessRule): string[] {
  const out: string[] = [];
  if (r.when.mfa) out.push("with MFA");
  if (r.when.networks.length) out.push(`from ${or(r.when.networks.map(networkText))}`);
  if (r.when.schedule) out.push(scheduleText(r.when.schedule));
  for (const [k, v] of r.when.attributes) out.push(`${k} ${or(v.map(String))}`);
  return out;
}

function listPhrases(what: string, d: { added: string[]; removed: string[] }): string[] {
  const out: string[] = [];
  if (d.added.length) out.push(`${what} + ${d.added.join(", ")}`);
  if (d.removed.length) out.push(`${what} - ${d.removed.join(", ")}`);
  return out;
}

/** What changed in a rule, in words (`MFA no longer required, networks + office (...)`); "" when
 * nothing did. */
export function ruleDelta(b: AccessRule | null, a: AccessRule | null): string {
  if (!b && a) return `new ${a.effect} rule ${a.name}: ${ruleText(a)}`;
  if (b && !a) return `${b.effect} rule ${b.name} removed`;
  if (!b || !a) return "";
  const parts: string[] = [];
  if (b.effect !== a.effect) parts.push(`effect ${arrow(b.effect, a.effect)}`);
  for (const [what, x, y] of [["actions", b.actions, a.actions], ["resources", b.resources, a.resources]] as const) parts.push(...listPhrases(what, listDiff(x, y)));
  for (const [what, x, y] of [["roles", b.subjects.roles, a.subjects.roles], ["teams", b.subjects.teams, a.subjects.teams], ["ids", b.subjects.ids, a.subjects.ids]] as const) {
    if (x === null && y !== null) parts.push(`now only ${what} ${y.join(", ")}`);
    else if (x !== null && y === null) parts.push(`any ${what.slice(0, -1)} (no ${what} condition)`);
    else if (x && y) parts.push(...listPhrases(what, listDiff(x, y)));
  }
  if (b.when.mfa !== a.when.mfa) parts.push(a.when.mfa ? "MFA now required" : "MFA no longer required");
  const nb = b.when.networks.map(networkText);
  const na = a.when.networks.map(networkText);
  if (nb.join() !== na.join()) {
    if (!na.length) parts.push("from any network (no network condition)");
    else if (!nb.length) parts.push(`now only from ${or(na)}`);
    else parts.push(...listPhrases("networks", listDiff(nb, na)));
  }
  const sb = b.when.schedule ? scheduleText(b.when.schedule) : null;
  const sa = a.when.schedule ? scheduleText(a.when.schedule) : null;
  if (sb !== sa) parts.push(sa === null ? `schedule ${sb} removed (any time)` : sb === null ? `now only ${sa}` : `schedule ${arrow(sb, sa)}`);
  const ab = new Map(b.when.attributes.map(([k, v]) => [k, v.map(String)]));
  const aa = new Map(a.when.attributes.map(([k, v]) => [k, v.map(String)]));
  for (const k of [...new Set([...ab.keys(), ...aa.keys()])].sort()) {
    const x = ab.get(k);
    const y = aa.get(k);
    if (x && !y) parts.push(`attribute ${k} no longer required`);
    else if (!x && y) parts.push(`now only ${k} ${or(y)}`);
    else if (x && y) parts.push(...listPhrases(`${k} values`, listDiff(x, y)));
  }
  if (b.pii !== a.pii) parts.push(a.pii ? "PII fields now unmasked" : "PII fields now masked");
  return parts.join(", ");
}

function inBlock(cidr: string, ip: Ip): boolean {
  const p = parseCidr(cidr);
  return p.ok && cidrContains(p.cidr, ip);
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});

/** A request in words, mentioning the conditions the rules involved look at:
 * `engineer of team payments: read orders, without MFA, from 192.0.2.10 (office)`. */
export function requestWords(input: unknown, rules: readonly AccessRule[], networks: readonly Network[]): string {
  const x = obj(input);
  const s = obj(x["subject"]);
  const env = obj(x["environment"]);
  const roles = Array.isArray(s["roles"]) ? [...new Set((s["roles"] as unknown[]).map(String))] : [];
  const teams = Array.isArray(s["teams"]) ? [...new Set((s["teams"] as unknown[]).map(String))] : [];
  let who = roles.length ? roles.join("/") : "a subject without roles";
  if (teams.length) who += ` of team ${teams.join("/")}`;
  if (rules.some((r) => r.subjects.ids) && typeof s["id"] === "string") who += ` (id ${s["id"]})`;
  const action = typeof x["action"] === "string" ? x["action"] : "(no action)";
  const resource = typeof obj(x["resource"])["type"] === "string" ? (obj(x["resource"])["type"] as string) : "(no resource)";
  const parts = [`${who}: ${action} ${resource}`];
  if (rules.some((r) => r.when.mfa)) parts.push(s["mfa"] === true ? "with MFA" : "without MFA");
  if (rules.some((r) => r.when.networks.length)) {
    const ip = env["ip"];
    if (typeof ip !== "string") parts.push("without an address");
    else {
      const parsed = parseIp(ip);
      const named = parsed ? [...new Set(networks.filter((n) => n.cidrs.some((c) => inBlock(c, parsed))).map((n) => n.name))] : [];
      parts.push(`from ${ip}${!parsed ? " (not an IP address)" : named.length ? ` (${named.join(", ")})` : " (no named network)"}`);
    }
  }
  if (rules.some((r) => r.when.schedule)) parts.push(typeof env["time"] === "string" ? `at ${env["time"]}` : "without a time");
  const attrs = obj(s["attributes"]);
  for (const k of [...new Set(rules.flatMap((r) => r.when.attributes.map(([n]) => n)))].sort()) parts.push(k in attrs ? `${k}=${JSON.stringify(attrs[k])}` : `no ${k}`);
  return parts.join(", ");
}

/** The deploy gate: every budget at and around both sides' thresholds, both risks. */
export function deployChanges(b: DeployRule[], a: DeployRule[]): Change[] {
  const inputs = new Map<string, { service: string; budgetRemaining: number; risk: string }>();
  for (const c of [...deployCases(b), ...deployCases(a)]) {
    const x = c.input as { service?: unknown; budgetRemaining?: unknown; risk?: unknown };
    if (typeof x.budgetRemaining !== "number" || (x.risk !== "low" && x.risk !== "high")) continue;
    inputs.set(stable(x), { service: "any", budgetRemaining: x.budgetRemaining, risk: x.risk });
  }
  for (let i = 0; i <= 100; i++) for (const risk of ["low", "high"]) inputs.set(`${i}-${risk}`, { service: "any", budgetRemaining: i / 100, risk });
  const groups = new Map<string, { effect: Effect; risk: string; before: string; after: string; min: number; max: number }>();
  for (const x of inputs.values()) {
    const db = evaluateDeploy(b, x);
    const da = evaluateDeploy(a, x);
    if (db.allow === da.allow && db.hold === da.hold) continue;
    const effect: Effect = !db.allow && da.allow ? "weakens" : db.allow && !da.allow ? "strengthens" : da.hold ? "strengthens" : "weakens";
    const key = `${x.risk}\u0000${db.reason}\u0000${da.reason}`;
    const g = groups.get(key) ?? { effect, risk: x.risk, before: db.reason, after: da.reason, min: x.budgetRemaining, max: x.budgetRemaining };
    g.min = Math.min(g.min, x.budgetRemaining);
    g.max = Math.max(g.max, x.budgetRemaining);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => {
    const range = g.min === g.max ? pctNumber(g.min) : `${pctNumber(g.min)} to ${pctNumber(g.max)}`;
    const verb = g.effect === "weakens" ? "newly allowed" : "newly held back";
    return change(null, "access", g.effect, `deploy gate: ${g.risk}-risk deploys with ${range} of the error budget left ${verb}: ${arrow(`"${g.before}"`, `"${g.after}"`)}`, g.before, g.after);
  });
}

function pctNumber(x: number): string {
  return `${Number((x * 100).toFixed(4))}%`;
}

