/** Random pairs of valid specs for the plan's property tests: an Organization and one service
 * with random access rules (every condition the language has), and the same spec after one to
 * three random edits of the kinds reviews see (MFA, networks, schedules, roles, attributes, PII,
 * effects, rules and PII fields added or removed, a network's blocks). Both sides compile. */
import jsyaml from "js-yaml";
import { accessCases } from "../../src/access/cases.js";
import { randomRequests } from "../../src/access/corpus.js";
import type { AccessDecision } from "../../src/access/evaluate.js";
import { compile } from "../../src/compile.js";
import type { SourceFile } from "../../src/load/source.js";
import type { Access } from "../../src/model/model.js";
import type { Plan, Side } from "../../src/plan/index.js";

type Rnd = () => number;
type Obj = Record<string, unknown>;

export interface AccessPair {
  service: string;
  before: Access;
  after: Access;
  baseSide: Side;
  headSide: Side;
  edits: string[];
}

const ROLES = ["viewer", "engineer", "sre", "admin", "auditor"];
const TEAMS = ["payments", "platform", "catalog"];
const RESOURCES: { name: string; actions: string[]; piiFields: string[] }[] = [
  { name: "orders", actions: ["read", "write", "refund"], piiFields: ["customer.email", "customer.phone"] },
  { name: "carts", actions: ["read", "write"], piiFields: [] },
  { name: "reports", actions: ["read", "export"], piiFields: ["owner.email"] },
];
const NETWORKS: Record<string, string[]> = { "corp-vpn": ["10.8.0.0/16", "fd00:8::/32"], office: ["192.0.2.0/24"], "ci-runners": ["10.8.200.0/24"], home: ["198.51.100.0/25"] };
const ZONES = ["Europe/Berlin", "America/New_York", "UTC"];
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const ATTRIBUTES: Record<string, (string | number | boolean)[]> = { clearance: ["internal", "confidential", "public"], approver: [true, false], level: [1, 2, 3] };

function pick<T>(rnd: Rnd, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)]!;
}
function some<T>(rnd: Rnd, xs: readonly T[], min = 1): T[] {
  const out = xs.filter(() => rnd() < 0.5);
  while (out.length < min) {
    const x = pick(rnd, xs);
    if (!out.includes(x)) out.push(x);
  }
  return xs.filter((x) => out.includes(x));
}
const clock = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;

function schedule(rnd: Rnd): Obj {
  const from = Math.floor(rnd() * 16) * 60 + pick(rnd, [0, 30]);
  const to = Math.min(1440, from + 60 * (1 + Math.floor(rnd() * 10)));
  return { timezone: pick(rnd, ZONES), days: some(rnd, DAYS), from: clock(from), to: clock(to) };
}

function randomRule(rnd: Rnd, name: string): Obj {
  const effect = rnd() < 0.8 ? "allow" : "deny";
  const resources = rnd() < 0.15 ? ["*"] : some(rnd, RESOURCES.map((r) => r.name));
  const declared = [...new Set(RESOURCES.filter((r) => resources.includes("*") || resources.includes(r.name)).flatMap((r) => r.actions))];
  const actions = rnd() < 0.15 ? ["*"] : some(rnd, declared);
  const subjects: Obj = {};
  if (rnd() < 0.7) subjects["roles"] = some(rnd, ROLES);
  if (rnd() < 0.3) subjects["teams"] = some(rnd, TEAMS);
  if (rnd() < 0.1) subjects["ids"] = ["u-1", "u-incident"].slice(0, 1 + Math.floor(rnd() * 2));
  const when: Obj = {};
  if (rnd() < 0.5) when["mfa"] = true;
  if (rnd() < 0.5) when["networks"] = some(rnd, Object.keys(NETWORKS));
  if (rnd() < 0.3) when["schedule"] = schedule(rnd);
  if (rnd() < 0.3) {
    const k = pick(rnd, Object.keys(ATTRIBUTES));
    when["attributes"] = { [k]: some(rnd, ATTRIBUTES[k]!) };
  }
  const rule: Obj = { name, effect, actions, resources };
  if (Object.keys(subjects).length) rule["subjects"] = subjects;
  if (Object.keys(when).length) rule["when"] = when;
  if (effect === "allow" && rnd() < 0.3) rule["pii"] = true;
  return rule;
}

