/** The view model of docs/<service>.md: plain data the templates lay out. Every figure is computed
 * here from the Model's exact arithmetic; templates only place and format it (helpers.ts). Every
 * key is always present (null or [] when absent) so that strict mode catches a misspelt field.
 * docs/docs-templates.md documents these fields for organisations that override the templates. */
import { Ratio } from "../../src/model/decimal.js";
import type { Millis } from "../../src/model/duration.js";
import { msToSeconds } from "../../src/model/duration.js";
import type { AccessRule, PlatformNamespaces, Service, Sli, Slo } from "../../src/model/model.js";
import { dashboardPath, dashboardUid, hasDashboard, HMAC_ENV, HMAC_SECRET_KEY, HMAC_SECRET_NAME, hmacSecretCommands, LUA_SCRIPT } from "../../src/model/platform.js";
import { DETECTOR_TOKENS, type DetectorId } from "../../src/model/pii-catalogue.js";

export interface ServiceView {
  name: string;
  description: string | null;
  team: string;
  tier: { name: string; objective: Ratio; page: boolean; ticket: boolean };
  namespace: string;
  /** Pod labels of the workload as `key=value`, sorted by key. */
  workload: string[];
  runbook: string | null;
  /** The service's Grafana dashboard: its file under out/ and its uid; null without SLOs or a cache objective. */
  dashboard: { file: string; uid: string } | null;
  slos: SloView[];
  cache: CacheView | null;
  pii: PiiView;
  access: AccessView | null;
  load: LoadView[];
  chaos: ChaosView[];
}

export interface SloView {
  name: string;
  description: string | null;
  objective: Ratio;
  window: Millis;
  /** Exactly one of the three is set: the SLI's kind. */
  sli: { ratio: CounterSliView | null; latency: LatencySliView | null; query: QuerySliView | null };
  budget: Ratio;
  /** Minutes of total outage the budget allows per window. */
  budgetMinutes: Ratio;
  alerting: { page: boolean; ticket: boolean; minEvents: number | null; noData: "page" | "ticket" | null; labels: string[] };
  alerts: AlertView[];
}

/** `numerator` says whether `expr` counts the errors or the good events. */
export interface CounterSliView {
  numerator: "errors" | "good";
  expr: string;
  total: string;
  groupBy: string[];
}
export interface LatencySliView {
  /** The histogram's name with its selector. */
  histogram: string;
  thresholdText: string;
  /** The threshold in seconds: the `le` bucket. */
  threshold: Ratio;
}
export type QuerySliView = Omit<CounterSliView, "groupBy">;

export interface AlertView {
  severity: "page" | "ticket";
  budgetConsumed: Ratio;
  factor: Ratio;
  long: Millis;
  short: Millis;
  for: Millis;
  threshold: Ratio;
  canFire: boolean;
  detectionSeconds: Ratio;
  exhaustionSeconds: Ratio;
}

export interface CacheView {
  /** `ttl` 0: never cached. */
  routes: { path: string; class: string | null; ttl: Millis; cacheControl: string }[];
  classes: { name: string; ttl: Millis; staleWhileRevalidate: Millis | null }[];
  invalidateOn: string[];
  hitRatio: { objective: Ratio; hits: string; misses: string } | null;
}

export interface PiiView {
  script: string;
  detectors: { id: string; fromService: boolean; token: string }[];
  /** Key names whose values are secrets at any depth, and their token. */
  sensitiveKeys: string[];
  secretToken: string;
  fields: { path: string; action: string; actionText: string }[];
  patterns: { name: string; match: string; replace: string }[];
  /** Set when a field is hashed: where the HMAC key comes from. */
  hmac: { env: string; secret: string; key: string; namespace: string; commands: string[] } | null;
}

export interface AccessView {
  resources: { name: string; actions: string[]; piiFields: string[] }[];
  rules: RuleView[];
  testCount: number;
}

