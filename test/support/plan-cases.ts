/** Canonical spec changes for the plan tests: each edits a copy of the example (in memory) and
 * names the changes the plan must report, effect and summary. Every area appears in both
 * directions (`other`, the unclassified fallback, is always neutral). */
import type { SourceFile } from "../../src/load/source.js";
import type { Area, Effect } from "../../src/plan/index.js";
import { addFile, append, editFile, moveFile, remove, removeFile, set, type Edit } from "./spec-edit.js";

export interface Expected {
  service: string | null;
  area: Area;
  effect: Effect;
  /** The whole summary, or a pattern where it counts requests. */
  summary: string | RegExp;
}

export interface PlanCase {
  name: string;
  edit: (s: SourceFile[]) => SourceFile[];
  /** Every change of the plan, in order. */
  changes: Expected[];
}

/** checkout's access tests that expect engineers-read-orders to need MFA. */
export const MFA_TESTS = ["engineer without MFA is denied", "mfa given as a string is not MFA"];
/** As in a real pull request, the access tests a change of rules makes wrong go with it:
 * validate runs every access test. */
const dropTests = (...names: string[]): Edit[] => names.map((name) => remove(["spec", "access", "tests", { name }]));
const svc = (file: string, ...edits: Edit[]) => (s: SourceFile[]) => editFile(s, `services/${file}.yaml`, ...edits);
const org = (...edits: Edit[]) => (s: SourceFile[]) => editFile(s, "organization.yaml", ...edits);
/** A summary that ends in `(N of M requests checked)`: the words are asserted, the counts of the
 * seeded corpus are not. */
const checked = (words: string) => new RegExp(`^${words.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\([\\d,]+ of [\\d,]+ requests checked\\)$`);
const rule = (name: string) => ["spec", "access", "rules", { name }] as const;
const slo = (name: string) => ["spec", "slos", { name }] as const;

