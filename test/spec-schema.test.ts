/** The JSON Schema is the one source of the spec language: the TypeScript types are generated from
 * it and must be fresh; the defaults it documents are the ones lower() applies; the code's word
 * lists are its enums; editors, which ignore svcspec's format keyword, accept what svcspec accepts. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { describe, expect, it } from "vitest";
import { chaosKind } from "../generators/kubernetes/chaos.js";
import { specTypes, SCHEMA_PATH, TYPES_PATH, type JsonSchema } from "../scripts/spec-types.js";
import { compile, validate } from "../src/compile.js";
import { parseSources, type SourceFile } from "../src/load/source.js";
import * as D from "../src/model/defaults.js";
import type { ChaosExperiment } from "../src/model/model.js";
import type * as S from "../src/model/spec.js";
import { CHAOS_MODE_VALUES, SEVERITIES, WEEKDAYS } from "../src/model/vocabulary.js";
import type { DetectorId } from "../src/model/pii-catalogue.js";
import type { FieldAction } from "../src/pii/policy.js";
import { checkSchema, schemaText } from "../src/validate/schema.js";
import { FIXTURES, ROOT, sourcesOf } from "./helpers.js";

const text = readFileSync(SCHEMA_PATH, "utf8");
const schema = JSON.parse(text) as JsonSchema & Record<string, unknown>;

/** The schema node at a JSON pointer such as `#/definitions/slo/properties/window`. */
function at(pointer: string): Record<string, unknown> {
  return pointer
    .slice(2)
    .split("/")
    .reduce<Record<string, unknown>>((node, key) => node[key] as Record<string, unknown>, schema);
}

/** Every `default` in the schema, by the pointer of the node that carries it. */
function defaultsIn(node: unknown, pointer = "#"): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (!node || typeof node !== "object") return out;
  for (const [k, v] of Object.entries(node)) {
    if (k === "default") out.set(pointer, v);
    else for (const [p, d] of defaultsIn(v, `${pointer}/${k}`)) out.set(p, d);
  }
  return out;
}

describe("the spec types", () => {
  it("src/model/spec.generated.ts is what scripts/spec-types.ts makes of the schema (npm run spec:types)", () => {
    expect(readFileSync(TYPES_PATH, "utf8")).toBe(specTypes(schema));
  });
  it("names one type after each definition", () => {
    const generated = readFileSync(TYPES_PATH, "utf8");
    for (const name of ["Duration", "BurnRateAlert", "ChaosExperiment", "ParamsPodKill", "OrganizationSlo"]) expect(generated).toMatch(new RegExp(`^export (type|interface) ${name}\\b`, "m"));
  });
});