export interface RuleView {
  name: string;
  description: string | null;
  effect: "allow" | "deny";
  allow: boolean;
  /** Null when the rule covers every action (resource): `*` in the spec. */
  actions: string[] | null;
  resources: string[] | null;
  /** The subject conditions that are set, in the order role, team, id. */
  subjects: { kind: "role" | "team" | "id"; names: string[] }[];
  mfa: boolean;
  networks: { name: string; cidrs: string[] }[];
  schedule: { days: string[]; from: string; to: string; timezone: string } | null;
  attributes: { name: string; values: string[] }[];
  pii: boolean;
}

export interface LoadView {
  name: string;
  description: string | null;
  /** Exactly one of the two is set. */
  stages: { count: number; maxTarget: number; total: Millis } | null;
  arrivalRate: { rate: number; per: Millis; duration: Millis; preAllocatedVUs: number; maxVUs: number } | null;
  requestCount: number;
  parallelism: number;
}

export interface ChaosView {
  name: string;
  description: string | null;
  fault: string;
  mode: string;
  value: string | null;
  duration: Millis;
  schedule: string | null;
  underLoad: string | null;
}

export function serviceView(s: Service, namespaces: PlatformNamespaces): ServiceView {
  return {
    name: s.name,
    description: s.description,
    team: s.team,
    tier: { name: s.tier.name, objective: s.tier.objective, page: s.tier.page, ticket: s.tier.ticket },
    namespace: s.namespace,
    workload: s.selector.map(([k, v]) => `${k}=${v}`),
    runbook: s.runbook,
    dashboard: hasDashboard(s) ? { file: dashboardPath(s.name), uid: dashboardUid(s.name) } : null,
    slos: s.slos.map(sloView),
    cache: cacheView(s),
    pii: piiView(s, namespaces.logging),
    access: accessView(s),
    load: s.load.map(loadView),
    chaos: s.chaos.map((x) => ({ name: x.name, description: x.description, fault: x.fault, mode: x.mode, value: x.value, duration: x.duration, schedule: x.schedule, underLoad: x.underLoad })),
  };
}

function sloView(slo: Slo): SloView {
  const windowMinutes = msToSeconds(slo.window).div(Ratio.of(60));
  const a = slo.alerting;
  return {
    name: slo.name,
    description: slo.description,
    objective: slo.objective,
    window: slo.window,
    sli: sliView(slo.sli),
    budget: slo.budget,
    budgetMinutes: slo.budget.mul(windowMinutes),
    alerting: { page: a.page, ticket: a.ticket, minEvents: a.minEvents, noData: a.noData === "none" ? null : a.noData, labels: a.labels.map(([k, v]) => `${k}=${v}`) },
    alerts: slo.alerts.map((x) => ({
      severity: x.severity,
      budgetConsumed: x.budgetConsumed,
      factor: x.factor,
      long: x.long,
      short: x.short,
      for: x.for,
      threshold: x.threshold,
      canFire: x.canFire,
      detectionSeconds: x.detectionSeconds,
      exhaustionSeconds: x.exhaustionSeconds,
    })),
  };
}

function sliView(sli: Sli): SloView["sli"] {
  const none = { ratio: null, latency: null, query: null };
  switch (sli.kind) {
    case "ratio":
      return { ...none, ratio: { ...numerator(sli), total: sli.total, groupBy: sli.groupBy } };
    case "latency":
      return { ...none, latency: { histogram: sli.histogram + sli.selector, thresholdText: sli.thresholdText, threshold: sli.threshold } };
    case "query":
      return { ...none, query: { ...numerator(sli), total: sli.total } };
    default:
      return unknownKind(sli);
  }
}

/** A new SLI kind does not compile until the docs describe it. */
function unknownKind(sli: never): never {
  throw new Error(`internal: docs have no text for SLI ${JSON.stringify(sli)}`);
}

