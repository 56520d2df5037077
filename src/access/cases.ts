/** Boundary cases derived from each rule: a minute either side of each schedule edge, each
 * network's first, last and next-outside addresses (also in IPv4-mapped form), MFA missing, false
 * or a string, attributes missing or of the wrong type; and the deploy gate at each threshold and
 * its neighbours; the action and resource type spelled as the service does not declare them (upper
 * case, `*`), alone and on a request that meets a deny rule and an allow rule at once, where such a
 * spelling must not turn the deny into the allow. Expectations come from the TypeScript reference
 * evaluator. The OPA generator
 * writes them as Rego tests; `svcspec verify` runs the deploy cases through the wasm. */
import type { Access, AccessRequest, AccessRule, DeployRule, Schedule } from "../model/model.js";
import { regoTerm } from "../render/rego.js";
import { formatIp, parseCidr } from "../util/ip.js";
import { evaluateAccess, evaluateDeploy, type AccessDecision, type DeployDecision } from "./evaluate.js";
import { instantAt, rfc3339 } from "./time.js";

export interface Case<D> {
  name: string;
  input: unknown;
  /** The input as the test files write it: regoTerm(input, true). Cases are told apart by it. */
  inputTerm: string;
  expect: D;
}

const WEEK_OF = { y: 2026, m: 11, d: 23 }; // a Monday
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

function scheduleInstant(s: Schedule, day: string, minute: number): string {
  const offset = DAYS.indexOf(day);
  return rfc3339(instantAt(s.timezone, WEEK_OF.y, WEEK_OF.m, WEEK_OF.d + offset, minute));
}

function baseRequest(access: Access, rule: AccessRule): AccessRequest {
  const resource = rule.resources[0] !== "*" ? (rule.resources[0] ?? "") : (access.resources[0]?.name ?? "");
  const actions = access.resources.find((r) => r.name === resource)?.actions ?? [];
  const action = rule.actions[0] !== "*" ? (rule.actions[0] ?? "") : (actions[0] ?? "read");
  const firstCidr = rule.when.networks[0]?.cidrs[0];
  const parsed = firstCidr ? parseCidr(firstCidr) : null;
  const ip = parsed?.ok ? formatIp({ family: parsed.cidr.family, value: parsed.cidr.base + 1n }) : "203.0.113.10";
  const s = rule.when.schedule;
  const time = s ? scheduleInstant(s, s.days[0] ?? "mon", Math.floor((s.from + s.to) / 2)) : "2026-11-25T12:00:00Z";
  return {
    subject: {
      id: rule.subjects.ids?.[0] ?? "u-boundary",
      roles: rule.subjects.roles ? [rule.subjects.roles[0] ?? ""] : [],
      teams: rule.subjects.teams ? [rule.subjects.teams[0] ?? ""] : [],
      mfa: true,
      attributes: Object.fromEntries(rule.when.attributes.map(([k, v]) => [k, v[0]])),
    },
    action,
    resource: { type: resource },
    environment: { ip, time },
  };
}

function withEnv(r: AccessRequest, env: Partial<{ ip: unknown; time: unknown }>): AccessRequest {
  return { ...r, environment: { ...r.environment, ...env } };
}

function withSubject(r: AccessRequest, change: (s: Record<string, unknown>) => void): AccessRequest {
  const subject: Record<string, unknown> = { ...r.subject, attributes: { ...r.subject.attributes } };
  change(subject);
  return { ...r, subject: subject as AccessRequest["subject"] };
}

function hhmm(minute: number): string {
  const m = ((minute % 1440) + 1440) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}

