/** Built-in defaults of spec-v1, in one place. lower() applies them and nothing else does; the JSON
 * Schema documents each as `default`, and test/spec-schema.test.ts holds the two equal. */
import { type DetectorId, PII_CATALOGUE } from "./pii-catalogue.js";
import type * as S from "./spec.js";

export const DEFAULT_TIERS: Record<string, S.Tier> = {
  critical: { objective: 99.99, page: true, ticket: true },
  high: { objective: 99.9, page: true, ticket: true },
  standard: { objective: 99.5, page: false, ticket: true },
  "best-effort": { objective: 95, page: false, ticket: false },
};

export const DEFAULT_SLO_WINDOW = "30d";

/** The SRE workbook's multiwindow, multi-burn-rate table (factors 14.4, 6, 3, 1 over 30 days). */
export const DEFAULT_BURN_RATE_ALERTS: S.BurnRateAlert[] = [
  { severity: "page", budgetConsumed: "2%", long: "1h", short: "5m", for: "2m" },
  { severity: "page", budgetConsumed: "5%", long: "6h", short: "30m", for: "15m" },
  { severity: "ticket", budgetConsumed: "10%", long: "1d", short: "2h", for: "1h" },
  { severity: "ticket", budgetConsumed: "10%", long: "3d", short: "6h", for: "3h" },
];

/** Every built-in PII detector, in the order redaction applies them. */
export const PII_DETECTORS: readonly DetectorId[] = PII_CATALOGUE.map((d) => d.id);

/** The Organization's `pii.defaults` when it sets none (catalogue order). */
export const DEFAULT_PII_DEFAULTS: readonly DetectorId[] = PII_CATALOGUE.filter((d) => d.defaultOn).map((d) => d.id);

/** The Organization's `pii.sensitiveKeys` when it sets none: key names (matched at their end, case,
 * `-`, `_` and `.` aside) whose values are secrets whatever they look like. */
export const DEFAULT_SENSITIVE_KEYS: readonly string[] = ["password", "passwd", "pwd", "passphrase", "secret", "token", "api_key", "access_key", "private_key", "authorization", "cookie", "session_id", "cvv", "cvc"];

/** The Organization's `access.sensitiveAttributes` when it sets none: subject attribute names (in
 * the sensitive-key form, matched at their end) whose values OPA's decision logs mask. */
export const DEFAULT_SENSITIVE_ATTRIBUTES: readonly string[] = ["email", "phone", "address", "birthdate"];

/** The log-level policy when the Organization sets none (`logs.levelField`, `logs.levels`): the
 * level in `level`; trace and debug dropped, every other level kept (info too: sample it per
 * service where it is loud). */
export const DEFAULT_LOG_LEVEL_FIELD = "level";
/** `outputs.tests`: the generated tests are part of the output unless an Organization turns them off. */
export const DEFAULT_OUTPUT_TESTS = true;
/** `outputs.prometheusRule`: the rule groups are written as a PrometheusRule too, for prometheus-operator. */
export const DEFAULT_OUTPUT_PROMETHEUS_RULE = true;
export const DEFAULT_LOG_LEVELS: Readonly<Record<string, S.LogLevelAction>> = { trace: "drop", debug: "drop" };

/** The seed error-budget deploy gate. */
export const DEFAULT_DEPLOY_POLICY: S.DeployPolicyRule[] = [
  { minBudgetRemaining: "50%", allow: "any" },
  { minBudgetRemaining: "25%", allow: "low-risk" },
  { minBudgetRemaining: "10%", allow: "none" },
  { minBudgetRemaining: "0%", allow: "none", emergencyHold: true },
];

export const DEFAULT_ORGANIZATION_NAME = "default";
export const DEFAULT_RECEIVER_NAME = "default";

export const DEFAULT_NO_DATA = "none";
/** The name every burn-rate alert of an SLO shares unless `alerting.name` sets another. */
export const DEFAULT_BURN_ALERT_NAME = "SLOErrorBudgetBurn";

/** Namespaces of the platform objects (Organization `platform.namespaces`). */
export const DEFAULT_NAMESPACES = { monitoring: "monitoring", logging: "logging", opa: "opa" } as const;
export const DEFAULT_CACHE_SCOPE = "public";
/** A custom PII pattern's `replace` when it sets none. */
export const DEFAULT_PATTERN_REPLACEMENT = "[REDACTED]";
export const DEFAULT_LOAD_PARALLELISM = 1;
export const DEFAULT_ARRIVAL_PER = "1s";
export const DEFAULT_REQUEST_WEIGHT = 1;
export const DEFAULT_EXPECT_STATUS = [200];
export const DEFAULT_NETWORK_DIRECTION = "to";
export const DEFAULT_CPU_LOAD = 100;
export const DEFAULT_HTTP_PATH = "*";
export const DEFAULT_HTTP_TARGET = "Request";