function numerator(sli: { errors: string | null; good: string | null }): Pick<CounterSliView, "numerator" | "expr"> {
  return sli.errors !== null ? { numerator: "errors", expr: sli.errors } : { numerator: "good", expr: sli.good ?? "" };
}

function cacheView(s: Service): CacheView | null {
  const c = s.cache;
  if (!c) return null;
  return {
    routes: c.routes.map((r) => ({ path: r.path, class: r.class, ttl: r.ttl, cacheControl: r.cacheControl })),
    classes: c.classes.map((k) => ({ name: k.name, ttl: k.ttl, staleWhileRevalidate: k.staleWhileRevalidate })),
    invalidateOn: c.invalidateOn,
    hitRatio: c.hitRatio && { objective: c.hitRatio.objective, hits: c.hitRatio.hits, misses: c.hitRatio.misses },
  };
}

const ACTION_TEXT = { hash: "keyed HMAC-SHA256 hash", last4: "all but the last 4 characters masked", drop: "removed", mask: "fully masked" } as const;

function piiView(s: Service, namespace: string): PiiView {
  const p = s.pii;
  const hashed = p.fields.some((f) => f.action === "hash");
  return {
    script: LUA_SCRIPT,
    detectors: p.detectors.map((d) => ({ id: d, fromService: p.added.includes(d), token: DETECTOR_TOKENS[d as DetectorId] })),
    sensitiveKeys: p.sensitiveKeys,
    secretToken: DETECTOR_TOKENS.secret_kv,
    fields: p.fields.map((f) => ({ path: f.path, action: f.action, actionText: ACTION_TEXT[f.action] })),
    patterns: p.patterns.map((x) => ({ name: x.name, match: x.match, replace: x.replace })),
    hmac: hashed ? { env: HMAC_ENV, secret: HMAC_SECRET_NAME, key: HMAC_SECRET_KEY, namespace, commands: hmacSecretCommands(namespace) } : null,
  };
}

function accessView(s: Service): AccessView | null {
  const a = s.access;
  if (!a) return null;
  return {
    resources: a.resources.map((r) => ({ name: r.name, actions: r.actions, piiFields: r.piiFields })),
    rules: a.rules.map(ruleView),
    testCount: a.tests.length,
  };
}

function ruleView(r: AccessRule): RuleView {
  const subjects: RuleView["subjects"] = [];
  if (r.subjects.roles) subjects.push({ kind: "role", names: r.subjects.roles });
  if (r.subjects.teams) subjects.push({ kind: "team", names: r.subjects.teams });
  if (r.subjects.ids) subjects.push({ kind: "id", names: r.subjects.ids });
  const s = r.when.schedule;
  return {
    name: r.name,
    description: r.description,
    effect: r.effect,
    allow: r.effect === "allow",
    actions: unlessWildcard(r.actions),
    resources: unlessWildcard(r.resources),
    subjects,
    mfa: r.when.mfa,
    networks: r.when.networks.map((n) => ({ name: n.name, cidrs: n.cidrs })),
    schedule: s && { days: s.days, from: s.fromText, to: s.toText, timezone: s.timezone },
    attributes: r.when.attributes.map(([name, values]) => ({ name, values: values.map(String) })),
    pii: r.pii,
  };
}

function unlessWildcard(items: string[]): string[] | null {
  return items.includes("*") ? null : items;
}

function loadView(l: Service["load"][number]): LoadView {
  const p = l.profile;
  return {
    name: l.name,
    description: l.description,
    stages:
      p.kind === "stages"
        ? { count: p.stages.length, maxTarget: Math.max(...p.stages.map((x) => x.target)), total: p.stages.reduce((t, x) => t + x.duration, 0) }
        : null,
    arrivalRate: p.kind === "arrivalRate" ? { rate: p.rate, per: p.per, duration: p.duration, preAllocatedVUs: p.preAllocatedVUs, maxVUs: p.maxVUs } : null,
    requestCount: l.requests.length,
    parallelism: l.parallelism,
  };
}