function randomSpec(rnd: Rnd): { networks: Record<string, string[]>; access: Obj } {
  const names = ["alpha", "bravo", "charlie", "delta", "echo"].slice(0, 2 + Math.floor(rnd() * 3));
  return {
    networks: structuredClone(NETWORKS),
    access: { resources: structuredClone(RESOURCES).map((r) => (r.piiFields.length ? r : { name: r.name, actions: r.actions })), rules: names.map((n) => randomRule(rnd, n)) },
  };
}

type Spec = ReturnType<typeof randomSpec>;
const EDITS: [string, (rnd: Rnd, s: Spec) => string | null][] = [
  ["mfa", (rnd, s) => onRule(rnd, s, (r, when) => ((when["mfa"] = !when["mfa"]), `${r["name"]}: mfa ${when["mfa"]}`))],
  ["networks", (rnd, s) => onRule(rnd, s, (r, when) => {
    const now = rnd() < 0.3 ? undefined : some(rnd, Object.keys(NETWORKS));
    when["networks"] = now;
    return `${r["name"]}: networks ${now?.join(",") ?? "none"}`;
  })],
  ["schedule", (rnd, s) => onRule(rnd, s, (r, when) => ((when["schedule"] = rnd() < 0.3 ? undefined : schedule(rnd)), `${r["name"]}: schedule ${JSON.stringify(when["schedule"] ?? null)}`))],
  ["roles", (rnd, s) => onRule(rnd, s, (r) => {
    const subjects = ((r["subjects"] as Obj | undefined) ?? {}) as Obj;
    subjects["roles"] = rnd() < 0.25 ? undefined : some(rnd, ROLES);
    r["subjects"] = subjects;
    return `${r["name"]}: roles ${JSON.stringify(subjects["roles"] ?? null)}`;
  })],
  ["attributes", (rnd, s) => onRule(rnd, s, (r, when) => {
    const k = pick(rnd, Object.keys(ATTRIBUTES));
    when["attributes"] = rnd() < 0.3 ? undefined : { [k]: some(rnd, ATTRIBUTES[k]!) };
    return `${r["name"]}: attributes ${JSON.stringify(when["attributes"] ?? null)}`;
  })],
  ["pii", (rnd, s) => onRule(rnd, s, (r) => {
    if (r["effect"] !== "allow") return null;
    r["pii"] = !r["pii"];
    return `${r["name"]}: pii ${r["pii"]}`;
  })],
  ["effect", (rnd, s) => onRule(rnd, s, (r) => {
    r["effect"] = r["effect"] === "allow" ? "deny" : "allow";
    delete r["pii"];
    return `${r["name"]}: effect ${r["effect"]}`;
  })],
  ["rule added", (rnd, s) => {
    const rules = s.access["rules"] as Obj[];
    const name = ["foxtrot", "golf", "hotel"].find((n) => !rules.some((r) => r["name"] === n));
    if (!name) return null;
    rules.push(randomRule(rnd, name));
    return `rule ${name} added`;
  }],
  ["rule removed", (rnd, s) => {
    const rules = s.access["rules"] as Obj[];
    if (rules.length < 2) return null;
    const [r] = rules.splice(Math.floor(rnd() * rules.length), 1);
    return `rule ${r!["name"]} removed`;
  }],
  ["pii field", (rnd, s) => {
    const r = pick(rnd, s.access["resources"] as Obj[]);
    const fields = (r["piiFields"] as string[] | undefined) ?? [];
    r["piiFields"] = fields.length && rnd() < 0.5 ? fields.slice(1) : [...fields, "payment.card"].filter((f, i, a) => a.indexOf(f) === i);
    if (!(r["piiFields"] as string[]).length) delete r["piiFields"];
    return `resource ${r["name"]}: piiFields ${JSON.stringify(r["piiFields"] ?? [])}`;
  }],
  ["network blocks", (rnd, s) => {
    const n = pick(rnd, Object.keys(s.networks));
    s.networks[n] = rnd() < 0.5 ? [...s.networks[n]!, "203.0.113.0/26"] : [pick(rnd, ["10.9.0.0/16", "192.0.2.128/25", "198.51.100.0/24"])];
    return `network ${n}: ${s.networks[n]!.join(",")}`;
  }],
];