describe("the published schema", () => {
  it("`svcspec schema` prints the file byte for byte", () => expect(schemaText()).toBe(text));

  // An editor validates with the patterns alone; svcspec's format keyword only explains a
  // rejection. Both must accept and reject the same documents.
  it("a validator without svcspec's keywords gives the same verdict on every example and fixture document", () => {
    const plain = new Ajv({ strict: false, allErrors: true, allowUnionTypes: true });
    (addFormatsModule as unknown as (a: Ajv) => Ajv)(plain);
    const check = plain.compile(schema);
    const invalid = join(FIXTURES, "invalid");
    const folders = [join(ROOT, "spec"), ...readdirSync(invalid, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(invalid, e.name, "spec"))];
    let rejected = 0;
    for (const folder of folders) {
      for (const doc of parseSources(sourcesOf(folder)).documents) {
        const svcspec = checkSchema(doc).length === 0;
        expect(check(doc.value), `${doc.source.path}#${doc.index}`).toBe(svcspec);
        if (!svcspec) rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(10);
  });
});

// ---------------------------------------------------------------------------------------------
// defaults

/** A small spec with every part a default applies to, left out. */
function base(): { org: Record<string, any>; svc: Record<string, any> } {
  const webhook = { webhook: { url: "http://sink.example:8080/" } };
  const request = { name: "home", method: "GET", path: "/" };
  const chaos = (name: string, fault: string, params?: object) => ({ name, fault, mode: "one", duration: "30s", ...(params ? { params } : {}) });
  return {
    org: { apiVersion: "svcspec/v1", kind: "Organization", metadata: { name: "acme" }, spec: { teams: { shop: { receivers: { page: webhook, ticket: webhook } } } } },
    svc: {
      apiVersion: "svcspec/v1",
      kind: "Service",
      metadata: { name: "checkout", team: "shop" },
      spec: {
        tier: "high",
        slos: [{ name: "availability", sli: { ratio: { errors: 'http_requests_total{code=~"5.."}', total: "http_requests_total" } } }],
        cache: { routes: [{ path: "/api/*", ttl: "1m" }] },
        pii: { patterns: [{ name: "order", match: "ORD-[0-9]{4}", examples: { match: ["ORD-1234"], noMatch: ["ORD-12"] } }] },
        access: { resources: [{ name: "orders", actions: ["read"] }], rules: [{ name: "read", effect: "allow", actions: ["read"], resources: ["orders"] }] },
        load: [
          { name: "steady", baseUrl: "http://checkout:8080", profile: { stages: [{ duration: "1m", target: 5 }] }, requests: [request], thresholds: [{ metric: "http_req_duration", condition: "p(95)<300" }] },
          { name: "rate", baseUrl: "http://checkout:8080", profile: { arrivalRate: { rate: 10, duration: "1m", preAllocatedVUs: 5 } }, requests: [request] },
        ],
        chaos: [
          chaos("kill", "pod-kill"),
          chaos("delay", "network-delay", { latency: "100ms" }),
          chaos("loss", "network-loss", { loss: "10%" }),
          chaos("partition", "network-partition"),
          chaos("cpu", "cpu-stress", { workers: 1 }),
          chaos("abort", "http-abort", { port: 8080 }),
          chaos("slow", "http-delay", { port: 8080, delay: "1s" }),
        ],
      },
    },
  };
}

type Docs = ReturnType<typeof base>;

function setIn(target: Record<string, any>, path: readonly (string | number)[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) node = node[key] ??= {};
  node[path[path.length - 1]!] = structuredClone(value);
}

function sources(docs: Docs): SourceFile[] {
  return [
    { path: "spec/organization.yaml", name: "spec/organization.yaml", text: JSON.stringify(docs.org) },
    { path: "spec/services/checkout.yaml", name: "spec/services/checkout.yaml", text: JSON.stringify(docs.svc) },
  ];
}

function modelText(docs: Docs): string {
  const { model, diagnostics } = validate(sources(docs));
  expect(diagnostics).toEqual([]);
  return JSON.stringify(model, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

interface Applied {
  /** Where the field lives in the documents of base(). */
  doc: "org" | "svc";
  path: (string | number)[];
  /** Prepares base() so the field has a place (both variants get it). */
  prepare?: (docs: Docs) => void;
  /** Compare these generated files instead of the Model (the Model keeps "absent" apart). */
  files?: string;
}

/** Each default of the schema, where to write it, and how its absence shows. */
const APPLIED: Record<string, Applied> = {
  "#/definitions/organizationSpec/properties/tiers": { doc: "org", path: ["spec", "tiers"] },
  "#/definitions/organizationSpec/properties/pii/properties/defaults": { doc: "org", path: ["spec", "pii", "defaults"] },
  "#/definitions/organizationSpec/properties/pii/properties/sensitiveKeys": { doc: "org", path: ["spec", "pii", "sensitiveKeys"] },
  "#/definitions/organizationSpec/properties/deployPolicy": { doc: "org", path: ["spec", "deployPolicy"] },
  "#/definitions/organizationSpec/properties/access/properties/sensitiveAttributes": { doc: "org", path: ["spec", "access", "sensitiveAttributes"] },
  "#/definitions/organizationSpec/properties/logs/properties/levelField": { doc: "org", path: ["spec", "logs", "levelField"] },
  "#/definitions/organizationSpec/properties/logs/properties/levels": { doc: "org", path: ["spec", "logs", "levels"] },
  "#/definitions/organizationSpec/properties/outputs/properties/tests": { doc: "org", path: ["spec", "outputs", "tests"] },
  "#/definitions/organizationSpec/properties/outputs/properties/prometheusRule": { doc: "org", path: ["spec", "outputs", "prometheusRule"] },
  "#/definitions/organizationSlo/properties/window": { doc: "org", path: ["spec", "slo", "window"] },
  "#/definitions/organizationSlo/properties/burnRateAlerts": { doc: "org", path: ["spec", "slo", "burnRateAlerts"] },
  "#/definitions/deployPolicyRule/properties/emergencyHold": {
    doc: "org",
    path: ["spec", "deployPolicy", 0, "emergencyHold"],
    prepare: (d) => setIn(d.org, ["spec", "deployPolicy"], [{ minBudgetRemaining: "0%", allow: "none" }]),
  },
  // 0 and absent both mean no low-traffic guard; the docs mention a value only when it is written.
  "#/definitions/sloAlerting/properties/minEvents": { doc: "svc", path: ["spec", "slos", 0, "alerting", "minEvents"], files: "prometheus/" },
  "#/definitions/sloAlerting/properties/noData": { doc: "svc", path: ["spec", "slos", 0, "alerting", "noData"] },
  "#/definitions/sloAlerting/properties/name": { doc: "svc", path: ["spec", "slos", 0, "alerting", "name"] },
  "#/definitions/organizationSpec/properties/platform/properties/namespaces/properties/monitoring": { doc: "org", path: ["spec", "platform", "namespaces", "monitoring"] },
  "#/definitions/organizationSpec/properties/platform/properties/namespaces/properties/logging": { doc: "org", path: ["spec", "platform", "namespaces", "logging"] },
  "#/definitions/organizationSpec/properties/platform/properties/namespaces/properties/opa": { doc: "org", path: ["spec", "platform", "namespaces", "opa"] },
  "#/definitions/cacheRoute/properties/scope": { doc: "svc", path: ["spec", "cache", "routes", 0, "scope"] },
  "#/definitions/piiPattern/properties/replace": { doc: "svc", path: ["spec", "pii", "patterns", 0, "replace"] },
  "#/definitions/accessRule/properties/pii": { doc: "svc", path: ["spec", "access", "rules", 0, "pii"] },
  "#/definitions/loadScenario/properties/parallelism": { doc: "svc", path: ["spec", "load", 0, "parallelism"] },
  "#/definitions/arrivalRate/properties/per": { doc: "svc", path: ["spec", "load", 1, "profile", "arrivalRate", "per"] },
  "#/definitions/loadRequest/properties/weight": { doc: "svc", path: ["spec", "load", 0, "requests", 0, "weight"] },
  "#/definitions/loadRequest/properties/expectStatus": { doc: "svc", path: ["spec", "load", 0, "requests", 0, "expectStatus"] },
  "#/definitions/loadThreshold/properties/abortOnFail": { doc: "svc", path: ["spec", "load", 0, "thresholds", 0, "abortOnFail"] },
  "#/definitions/params-network-delay/properties/direction": { doc: "svc", path: ["spec", "chaos", 1, "params", "direction"] },
  "#/definitions/params-network-loss/properties/direction": { doc: "svc", path: ["spec", "chaos", 2, "params", "direction"] },
  "#/definitions/params-network-partition/properties/direction": { doc: "svc", path: ["spec", "chaos", 3, "params", "direction"] },
  "#/definitions/params-cpu-stress/properties/load": { doc: "svc", path: ["spec", "chaos", 4, "params", "load"] },
  "#/definitions/params-http-abort/properties/path": { doc: "svc", path: ["spec", "chaos", 5, "params", "path"] },
  "#/definitions/params-http-abort/properties/target": { doc: "svc", path: ["spec", "chaos", 5, "params", "target"] },
  "#/definitions/params-http-delay/properties/path": { doc: "svc", path: ["spec", "chaos", 6, "params", "path"] },
  "#/definitions/params-http-delay/properties/target": { doc: "svc", path: ["spec", "chaos", 6, "params", "target"] },
};

/** Defaults the consumer applies: svcspec omits the field, and the consumer's default is the value
 * the schema documents. */
const CONSUMER_DEFAULTS: Record<string, { consumer: string; value: unknown }> = {
  "#/definitions/webhookReceiver/properties/maxAlerts": { consumer: "Alertmanager webhook_config max_alerts (0: all)", value: 0 },
  "#/definitions/params-pod-kill/properties/gracePeriod": { consumer: "Chaos Mesh PodChaos gracePeriod", value: 0 },
};

describe("defaults", () => {
  const documented = defaultsIn(schema);

  it("every default of the schema is accounted for", () => {
    expect([...documented.keys()].sort()).toEqual([...Object.keys(APPLIED), ...Object.keys(CONSUMER_DEFAULTS)].sort());
  });

  it("defaults.ts holds the schema's values", () => {
    const props = (def: string) => `#/definitions/${def}/properties`;
    expect(documented.get(`${props("organizationSpec")}/tiers`)).toEqual(D.DEFAULT_TIERS);
    expect(documented.get(`${props("organizationSlo")}/window`)).toBe(D.DEFAULT_SLO_WINDOW);
    expect(documented.get(`${props("organizationSlo")}/burnRateAlerts`)).toEqual(D.DEFAULT_BURN_RATE_ALERTS);
    expect(documented.get(`${props("organizationSpec")}/deployPolicy`)).toEqual(D.DEFAULT_DEPLOY_POLICY);
    // a set: lower() puts detectors in catalogue (redaction) order whatever order the list has
    expect([...(documented.get(`${props("organizationSpec")}/pii/properties/defaults`) as string[])].sort()).toEqual([...D.DEFAULT_PII_DEFAULTS].sort());
    expect(documented.get(`${props("organizationSpec")}/pii/properties/sensitiveKeys`)).toEqual(D.DEFAULT_SENSITIVE_KEYS);
    expect(documented.get(`${props("organizationSpec")}/access/properties/sensitiveAttributes`)).toEqual(D.DEFAULT_SENSITIVE_ATTRIBUTES);
    expect(documented.get(`${props("organizationSpec")}/logs/properties/levelField`)).toBe(D.DEFAULT_LOG_LEVEL_FIELD);
    expect(documented.get(`${props("organizationSpec")}/logs/properties/levels`)).toEqual(D.DEFAULT_LOG_LEVELS);
    expect(documented.get(`${props("organizationSpec")}/outputs/properties/tests`)).toBe(D.DEFAULT_OUTPUT_TESTS);
    expect(documented.get(`${props("organizationSpec")}/outputs/properties/prometheusRule`)).toBe(D.DEFAULT_OUTPUT_PROMETHEUS_RULE);
    expect(documented.get(`${props("sloAlerting")}/noData`)).toBe(D.DEFAULT_NO_DATA);
    expect(documented.get(`${props("sloAlerting")}/name`)).toBe(D.DEFAULT_BURN_ALERT_NAME);
    for (const [k, v] of Object.entries(D.DEFAULT_NAMESPACES)) expect(documented.get(`${props("organizationSpec")}/platform/properties/namespaces/properties/${k}`)).toBe(v);
    expect(documented.get(`${props("cacheRoute")}/scope`)).toBe(D.DEFAULT_CACHE_SCOPE);
    expect(documented.get(`${props("piiPattern")}/replace`)).toBe(D.DEFAULT_PATTERN_REPLACEMENT);
    expect(documented.get(`${props("loadScenario")}/parallelism`)).toBe(D.DEFAULT_LOAD_PARALLELISM);
    expect(documented.get(`${props("arrivalRate")}/per`)).toBe(D.DEFAULT_ARRIVAL_PER);
    expect(documented.get(`${props("loadRequest")}/weight`)).toBe(D.DEFAULT_REQUEST_WEIGHT);
    expect(documented.get(`${props("loadRequest")}/expectStatus`)).toEqual(D.DEFAULT_EXPECT_STATUS);
    for (const fault of ["network-delay", "network-loss", "network-partition"]) expect(documented.get(`${props(`params-${fault}`)}/direction`)).toBe(D.DEFAULT_NETWORK_DIRECTION);
    expect(documented.get(`${props("params-cpu-stress")}/load`)).toBe(D.DEFAULT_CPU_LOAD);
    for (const fault of ["http-abort", "http-delay"]) {
      expect(documented.get(`${props(`params-${fault}`)}/path`)).toBe(D.DEFAULT_HTTP_PATH);
      expect(documented.get(`${props(`params-${fault}`)}/target`)).toBe(D.DEFAULT_HTTP_TARGET);
    }
  });

  it.each(Object.entries(APPLIED))("lower() applies %s: leaving it out is writing the default", (pointer, a) => {
    const absent = base();
    a.prepare?.(absent);
    const written = structuredClone(absent);
    setIn(written[a.doc], a.path, documented.get(pointer));
    if (a.files) {
      const files = (d: Docs) => [...(compile(sources(d)).files ?? [])].filter(([p]) => p.startsWith(a.files!));
      expect(files(written).length).toBeGreaterThan(0);
      expect(files(written)).toEqual(files(absent));
    } else {
      expect(modelText(written)).toBe(modelText(absent));
    }
  });

  it.each(Object.entries(CONSUMER_DEFAULTS))("%s is the consumer's default", (pointer, c) => expect(documented.get(pointer), c.consumer).toEqual(c.value));
});

// ---------------------------------------------------------------------------------------------
// enums

describe("the code's word lists are the schema's enums", () => {
  const enumOf = (pointer: string) => at(pointer)["enum"] as string[];

  it("severities", () => expect([...SEVERITIES]).toEqual(enumOf("#/definitions/burnRateAlert/properties/severity")));
  it("noData: none or a severity", () => expect(enumOf("#/definitions/sloAlerting/properties/noData").sort()).toEqual(["none", ...SEVERITIES].sort()));
  it("weekdays, in calendar order", () => expect([...WEEKDAYS]).toEqual(enumOf("#/definitions/schedule/properties/days/items")));
  it("PII detectors", () => expect([...D.PII_DETECTORS].sort()).toEqual(enumOf("#/definitions/detector").sort()));
  it("chaos modes", () => expect(Object.keys(CHAOS_MODE_VALUES)).toEqual(enumOf("#/definitions/chaosExperiment/properties/mode")));
  it("chaos faults: each has a Chaos Mesh kind and a params definition", () => {
    for (const fault of enumOf("#/definitions/chaosExperiment/properties/fault")) {
      expect(chaosKind({ fault } as ChaosExperiment), fault).toMatch(/Chaos$/);
      expect(schema.definitions?.[`params-${fault}`], fault).toBeDefined();
    }
  });
  it("field actions and detector ids of the PII policy (compile-time: this file does not type-check otherwise)", () => {
    type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
    const agree: [Same<FieldAction, S.PiiField["action"]>, Same<DetectorId, S.Detector>] = [true, true];
    expect(agree).toEqual([true, true]);
  });
});