export function accessCases(access: Access): Case<AccessDecision>[] {
  const out: Case<AccessDecision>[] = [];
  const seen = new Set<string>();
  const add = (name: string, input: AccessRequest) => {
    const inputTerm = regoTerm(input, true);
    if (seen.has(inputTerm)) return;
    seen.add(inputTerm);
    out.push({ name, input, inputTerm, expect: evaluateAccess(access, input) });
  };
  for (const rule of access.rules) {
    const base = baseRequest(access, rule);
    add(`${rule.name}: every condition met`, base);
    for (const [what, r] of respelt(base)) add(`${rule.name}: ${what}`, r);
    const s = rule.when.schedule;
    if (s) {
      for (const day of s.days) {
        for (const [edge, minute] of [
          ["from", s.from],
          ["to", s.to],
        ] as const) {
          for (const delta of [-1, 0]) {
            add(`${rule.name}: ${day} ${hhmm(minute + delta)} local (${delta < 0 ? "a minute before" : "at"} ${edge})`, withEnv(base, { time: scheduleInstant(s, day, minute + delta) }));
          }
          add(`${rule.name}: ${day} ${hhmm(minute + 1)} local (a minute after ${edge})`, withEnv(base, { time: scheduleInstant(s, day, minute + 1) }));
        }
      }
      add(`${rule.name}: time missing`, withEnv(base, { time: undefined }));
      add(`${rule.name}: time not RFC 3339`, withEnv(base, { time: "yesterday" }));
    }
    for (const network of rule.when.networks) {
      for (const cidr of network.cidrs) {
        const parsed = parseCidr(cidr);
        if (!parsed.ok) continue;
        const { family, base: first, prefix } = parsed.cidr;
        const size = 1n << BigInt((family === 4 ? 32 : 128) - prefix);
        const last = first + size - 1n;
        const max = family === 4 ? 0xffffffffn : (1n << 128n) - 1n;
        const addrs: [string, bigint][] = [
          ["first address", first],
          ["last address", last],
        ];
        if (last < max) addrs.push(["next address outside", last + 1n]);
        if (first > 0n) addrs.push(["address before", first - 1n]);
        for (const [what, value] of addrs) {
          const ip = formatIp({ family, value });
          add(`${rule.name}: ${network.name} ${cidr} ${what} ${ip}`, withEnv(base, { ip }));
          if (family === 4) {
            // Both spellings of the IPv4-mapped address: dotted, and the hex groups wasm and Go read differently.
            const hex = formatIp({ family: 6, value: (0xffffn << 32n) | value });
            add(`${rule.name}: ${network.name} ${cidr} ${what} ::ffff:${ip}`, withEnv(base, { ip: `::ffff:${ip}` }));
            add(`${rule.name}: ${network.name} ${cidr} ${what} ${hex}`, withEnv(base, { ip: hex }));
          }
        }
      }
      add(`${rule.name}: address missing`, withEnv(base, { ip: undefined }));
      add(`${rule.name}: address not an IP`, withEnv(base, { ip: "10.8.0" }));
      const block = rule.when.networks[0]?.cidrs[0];
      if (block) add(`${rule.name}: a CIDR block where the address belongs`, withEnv(base, { ip: block }));
    }
    if (rule.when.mfa) {
      add(`${rule.name}: mfa missing`, withSubject(base, (x) => delete x["mfa"]));
      add(`${rule.name}: mfa false`, withSubject(base, (x) => (x["mfa"] = false)));
      add(`${rule.name}: mfa the string "true"`, withSubject(base, (x) => (x["mfa"] = "true")));
    }
    for (const [name, values] of rule.when.attributes) {
      const v = values[0];
      add(`${rule.name}: attribute ${name} missing`, withSubject(base, (x) => delete (x["attributes"] as Record<string, unknown>)[name]));
      const wrong = typeof v === "string" ? [v] : String(v);
      add(`${rule.name}: attribute ${name} of the wrong type`, withSubject(base, (x) => ((x["attributes"] as Record<string, unknown>)[name] = wrong)));
    }
    if (rule.subjects.roles) add(`${rule.name}: roles a string`, withSubject(base, (x) => (x["roles"] = rule.subjects.roles?.[0])));
    if (rule.subjects.teams) add(`${rule.name}: teams missing`, withSubject(base, (x) => delete x["teams"]));
  }
  for (const deny of access.rules.filter((r) => r.effect === "deny")) {
    const d = baseRequest(access, deny);
    for (const allow of access.rules.filter((r) => r.effect === "allow")) {
      const both: AccessRequest = { ...baseRequest(access, allow), action: d.action, resource: d.resource, environment: d.environment };
      add(`${deny.name} and ${allow.name} both met`, both);
      for (const [what, r] of respelt(both)) add(`${deny.name} and ${allow.name} both met, ${what}`, r);
    }
  }
  return out;
}

/** The request with its action or its resource type spelled as no service declares it. */
function respelt(r: AccessRequest): [string, AccessRequest][] {
  const out: [string, AccessRequest][] = [];
  const upper = r.action.toUpperCase();
  if (upper !== r.action) out.push([`action ${upper}`, { ...r, action: upper }]);
  out.push(['action "*"', { ...r, action: "*" }]);
  const type = r.resource.type.toUpperCase();
  if (type !== r.resource.type) out.push([`resource type ${type}`, { ...r, resource: { ...r.resource, type } }]);
  out.push(['resource type "*"', { ...r, resource: { ...r.resource, type: "*" } }]);
  return out;
}

export function deployCases(policy: DeployRule[]): Case<DeployDecision>[] {
  const out: Case<DeployDecision>[] = [];
  const seen = new Set<string>();
  const add = (name: string, input: Record<string, unknown>) => {
    const inputTerm = regoTerm(input, true);
    if (seen.has(inputTerm)) return;
    seen.add(inputTerm);
    out.push({ name, input, inputTerm, expect: evaluateDeploy(policy, input) });
  };
  const budgets = new Set<number>([1]);
  for (const row of policy) {
    const t = row.minBudgetRemaining.toNumber();
    for (const b of [t - 0.0001, t, t + 0.0001]) budgets.add(Number(b.toFixed(6)));
  }
  for (const b of [...budgets].sort((x, y) => y - x)) {
    for (const risk of ["low", "high"]) add(`budget ${b}, ${risk} risk`, { service: "checkout", budgetRemaining: b, risk });
  }
  add("budget given as a string", { service: "checkout", budgetRemaining: "0.9", risk: "low" });
  add("budget missing", { service: "checkout", risk: "low" });
  add("risk unknown", { service: "checkout", budgetRemaining: 0.9, risk: "medium" });
  add("service missing", { budgetRemaining: 0.9, risk: "low" });
  return out;
}