function onRule(rnd: Rnd, s: Spec, edit: (rule: Obj, when: Obj) => string | null): string | null {
  const rule = pick(rnd, s.access["rules"] as Obj[]);
  const when = ((rule["when"] as Obj | undefined) ?? {}) as Obj;
  const done = edit(rule, when);
  for (const k of Object.keys(when)) if (when[k] === undefined) delete when[k];
  if (Object.keys(when).length) rule["when"] = when;
  else delete rule["when"];
  const subjects = rule["subjects"] as Obj | undefined;
  if (subjects) {
    for (const k of Object.keys(subjects)) if (subjects[k] === undefined) delete subjects[k];
    if (!Object.keys(subjects).length) delete rule["subjects"];
  }
  return done;
}

export const PAIR_SERVICE = "svc";

export function sourcesOf(s: Spec): SourceFile[] {
  const org = { apiVersion: "svcspec/v1", kind: "Organization", metadata: { name: "pairs" }, spec: { teams: { payments: {} }, access: { roles: ROLES, networks: s.networks } } };
  const svc = { apiVersion: "svcspec/v1", kind: "Service", metadata: { name: PAIR_SERVICE, team: "payments" }, spec: { tier: "best-effort", access: s.access } };
  return [
    { path: "spec/organization.yaml", name: "spec/organization.yaml", text: jsyaml.dump(org) },
    { path: "spec/services/svc.yaml", name: "spec/services/svc.yaml", text: jsyaml.dump(svc) },
  ];
}

function sideOf(sources: SourceFile[]): Side | null {
  const r = compile(sources);
  return r.model && r.files ? { model: r.model, files: r.files } : null;
}

export function randomAccessPair(rnd: Rnd): AccessPair {
  for (let attempt = 0; attempt < 100; attempt++) {
    const spec = randomSpec(rnd);
    const head = structuredClone(spec);
    const edits: string[] = [];
    const n = 1 + Math.floor(rnd() * 3);
    for (let i = 0; i < n * 3 && edits.length < n; i++) {
      const done = pick(rnd, EDITS)[1](rnd, head);
      if (done) edits.push(done);
    }
    const baseSide = sideOf(sourcesOf(spec));
    const headSide = sideOf(sourcesOf(head));
    // An edit the language refuses (an action no resource declares any more): draw again.
    if (!baseSide || !headSide) continue;
    const access = (s: Side) => s.model.services[0]!.access!;
    return { service: PAIR_SERVICE, before: access(baseSide), after: access(headSide), baseSide, headSide, edits };
  }
  throw new Error("no valid pair in 100 draws: the generator makes invalid specs");
}

/** Does the plan of a pair account for the difference between `before` and `after` of a request? */
export function explains(p: Plan, service: string, before: AccessDecision, after: AccessDecision): boolean {
  const changes = p.changes.filter((c) => c.service === service && c.area === "access");
  const names = (c: { summary: string }, rules: readonly string[]) => rules.some((r) => new RegExp(`(^|[ (,])${r}[:;,) ]`).test(c.summary));
  if (!before.allow && after.allow) return changes.some((c) => c.effect === "weakens" && c.summary.startsWith("newly allowed by") && names(c, after.reasons));
  if (before.allow && !after.allow) return changes.some((c) => c.effect === "strengthens" && c.summary.startsWith("newly denied") && names(c, [...after.reasons, ...before.reasons]));
  const unmasked = before.maskedFields.filter((f) => !after.maskedFields.includes(f));
  const masked = after.maskedFields.filter((f) => !before.maskedFields.includes(f));
  if (before.allow && (unmasked.length || masked.length)) {
    return (
      (!unmasked.length || changes.some((c) => c.effect === "weakens" && unmasked.every((f) => c.summary.includes(f)) && c.summary.includes("newly unmasked"))) &&
      (!masked.length || changes.some((c) => c.effect === "strengthens" && masked.every((f) => c.summary.includes(f)) && c.summary.includes("newly masked")))
    );
  }
  const differ = [...before.reasons.filter((r) => !after.reasons.includes(r)), ...after.reasons.filter((r) => !before.reasons.includes(r))];
  return changes.some((c) => c.effect === "neutral" && (differ.length ? names(c, differ) : c.summary.includes("masked fields")));
}

/** Requests the plan never saw: another seed of the corpus, plus both sides' boundary cases. */
export function sampledRequests(pair: AccessPair, seed: number, n = 400): unknown[] {
  return [...accessCases(pair.before).map((c) => c.input), ...accessCases(pair.after).map((c) => c.input), ...randomRequests({ ...pair.after, rules: [...pair.before.rules, ...pair.after.rules] }, n, seed)];
}
