/** The Model: the one resolved representation every generator reads. lower() builds it once,
 * with every default applied, every reference resolved and every unit converted; generators never
 * see YAML and never apply a default of their own. Arrays are sorted or in spec order, never in
 * map-iteration order of user data that could differ between runs. */
import type { Ratio } from "./decimal.js";
import type { Millis } from "./duration.js";
import type * as S from "./spec.js";

export interface Model {
  organization: Organization;
  /** Sorted by name. */
  services: Service[];
}

/** Where a piece of the model came from: generated files name it in their header. */
export interface Origin {
  /** Stable source name, e.g. `spec/services/checkout.yaml`; null for built-in defaults. */
  file: string | null;
}

export interface Organization extends Origin {
  name: string;
  tiers: Tier[];
  slo: { window: Millis; burnRateAlerts: BurnRateTier[] };
  teams: Team[];
  defaultReceiver: Receiver;
  /** sensitiveAttributes: subject attributes OPA's decision logs mask (as written, defaults applied). */
  access: { roles: string[]; networks: Network[]; sensitiveAttributes: string[] };
  /** sensitiveKeys: as written (defaults applied), matched by src/pii/policy.ts's sensitiveKey(). */
  pii: { defaults: string[]; sensitiveKeys: string[] };
  deployPolicy: DeployRule[];
  platform: { namespaces: PlatformNamespaces };
  logs: LogLevels;
  /** tests: whether the generated tests (promtool, OPA, amtool) are part of the output;
   * prometheusRule: whether the rule groups are written as a PrometheusRule besides the rule file. */
  outputs: { tests: boolean; prometheusRule: boolean };
}

/** The log-level policy: the record field holding the level, and per level (lower case, sorted)
 * the share of its records kept, in ten-thousandths (10000 keep, 0 drop). A level not listed is
 * kept; error levels are always 10000 (validation rejects anything else). */
export interface LogLevels {
  levelField: string;
  levels: { level: string; keep: number }[];
}

/** Where the shared platform objects go: the Alertmanager config Secret (monitoring), the Fluent
 * Bit ConfigMap and HMAC Secret (logging), the OPA policies ConfigMap (opa). */
export interface PlatformNamespaces {
  monitoring: string;
  logging: string;
  opa: string;
}

export interface Tier {
  name: string;
  /** Objective as a ratio (0.999 for 99.9%). */
  objective: Ratio;
  page: boolean;
  ticket: boolean;
}

/** A row of the Organization's burn-rate table, before it is scaled to an SLO's window. */
export interface BurnRateTier {
  severity: Severity;
  /** Share of the error budget the tier alerts on, as a ratio (0.02 for 2%). */
  budgetConsumed: Ratio;
  long: Millis;
  short: Millis;
  for: Millis;
}

export type Severity = S.BurnRateAlert["severity"];

export interface Team {
  name: string;
  receivers: { page: Receiver | null; ticket: Receiver | null };
  businessHours: Schedule | null;
}

/** A receiver: one or more integrations, secrets by file reference only. */
export interface Receiver {
  /** Receiver name as Alertmanager will know it, e.g. `payments-page`. */
  name: string;
  integrations: S.Receiver;
}

export interface Schedule {
  timezone: string;
  days: S.Weekday[];
  /** Minutes after midnight; `to` is exclusive and may be 1440 (24:00). */
  from: number;
  to: number;
  fromText: string;
  toText: string;
}

export interface Network {
  name: string;
  cidrs: string[];
}

export interface DeployRule {
  /** Lower bound of the remaining budget this row applies from, as a ratio (0.5 for 50%). */
  minBudgetRemaining: Ratio;
  allow: S.DeployPolicyRule["allow"];
  emergencyHold: boolean;
}

export interface Service extends Origin {
  name: string;
  /** snake_case name for identifiers (Rego packages, Lua tables). */
  id: string;
  team: string;
  namespace: string;
  tier: Tier;
  runbook: string | null;
  description: string | null;
  /** Pod labels of the workload; default `app.kubernetes.io/name: <name>`. Sorted by key. */
  selector: [string, string][];
  slos: Slo[];
  cache: Cache | null;
  pii: Pii;
  /** The Organization's policy with the service's levels and field on top. */
  logs: LogLevels;
  access: Access | null;
  load: LoadScenario[];
  chaos: ChaosExperiment[];
}

export interface Slo {
  name: string;
  description: string | null;
  /** Objective as a ratio (0.9995), its percent text as written (`99.95`) and the budget (0.0005). */
  objective: Ratio;
  objectivePercent: Ratio;
  budget: Ratio;
  window: Millis;
  sli: Sli;
  alerting: SloAlerting;
  /** Burn-rate alerts of the enabled severities, scaled to this SLO's window, in table order. */
  alerts: BurnRateAlert[];
}

/** How events are counted. Code that depends on the kind switches over it exhaustively (see
 * unreachable() in never.ts), so a new kind does not compile until every such place handles it. */
export type Sli =
  | { kind: "ratio"; errors: string | null; good: string | null; total: string; groupBy: string[] }
  | { kind: "latency"; histogram: string; selector: string; threshold: Ratio; thresholdText: string }
  | { kind: "query"; errors: string | null; good: string | null; total: string };

export type SliKind = Sli["kind"];

export interface SloAlerting {
  page: boolean;
  ticket: boolean;
  minEvents: number | null;
  noData: "none" | Severity;
  labels: [string, string][];
  annotations: [string, string][];
  /** The alertname of the SLO's burn-rate alerts. */
  name: string;
  /** Labels and annotations of one severity's alerts (sorted by key), on top of the SLO's. */
  bySeverity: Record<Severity, { labels: [string, string][]; annotations: [string, string][] }>;
}

