/** The spec documents as users write them (spec-v1), after the JSON Schema accepted their shape.
 * Only lower() and the semantic checks read these; generators read the Model (model.ts). */

export type Percentage = number | string;
export type DurationText = string;
export type DurationOrZero = string | 0;
export type Labels = Record<string, string>;

export interface Document<K extends string, M, S> {
  apiVersion: "svcspec/v1";
  kind: K;
  metadata: M;
  spec: S;
}

export type OrganizationDoc = Document<"Organization", { name: string }, OrganizationSpec>;
export type ServiceDoc = Document<"Service", { name: string; team: string; namespace?: string }, ServiceSpec>;

export interface OrganizationSpec {
  tiers?: Record<string, { objective: Percentage; page: boolean; ticket: boolean }>;
  slo?: { window?: DurationText; burnRateAlerts?: BurnRateAlertSpec[] };
  teams?: Record<string, TeamSpec>;
  alerting?: { defaultReceiver: ReceiverSpec };
  access?: { roles?: string[]; networks?: Record<string, string[]> };
  pii?: { defaults?: string[] };
  deployPolicy?: DeployRuleSpec[];
}

export interface BurnRateAlertSpec {
  severity: "page" | "ticket";
  budgetConsumed: Percentage;
  long: DurationText;
  short: DurationText;
  for: DurationOrZero;
}

export interface TeamSpec {
  receivers?: { page?: ReceiverSpec; ticket?: ReceiverSpec };
  businessHours?: ScheduleSpec;
}

export interface ScheduleSpec {
  timezone: string;
  days: Weekday[];
  from: string;
  to: string;
}
export type Weekday = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";

export interface ReceiverSpec {
  pagerduty?: { routingKeyFile: string; severity?: string };
  slack?: { channel: string; apiUrlFile: string };
  webhook?: { url: string; maxAlerts?: number };
  email?: { to: string; from?: string; smarthost?: string; authUsername?: string; authPasswordFile?: string };
  opsgenie?: { apiKeyFile: string; responders?: { type: string; name: string }[] };
}

export interface DeployRuleSpec {
  minBudgetRemaining: Percentage;
  allow: "any" | "low-risk" | "none";
  emergencyHold?: boolean;
}

export interface ServiceSpec {
  tier: string;
  runbook?: string;
  description?: string;
  workload?: { selector?: Labels };
  slos?: SloSpec[];
  cache?: CacheSpec;
  pii?: PiiSpec;
  access?: AccessSpec;
  load?: LoadScenarioSpec[];
  chaos?: ChaosSpec[];
}

export interface SloSpec {
  name: string;
  description?: string;
  objective?: Percentage;
  window?: DurationText;
  sli: { ratio?: RatioSliSpec; latency?: LatencySliSpec; query?: QuerySliSpec };
  alerting?: {
    page?: boolean;
    ticket?: boolean;
    minEvents?: number;
    noData?: "none" | "ticket" | "page";
    labels?: Labels;
    annotations?: Labels;
  };
}
export interface RatioSliSpec {
  errors?: string;
  good?: string;
  total: string;
  groupBy?: string[];
}
export interface LatencySliSpec {
  histogram: string;
  selector?: string;
  threshold: string;
}
export interface QuerySliSpec {
  errors?: string;
  good?: string;
  total: string;
}

export interface CacheSpec {
  classes?: Record<string, { ttl: DurationOrZero; staleWhileRevalidate?: DurationText }>;
  routes?: CacheRouteSpec[];
  invalidateOn?: string[];
  hitRatio?: { objective: Percentage; hits: string; misses: string };
}
export interface CacheRouteSpec {
  path: string;
  class?: string;
  ttl?: DurationOrZero;
  scope?: "public" | "private";
  staleWhileRevalidate?: DurationText;
}

export interface PiiSpec {
  detectors?: string[];
  fields?: { path: string; action: "hash" | "last4" | "drop" | "mask" }[];
  patterns?: PiiPatternSpec[];
}
export interface PiiPatternSpec {
  name: string;
  match: string;
  replace?: string;
  examples: { match: string[]; noMatch: string[] };
}

export interface AccessSpec {
  resources: { name: string; actions: string[]; piiFields?: string[] }[];
  rules: AccessRuleSpec[];
  tests?: AccessTestSpec[];
}
export interface AccessRuleSpec {
  name: string;
  description?: string;
  effect: "allow" | "deny";
  actions: string[];
  resources: string[];
  subjects?: { roles?: string[]; teams?: string[]; ids?: string[] };
  when?: {
    mfa?: boolean;
    networks?: string[];
    schedule?: ScheduleSpec;
    attributes?: Record<string, (string | number | boolean)[]>;
  };
  pii?: boolean;
}
export interface AccessTestSpec {
  name: string;
  request: AccessRequest;
  expect: "allow" | "deny";
  maskedFields?: string[];
  reason?: string;
}
/** The request shape everywhere: Rego input, tests, the TypeScript evaluator. Values are `unknown`
 * where tests deliberately send wrong types. */
export interface AccessRequest {
  subject: { id?: unknown; roles?: unknown; teams?: unknown; mfa?: unknown; attributes?: Record<string, unknown> };
  action: string;
  resource: { type: string; id?: unknown; attributes?: Record<string, unknown> };
  environment?: { ip?: unknown; time?: unknown };
}

export interface LoadScenarioSpec {
  name: string;
  description?: string;
  baseUrl: string;
  profile: {
    stages?: { duration: DurationText; target: number }[];
    arrivalRate?: { rate: number; per?: DurationText; duration: DurationText; preAllocatedVUs: number; maxVUs?: number };
  };
  requests: LoadRequestSpec[];
  thresholds?: { metric: string; tags?: Labels; condition: string; abortOnFail?: boolean }[];
  parallelism?: number;
}
export interface LoadRequestSpec {
  name: string;
  method: string;
  path: string;
  headers?: Labels;
  json?: unknown;
  body?: string;
  weight?: number;
  expectStatus?: number[];
}

export interface ChaosSpec {
  name: string;
  description?: string;
  fault: ChaosFault;
  mode: "one" | "all" | "fixed" | "fixed-percent" | "random-max-percent";
  value?: string | number;
  duration: DurationText;
  params?: Record<string, unknown>;
  schedule?: string;
  underLoad?: string;
  steadyState?: { maxErrorRate?: Percentage; maxLatency?: { p: number; value: string } };
}
export type ChaosFault =
  | "pod-kill"
  | "pod-failure"
  | "container-kill"
  | "network-delay"
  | "network-loss"
  | "network-partition"
  | "cpu-stress"
  | "memory-stress"
  | "http-abort"
  | "http-delay"
  | "dns-error"
  | "time-skew";