export const PLAN_CASES: PlanCase[] = [
  {
    name: "identical",
    edit: (s) => s,
    changes: [],
  },
  {
    name: "objective-lowered",
    edit: svc("checkout", set([...slo("availability"), "objective"], 99.9)),
    changes: [
      { service: "checkout", area: "slo", effect: "weakens", summary: "availability: objective lowered 99.95% -> 99.9%; error budget 0.05% (21m 36s per 30d) -> 0.1% (43m 12s per 30d)" },
      { service: "checkout", area: "alerting", effect: "weakens", summary: "availability: page 1h/5m fires at 0.72% -> 1.44% errors, detects a total outage in 2m 25.92s -> 2m 51.84s" },
      { service: "checkout", area: "alerting", effect: "weakens", summary: "availability: page 6h/30m fires at 0.3% -> 0.6% errors, detects a total outage in 16m 4.8s -> 17m 9.6s" },
      { service: "checkout", area: "alerting", effect: "weakens", summary: "availability: ticket 1d/2h fires at 0.15% -> 0.3% errors, detects a total outage in 1h 2m 9.6s -> 1h 4m 19.2s" },
      { service: "checkout", area: "alerting", effect: "weakens", summary: "availability: ticket 3d/6h fires at 0.05% -> 0.1% errors, detects a total outage in 3h 2m 9.6s -> 3h 4m 19.2s" },
    ],
  },
{
    name: "objective-raised",
    edit: svc("checkout", set([...slo("availability"), "objective"], 99.99)),
    changes: [
      { service: "checkout", area: "slo", effect: "strengthens", summary: "availability: objective raised 99.95% -> 99.99%; error budget 0.05% (21m 36s per 30d) -> 0.01% (4m 19.2s per 30d)" },
      { service: "checkout", area: "alerting", effect: "strengthens", summary: "availability: page 1h/5m fires at 0.72% -> 0.144% errors, detects a total outage in 2m 25.92s -> 2m 5.184s" },
      { service: "checkout", area: "alerting", effect: "strengthens", summary: "availability: page 6h/30m fires at 0.3% -> 0.06% errors, detects a total outage in 16m 4.8s -> 15m 12.96s" },
      { service: "checkout", area: "alerting", effect: "strengthens", summary: "availability: ticket 1d/2h fires at 0.15% -> 0.03% errors, detects a total outage in 1h 2m 9.6s -> 1h 25.92s" },
      { service: "checkout", area: "alerting", effect: "strengthens", summary: "availability: ticket 3d/6h fires at 0.05% -> 0.01% errors, detects a total outage in 3h 2m 9.6s -> 3h 25.92s" },
    ],
  },
  {
    name: "mfa-dropped",
    edit: svc("checkout", remove([...rule("engineers-read-orders"), "when", "mfa"]), ...dropTests(...MFA_TESTS)),
    changes: [
      { service: "checkout", area: "access", effect: "weakens", summary: checked("newly allowed by engineers-read-orders: MFA no longer required; e.g. engineer of team payments: read orders, without MFA, from 10.8.1.2 (corp-vpn), at 2026-11-23T10:00:00+01:00, clearance=\"internal\"") },
    ],
  },
  {
    name: "network-removed",
    edit: svc("payments-api", set([...rule("payments-team-reads"), "when", "networks"], ["corp-vpn"]), ...dropTests("payments engineer reads payments masked")),
    changes: [
      { service: "payments-api", area: "access", effect: "strengthens", summary: checked("newly denied: no longer granted by payments-team-reads: networks - office (192.0.2.0/24, 2001:db8:100::/48); e.g. engineer of team payments: read payments, with MFA, from 192.0.2.44 (office)") },
      { service: "payments-api", area: "access", effect: "neutral", summary: checked("allowed as before, no longer by payments-team-reads: networks - office (192.0.2.0/24, 2001:db8:100::/48); e.g. nobody of team payments/other-team: read payouts, with MFA, from 2001:db8:100:8000:: (office)") },
    ],
  },
  {
    name: "mfa-required",
    edit: svc("catalog", set([...rule("staff-read"), "when", "mfa"], true), ...dropTests("viewer reads products from the office", "viewer reads merchants masked")),
    changes: [
      { service: "catalog", area: "access", effect: "strengthens", summary: checked("newly denied: no longer granted by staff-read: MFA now required; e.g. viewer: read merchants, without MFA, from 192.0.2.80 (office)") },
    ],
  },
  {
    name: "network-added",
    edit: svc("checkout", set([...rule("engineers-read-orders"), "when", "networks"], ["corp-vpn", "office"])),
    changes: [
      { service: "checkout", area: "access", effect: "weakens", summary: checked("newly allowed by engineers-read-orders: networks + office (192.0.2.0/24, 2001:db8:100::/48); e.g. engineer of team payments: read orders, with MFA, from 192.0.2.0 (office), at 2026-11-23T12:00:00Z, clearance=\"internal\"") },
    ],
  },
  {
    name: "schedule-widened",
    edit: svc("checkout", set([...rule("engineers-read-orders"), "when", "schedule"], { timezone: "Europe/Berlin", days: ["mon", "tue", "wed", "thu", "fri", "sat"], from: "08:00", to: "18:00" }), ...dropTests("engineer after office hours is denied")),
    changes: [
      { service: "checkout", area: "access", effect: "weakens", summary: checked("newly allowed by engineers-read-orders: schedule mon-fri 09:00-17:00 Europe/Berlin -> mon-sat 08:00-18:00 Europe/Berlin; e.g. engineer of team payments: read orders, with MFA, from 10.8.1.2 (corp-vpn), at 2026-11-23T17:00:00+01:00, clearance=\"internal\"") },
      { service: "checkout", area: "access", effect: "neutral", summary: checked("allowed as before, now also by engineers-read-orders: schedule mon-fri 09:00-17:00 Europe/Berlin -> mon-sat 08:00-18:00 Europe/Berlin; e.g. sre/nobody of team other-team/payments: read orders, with MFA, from fd00:8:: (corp-vpn), at 2026-11-27T12:30:00+05:30, clearance=\"internal\"") },
    ],
  },
  {
    name: "pii-granted",
    edit: svc("checkout", set([...rule("engineers-read-orders"), "pii"], true), ...dropTests("engineer on VPN with MFA in office hours reads orders")),
    changes: [
      { service: "checkout", area: "access", effect: "weakens", summary: checked("customer.email, customer.phone and payment.card newly unmasked for requests granted by engineers-read-orders: PII fields now unmasked; e.g. engineer of team payments: read orders, with MFA, from 10.8.1.2 (corp-vpn), at 2026-11-23T10:00:00+01:00, clearance=\"internal\"") },
    ],
  },
  {
    name: "pii-revoked",
    edit: svc("checkout", set([...rule("sre-read-orders-with-pii"), "pii"], false), ...dropTests("sre in the office reads orders unmasked")),
    changes: [
      { service: "checkout", area: "access", effect: "strengthens", summary: checked("customer.email, customer.phone and payment.card newly masked for requests granted by sre-read-orders-with-pii: PII fields now masked; e.g. sre of team platform: read orders, with MFA, from 192.0.2.10 (office)") },
    ],
  },
  {
    name: "deny-rule-added",
    edit: svc("checkout", (doc) => {
      const rules = doc.getIn(["spec", "access", "rules"]) as { items: unknown[] };
      rules.items.push(doc.createNode({ name: "no-reads-from-office", effect: "deny", actions: ["read"], resources: ["orders"], when: { networks: ["office"] } }));
    }, ...dropTests("sre in the office reads orders unmasked")),
    changes: [
      { service: "checkout", area: "access", effect: "strengthens", summary: checked("newly denied by no-reads-from-office: new deny rule no-reads-from-office: deny read on orders for anyone, from office (192.0.2.0/24, 2001:db8:100::/48); e.g. sre of team platform: read orders, from 192.0.2.10 (office)") },
      { service: "checkout", area: "access", effect: "neutral", summary: checked("denied as before, now also by no-reads-from-office: new deny rule no-reads-from-office: deny read on orders for anyone, from office (192.0.2.0/24, 2001:db8:100::/48); e.g. admin: read orders, from 192.0.2.1 (office)") },
    ],
  },
  {
    name: "field-action-removed",
    edit: svc("payments-api", remove(["spec", "pii", "fields", 3])),
    changes: [
      { service: "payments-api", area: "pii", effect: "weakens", summary: "field customer.email: hash (keyed HMAC-SHA256) -> none (logged as written, apart from what the detectors catch)" },
    ],
  },
  {
    name: "hash-to-last4",
    edit: svc("checkout", set(["spec", "pii", "fields", 0, "action"], "last4")),
    changes: [
      { service: "checkout", area: "pii", effect: "weakens", summary: "field user.email: hash (keyed HMAC-SHA256) -> last4 (all but the last 4 characters masked)" },
    ],
  },
  {
    name: "last4-to-drop",
    edit: svc("checkout", set(["spec", "pii", "fields", 1, "action"], "drop")),
    changes: [
      { service: "checkout", area: "pii", effect: "strengthens", summary: "field card.number: last4 (all but the last 4 characters masked) -> drop (removed)" },
    ],
  },
  {
    name: "detector-removed",
    edit: svc("checkout", set(["spec", "pii", "detectors"], ["ipv4", "ipv6"])),
    changes: [
      { service: "checkout", area: "pii", effect: "weakens", summary: "detector phone removed: e.g. \"+49 30 1234567\" now passes unredacted" },
    ],
  },
  {
    name: "detector-added",
    edit: svc("catalog", set(["spec", "pii", "detectors"], ["phone"])),
    changes: [
      { service: "catalog", area: "pii", effect: "strengthens", summary: "detector phone added: e.g. \"+49 30 1234567\" is now redacted" },
    ],
  },
  {
    name: "org-default-detector-removed",
    edit: org(set(["spec", "pii", "defaults"], ["email", "credit_card", "us_ssn", "jwt", "bearer_token", "api_key", "secret_kv", "database_url", "private_key"])),
    changes: [
      { service: null, area: "pii", effect: "weakens", summary: "detector iban removed from the Organization's defaults (every service that does not add it): e.g. \"DE89 3704 0044 0532 0130 00\" now passes unredacted" },
    ],
  },
  {
    name: "pattern-removed",
    edit: svc("checkout", remove(["spec", "pii", "patterns", 0])),
    changes: [
      { service: "checkout", area: "pii", effect: "weakens", summary: "pattern order-id (ORD-[0-9]{8}) removed: e.g. \"ORD-12345678\" and \"order ORD-20261123 shipped\" now pass unredacted" },
    ],
  },
  {
    name: "pattern-narrowed",
    edit: svc("payments-api", set(["spec", "pii", "patterns", 0, "match"], "psp_[A-Z]{2}\\d{12}"), set(["spec", "pii", "patterns", 0, "examples", "match"], ["ref=psp_NL123456789012"])),
    changes: [
      { service: "payments-api", area: "pii", effect: "weakens", summary: "pattern psp-reference: psp_[A-Z]{2}\\d{10,12} -> psp_[A-Z]{2}\\d{12}; \"psp_DE1234567890\" now passes unredacted" },
    ],
  },
  {
    name: "team-receiver-moved",
    edit: org(set(["spec", "teams", "payments", "receivers", "page"], { slack: { channel: "#payments-pages", apiUrlFile: "/etc/alertmanager/secrets/slack-api-url" } })),
    changes: [
      { service: null, area: "routing", effect: "neutral", summary: "team payments pages (payments-page) pagerduty -> slack #payments-pages" },
      { service: "checkout", area: "routing", effect: "neutral", summary: "availability page and latency page alerts: payments-page (pagerduty) -> payments-page (slack #payments-pages)" },
      { service: "payments-api", area: "routing", effect: "neutral", summary: "authorisations page and latency page alerts: payments-page (pagerduty) -> payments-page (slack #payments-pages)" },
    ],
  },
  {
    name: "service-moved-to-another-team",
    edit: svc("search", set(["metadata", "team"], "growth"), set(["metadata", "namespace"], "shop")),
    changes: [
      { service: "search", area: "service", effect: "neutral", summary: "team catalog -> growth: its alerts go to growth's receivers" },
      { service: "search", area: "routing", effect: "neutral", summary: "availability ticket and search-quality ticket alerts: catalog-ticket (email catalog-oncall@traceo.example) -> growth-ticket (email growth-team@traceo.example)" },
    ],
  },
  {
    name: "team-ticket-receiver-removed",
    edit: org(remove(["spec", "teams", "growth", "receivers", "ticket"])),
    changes: [
      { service: null, area: "routing", effect: "weakens", summary: "team growth ticket receiver growth-ticket removed: its tickets go to the default receiver" },
      { service: "merchant-insights", area: "routing", effect: "weakens", summary: "availability ticket, dashboard-latency ticket and cache ticket alerts: growth-ticket (email growth-team@traceo.example) -> default (webhook http://alert-sink.monitoring.svc:8080/)" },
      { service: "recommendations", area: "routing", effect: "weakens", summary: "personalised ticket alerts: growth-ticket (email growth-team@traceo.example) -> default (webhook http://alert-sink.monitoring.svc:8080/)" },
    ],
  },
  {
    name: "business-hours-widened",
    edit: org(set(["spec", "teams", "payments", "businessHours"], { timezone: "Europe/Berlin", days: ["mon", "tue", "wed", "thu", "fri"], from: "08:00", to: "18:00" })),
    changes: [
      { service: null, area: "routing", effect: "strengthens", summary: "team payments business hours widened (tickets go out in more hours): mon-fri 09:00-17:00 Europe/Berlin -> mon-fri 08:00-18:00 Europe/Berlin" },
    ],
  },
  {
    name: "business-hours-narrowed",
    edit: org(set(["spec", "teams", "growth", "businessHours", "days"], ["tue", "wed"])),
    changes: [
      { service: null, area: "routing", effect: "weakens", summary: "team growth business hours narrowed (tickets wait longer): mon-thu 10:00-16:00 America/New_York -> tue, wed 10:00-16:00 America/New_York" },
    ],
  },
  {
    name: "k6-threshold-loosened",
    edit: svc("checkout", set(["spec", "load", { name: "steady" }, "thresholds", 0, "condition"], "p(95)<1200")),
    changes: [
      { service: "checkout", area: "load", effect: "weakens", summary: "steady: threshold http_req_duration{name:place-order} loosened p(95)<800 -> p(95)<1200" },
    ],
  },
  {
    name: "k6-threshold-tightened",
    edit: svc("checkout", set(["spec", "load", { name: "black-friday" }, "thresholds", 0, "condition"], "rate<0.005")),
    changes: [
      { service: "checkout", area: "load", effect: "strengthens", summary: "black-friday: threshold http_req_failed tightened rate<0.01 -> rate<0.005" },
    ],
  },
  {
    name: "slo-added",
    edit: svc("notifications", (doc) => {
      const slos = doc.getIn(["spec", "slos"]) as { items: unknown[] };
      slos.items.push(doc.createNode({ name: "delivery-latency", objective: 99, sli: { latency: { histogram: "notification_delivery_seconds", threshold: "1s" } } }));
    }),
    changes: [
      { service: "notifications", area: "slo", effect: "strengthens", summary: "SLO delivery-latency added: 99% over 30d, error budget 1% (7h 12m per 30d)" },
    ],
  },
  {
    name: "slo-removed",
    edit: svc("checkout", remove([...slo("latency")])),
    changes: [
      { service: "checkout", area: "slo", effect: "weakens", summary: "SLO latency removed: its recording rules and burn-rate alerts go" },
    ],
  },
  {
    name: "paging-off-and-min-events",
    edit: svc("payments-api", set([...slo("latency"), "alerting"], { page: false, minEvents: 200 })),
    changes: [
      { service: "payments-api", area: "alerting", effect: "weakens", summary: "latency: paging switched off (burn-rate alerts no longer page)" },
      { service: "payments-api", area: "alerting", effect: "weakens", summary: "latency: minEvents none -> 200 (no burn-rate alert below that many events in the long window)" },
    ],
  },
  {
    name: "no-data-alert-added",
    edit: svc("checkout", set([...slo("availability"), "alerting"], { noData: "page" })),
    changes: [
      { service: "checkout", area: "alerting", effect: "strengthens", summary: "availability: noData none -> page (what a missing SLI series raises)" },
    ],
  },
  {
    name: "service-renamed",
    edit: (s) => editFile(moveFile(s, "services/payments-api.yaml", "services/payment-gateway.yaml"), "services/payment-gateway.yaml", set(["metadata", "name"], "payment-gateway")),
    changes: [
      { service: "payment-gateway", area: "service", effect: "weakens", summary: "service renamed payments-api -> payment-gateway: the `service` label of its SLO series and alerts changes, so SLO history in Prometheus starts again and dashboards, silences and alerts keyed on payments-api break; its OPA decision path moves from svcspec/services/payments_api to svcspec/services/payment_gateway: callers asking the old path get no decision; its generated files move (k6/payments-api/, kubernetes/payments-api/, grafana/payments-api.json, docs/payments-api.md); its Grafana dashboard's uid svcspec-payments-api -> svcspec-payment-gateway: links and bookmarks to the old one break" },
    ],
  },
  {
    name: "service-added",
    edit: (s) => addFile(s, "services/wishlist.yaml", "apiVersion: svcspec/v1\nkind: Service\nmetadata:\n  name: wishlist\n  team: growth\nspec:\n  tier: best-effort\n"),
    changes: [
      { service: "wishlist", area: "service", effect: "neutral", summary: "service wishlist added (team growth, tier best-effort, namespace growth); it has no SLO, so nothing alerts on it" },
    ],
  },
  {
    name: "service-removed",
    edit: (s) => removeFile(s, "services/search.yaml"),
    changes: [
      { service: "search", area: "service", effect: "weakens", summary: "service search removed: its SLO recording rules and burn-rate alerts, its redaction rules (its logs get the Organization's defaults) and its load and chaos tests go" },
    ],
  },
  {
    name: "chaos-removed-and-steady-state-loosened",
    edit: svc("checkout", remove(["spec", "chaos", { name: "cart-api-aborts" }]), set(["spec", "chaos", { name: "kill-one-pod" }, "steadyState", "maxErrorRate"], "5%")),
    changes: [
      { service: "checkout", area: "chaos", effect: "weakens", summary: "kill-one-pod: steady-state error rate limit 1% -> 5%" },
      { service: "checkout", area: "chaos", effect: "weakens", summary: "chaos experiment cart-api-aborts removed" },
    ],
  },
  {
    name: "cache-made-public",
    edit: svc("checkout", set(["spec", "cache", "routes", 2, "scope"], "public")),
    changes: [
      { service: "checkout", area: "cache", effect: "weakens", summary: "route /api/me: Cache-Control private, max-age=30 -> public, max-age=30: shared caches may now store responses" },
    ],
  },
  {
    name: "chaos-experiment-added",
    edit: svc("search", (doc) => {
      const chaos = doc.getIn(["spec", "chaos"]) as { items: unknown[] };
      chaos.items.push(doc.createNode({ name: "kill-one-pod", fault: "pod-kill", mode: "one", duration: "30s", schedule: "0 11 * * 2" }));
    }),
    changes: [
      { service: "search", area: "chaos", effect: "strengthens", summary: "chaos experiment kill-one-pod added: pod-kill (one) for 30s" },
    ],
  },
  {
    name: "cache-no-store",
    edit: svc("checkout", set(["spec", "cache", "routes", 3], { path: "/api/shipping-options", ttl: 0 })),
    changes: [
      { service: "checkout", area: "cache", effect: "strengthens", summary: "route /api/shipping-options: Cache-Control public, max-age=300, stale-while-revalidate=60 -> no-store: responses are no longer stored" },
    ],
  },
  {
    name: "hit-ratio-lowered",
    edit: svc("catalog", set(["spec", "cache", "hitRatio", "objective"], "80%")),
    changes: [
      { service: "catalog", area: "cache", effect: "weakens", summary: "hit-ratio objective lowered 90% -> 80%" },
    ],
  },
  {
    name: "deploy-gate-loosened",
    edit: org(set(["spec", "deployPolicy", 1], { minBudgetRemaining: "25%", allow: "any" })),
    changes: [
      { service: null, area: "access", effect: "weakens", summary: "deploy gate: high-risk deploys with 25% to 49.99% of the error budget left newly allowed: \"error budget remaining >= 25%: only low-risk changes may deploy\" -> \"error budget remaining >= 25%: any change may deploy\"" },
    ],
  },
  {
    name: "info-sampled-more",
    edit: svc("recommendations", set(["spec", "logs", "levels", "info"], "25%")),
    changes: [
      { service: "recommendations", area: "logs", effect: "strengthens", summary: "log level info: sampled 10% -> 25%: more of its records reach the log store" },
    ],
  },
  {
    name: "info-dropped",
    edit: svc("checkout", set(["spec", "logs"], { levels: { info: "drop", warn: "50%" } })),
    changes: [
      { service: "checkout", area: "logs", effect: "weakens", summary: "log level info: kept -> dropped: fewer of its records reach the log store" },
      { service: "checkout", area: "logs", effect: "weakens", summary: "log level warn: kept -> sampled 50%: fewer of its records reach the log store" },
    ],
  },
  {
    name: "org-debug-kept-level-field-renamed",
    edit: org(set(["spec", "logs"], { levelField: "severity", levels: { trace: "drop", debug: "keep" } })),
    changes: [
      { service: null, area: "logs", effect: "neutral", summary: "log level field level -> severity in the Organization's default (every service that does not set its own): the level is read from severity; a record with no level there is kept whatever its level" },
      { service: null, area: "logs", effect: "strengthens", summary: "log level debug: dropped -> kept in the Organization's default (every service that does not set its own): more of its records reach the log store" },
    ],
  },
  {
    name: "sensitive-attribute-unmasked",
    edit: org(set(["spec", "access", "sensitiveAttributes"], ["email", "address", "birthdate"])),
    changes: [
      { service: null, area: "access", effect: "weakens", summary: "decision logs: subject attribute phone no longer masked: OPA logs subject attributes named (or ending in) phone in clear, unless a service's pii.sensitiveKeys cover them" },
    ],
  },
  {
    name: "sensitive-attributes-added",
    edit: org(set(["spec", "access", "sensitiveAttributes"], ["email", "phone", "address", "birthdate", "national_id", "work_email"])),
    changes: [
      { service: null, area: "access", effect: "strengthens", summary: "decision logs: subject attribute national_id now masked: OPA logs subject attributes named (or ending in) national_id as \"[MASKED]\"" },
      { service: null, area: "access", effect: "neutral", summary: "decision logs: sensitive attribute work_email added; subject attributes ending in it were already masked (they end in email)" },
    ],
  },
  {
    name: "other-changes",
    edit: (s) => svc("checkout", set(["spec", "description"], "Cart and orders."))(org(append(["spec", "access", "roles"], "auditor"))(s)),
    changes: [
      { service: null, area: "other", effect: "neutral", summary: "other change in access.roles: the plan does not classify it; review the spec diff" },
      { service: "checkout", area: "other", effect: "neutral", summary: "other change in description: the plan does not classify it; review the spec diff" },
    ],
  },
];