export interface BurnRateAlert {
  severity: Severity;
  budgetConsumed: Ratio;
  long: Millis;
  short: Millis;
  for: Millis;
  /** budgetConsumed x window / long: the burn rate this tier fires at. */
  factor: Ratio;
  /** factor x budget: the error ratio both windows must exceed. */
  threshold: Ratio;
  /** Seconds from the start of a total outage until the alert fires: threshold x long + for. */
  detectionSeconds: Ratio;
  /** Seconds until the whole budget is gone at this burn rate: window / factor. */
  exhaustionSeconds: Ratio;
  /** False when threshold >= 1: no error ratio can reach it (validation warns). */
  canFire: boolean;
}

export interface Cache {
  classes: { name: string; ttl: Millis; staleWhileRevalidate: Millis | null }[];
  routes: CacheRoute[];
  invalidateOn: string[];
  hitRatio: { objective: Ratio; hits: string; misses: string } | null;
}

export interface CacheRoute {
  path: string;
  class: string | null;
  ttl: Millis;
  scope: NonNullable<S.CacheRoute["scope"]>;
  staleWhileRevalidate: Millis | null;
  /** The Cache-Control header this route must answer with. */
  cacheControl: string;
}

export interface Pii {
  /** Organization defaults plus the service's own, in built-in catalog order. */
  detectors: string[];
  /** Of `detectors`, those the service adds to the Organization defaults (catalog order). */
  added: string[];
  /** The Organization's sensitive keys, then the service's own (as written, without repeats). */
  sensitiveKeys: string[];
  fields: { path: string; action: S.PiiField["action"] }[];
  patterns: { name: string; match: string; replace: string; examples: { match: string[]; noMatch: string[] } }[];
}

export interface Access {
  resources: { name: string; actions: string[]; piiFields: string[] }[];
  rules: AccessRule[];
  tests: AccessTest[];
}

export interface AccessRule {
  name: string;
  description: string | null;
  effect: S.AccessRule["effect"];
  /** `*` expanded is kept as `["*"]`: generators decide how to express a wildcard. */
  actions: string[];
  resources: string[];
  subjects: { roles: string[] | null; teams: string[] | null; ids: string[] | null };
  when: {
    mfa: boolean;
    networks: Network[];
    schedule: Schedule | null;
    /** Attribute name -> allowed values, sorted by name. */
    attributes: [string, (string | number | boolean)[]][];
  };
  pii: boolean;
}

export interface AccessTest {
  name: string;
  request: AccessRequest;
  expect: S.AccessTest["expect"];
  maskedFields: string[] | null;
  reason: string | null;
}

export interface LoadScenario {
  name: string;
  description: string | null;
  baseUrl: string;
  profile:
    | { kind: "stages"; stages: { duration: Millis; target: number }[] }
    | { kind: "arrivalRate"; rate: number; per: Millis; duration: Millis; preAllocatedVUs: number; maxVUs: number };
  requests: {
    name: string;
    method: string;
    path: string;
    headers: [string, string][];
    json: unknown;
    body: string | null;
    weight: number;
    expectStatus: number[];
  }[];
  thresholds: { metric: string; tags: [string, string][]; condition: string; abortOnFail: boolean }[];
  parallelism: number;
}

/** The request shape everywhere: Rego input, tests, the TypeScript evaluator. Wider than the
 * schema's accessRequest: values are `unknown` where derived tests deliberately send wrong types. */
export interface AccessRequest {
  subject: { id?: unknown; roles?: unknown; teams?: unknown; mfa?: unknown; attributes?: Record<string, unknown> };
  action: string;
  resource: { type: string; id?: unknown; attributes?: Record<string, unknown> };
  environment?: { ip?: unknown; time?: unknown };
}

/** An experiment: what every one has, and its fault with the fault's parameters (switch on
 * `fault` to read them). */
export type ChaosExperiment = ChaosCommon & Fault;

interface ChaosCommon {
  name: string;
  description: string | null;
  mode: S.ChaosMode;
  value: string | null;
  duration: Millis;
  schedule: string | null;
  underLoad: string | null;
  steadyState: { maxErrorRate: Ratio | null; maxLatency: { p: Ratio; seconds: Ratio; text: string } | null } | null;
}

/** A fault and its parameters, defaults applied. Percentages are in percent (25 for 25%), the unit
 * Chaos Mesh reads; durations stay Go duration text. A null field is left to Chaos Mesh's default. */
export type Fault =
  | { fault: "pod-kill"; params: { gracePeriod: number | null } }
  | { fault: "pod-failure"; params: Record<string, never> }
  | { fault: "container-kill"; params: { containerNames: string[] } }
  | { fault: "network-delay"; params: { latency: string; jitter: string | null; correlation: Ratio | null; direction: NetworkDirection } }
  | { fault: "network-loss"; params: { loss: Ratio; correlation: Ratio | null; direction: NetworkDirection } }
  | { fault: "network-partition"; params: { direction: NetworkDirection; targetSelector: S.Labels | null } }
  | { fault: "cpu-stress"; params: { workers: number; load: number; containerNames: string[] | null } }
  | { fault: "memory-stress"; params: { workers: number; size: string; containerNames: string[] | null } }
  | { fault: "http-abort"; params: HttpFaultParams }
  | { fault: "http-delay"; params: HttpFaultParams & { delay: string } }
  | { fault: "dns-error"; params: { patterns: string[] } }
  | { fault: "time-skew"; params: { timeOffset: string; containerNames: string[] | null } };

export type NetworkDirection = NonNullable<S.ParamsNetworkDelay["direction"]>;

export interface HttpFaultParams {
  port: number;
  path: string;
  method: string | null;
  target: NonNullable<S.ParamsHttpAbort["target"]>;
}

export type Labels = S.Labels;
