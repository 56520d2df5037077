/** svcspec import (unit tier): what Sloth and OpenSLO constructs become, and where the ones that do
 * not carry over are reported (file:line:col). The consumer tier proves the rules against Sloth
 * and hand-computed ratios (test/consumer/sloth.test.ts, openslo.test.ts). */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import jsyaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { compile } from "../src/compile.js";
import { importOpenSlo } from "../src/import/openslo.js";
import { importSloth } from "../src/import/sloth.js";
import { parseSources } from "../src/load/source.js";
import type { ServiceDoc } from "../src/model/spec.js";
import { FIXTURES, run, tempDir } from "./helpers.js";

const docs = (path: string, text: string) => parseSources([{ path, name: path, text }]).documents;
const where = (d: { code: string; line: number; col: number }) => `${d.code} ${d.line}:${d.col}`;

describe("import sloth", () => {
  it("maps events, raw, labels, alert name, per-severity labels and disabled alerts", () => {
    const text = readFileSync(join(FIXTURES, "sloth", "alerting.yaml"), "utf8");
    const { services, diagnostics } = importSloth(docs("alerting.yaml", text), { team: "orders" });
    expect(services).toHaveLength(1);
    const slo = services[0]!.doc.spec.slos![0]!;
    expect(slo.objective).toBe(99.9);
    expect(slo.sli).toEqual({ ratio: { errors: 'orders_requests_total{code=~"5.."}', total: "orders_requests_total" } });
    expect(slo.alerting).toEqual({
      page: true,
      ticket: true,
      name: "OrdersHighErrorRate",
      labels: { category: "availability" },
      annotations: { summary: "High error rate on orders", runbook: "https://runbooks.example/orders", dashboard: "https://grafana.example/d/orders for {{$labels.sloth_service}}" },
      bySeverity: { page: { labels: { routing_key: "orders-oncall" }, annotations: { escalation: "call the orders on-call" } }, ticket: { labels: { slack_channel: "#orders-alerts" } } },
    });
    // the Go template in an annotation is said, at the annotation's value
    expect(diagnostics.map(where)).toEqual(["SVC102 17:20"]);
  });

  it("a query SLI for anything but sum(rate(selector)), $window for {{.window}}, a unit total for raw ratios", () => {
    const text = readFileSync(join(FIXTURES, "sloth", "multi-slo.yaml"), "utf8");
    const slos = importSloth(docs("multi-slo.yaml", text)).services[0]!.doc.spec.slos!;
    expect(slos.map((s) => Object.keys(s.sli)[0])).toEqual(["ratio", "query", "query"]);
    expect(slos[1]!.sli.query!.errors).toContain("gateway_request_duration_seconds_bucket{le=\"1\"}[$window]");
    expect(slos[2]!.sli.query).toEqual({ errors: 'avg(1 - avg_over_time(up{job="gateway-upstreams"}[$window]))', total: '(avg(1 - avg_over_time(up{job="gateway-upstreams"}[$window]))) * 0 + 1' });
    expect(slos.map((s) => [s.alerting!.page, s.alerting!.ticket])).toEqual([[true, true], [true, false], [false, true]]);
  });

  it("the CRD's namespace and camelCase fields; a groupBy from sum by", () => {
    const crd = importSloth(docs("crd.yaml", readFileSync(join(FIXTURES, "sloth", "crd.yaml"), "utf8"))).services[0]!.doc;
    expect(crd.metadata).toEqual({ name: "inventory", team: "warehouse", namespace: "warehouse" });
    expect(crd.spec.slos!.map((s) => s.name)).toEqual(["availability", "sync-lag"]);
    const grouped = importSloth(docs("grouped.yaml", readFileSync(join(FIXTURES, "sloth", "grouped.yaml"), "utf8"))).services[0]!.doc;
    expect(grouped.spec.slos![0]!.sli.ratio!.groupBy).toEqual(["route"]);
  });

  it("reports what cannot be carried, where it is", () => {
    const text = [
      'version: "prometheus/v1"', //                                              1
      "service: Shop_Front", //                                                   2
      "labels: { team: web, tier: gold }", //                                     3
      "slo_plugins: { chain: [ { id: x } ] }", //                                 4
      "slos:", //                                                                 5
      "  - name: plugin-sli", //                                                  6
      "    objective: 99", //                                                   7
      "    sli: { plugin: { id: sloth-common/coredns/availability } }", //        8
      "    alerting: { name: A }", //                                          9
      "  - name: full", //                                                       10
      "    objective: 100", //                                                 11
      "    sli: { raw: { error_ratio_query: 'x[{{.window}}]' } }", //            12
      "  - name: ok", //                                                         13
      "    objective: 99.5", //                                                14
      "    sli: { raw: { error_ratio_query: 'x[{{.window}}]' } }", //            15
      "    alerting: { name: bad-name, labels: { severity: high } }", //       16
    ].join("\n");
    const { services, diagnostics } = importSloth(docs("shop.yaml", text));
    expect(diagnostics.map(where)).toEqual([
      "SVC102 2:10", // Shop_Front -> shop-front
      "SVC101 3:1", // spec labels: on the alerts, not on the recording rules
      "SVC102 3:11", // team: a label svcspec sets (it becomes metadata.team)
      "SVC102 3:22", // tier: a label svcspec sets
      "SVC101 4:1", // slo_plugins
      "SVC100 8:12", // an SLI plugin
      "SVC100 11:16", // objective 100
      "SVC102 15:38", // a raw ratio: a unit total
      "SVC102 16:23", // not a Prometheus alert name
      "SVC102 16:43", // severity: a label svcspec sets
    ]);
    const doc = services[0]!.doc;
    expect(doc.metadata).toEqual({ name: "shop-front", team: "web" });
    expect(doc.spec.slos!.map((s) => s.name)).toEqual(["ok"]);
    expect(doc.spec.slos![0]!.alerting).toEqual({ page: true, ticket: true });
  });

  it("is not fooled by an OpenSLO or svcspec document", () => {
    const { services, diagnostics } = importSloth(docs("x.yaml", "apiVersion: openslo/v1\nkind: SLO\nmetadata: { name: a }\nspec: {}\n"));
    expect(services).toEqual([]);
    expect(diagnostics[0]).toMatchObject({ code: "SVC100", severity: "error", hint: "run `svcspec import openslo` on it" });
  });

  it("every import of the corpus compiles", () => {
    for (const f of readdirSync(join(FIXTURES, "sloth")).filter((x) => x.endsWith(".yaml") && !x.includes(".series."))) {
      const { services } = importSloth(docs(f, readFileSync(join(FIXTURES, "sloth", f), "utf8")), { team: "t" });
      const sources = services.map((s, i) => ({ path: `${f}#${i}`, name: `${f}#${i}`, text: JSON.stringify(s.doc) }));
      const r = compile(sources);
      expect(r.diagnostics.filter((d) => d.severity === "error"), f).toEqual([]);
      expect(r.files, f).not.toBeNull();
    }
  });
});

describe("import openslo", () => {
  const read = (name: string) => docs(`${name}.yaml`, readFileSync(join(FIXTURES, "openslo", `${name}.yaml`), "utf8"));

  it("target 0.999 is 99.9, 4w is 28d, good/total counters a ratio SLI, labels on the alerts", () => {
    const { services, diagnostics } = importOpenSlo(read("ratio-counters"), { team: "shop" });
    expect(diagnostics).toEqual([]);
    const doc: ServiceDoc = services[0]!.doc;
    expect(doc.spec.description).toBe("Cart and order placement.");
    expect(doc.spec.slos).toEqual([
      {
        name: "availability",
        description: "Checkout requests without a server error.",
        objective: 99.9,
        window: "28d",
        sli: { ratio: { good: 'http_requests_total{job="checkout",code!~"5.."}', total: 'http_requests_total{job="checkout"}' } },
        alerting: { labels: { category: "availability" } },
      },
    ]);
  });

  it("a threshold metric on a bucket selector through a DataSource is a latency SLI", () => {
    const slo = importOpenSlo(read("threshold-latency"), { team: "t" }).services[0]!.doc.spec.slos![0]!;
    expect(slo.sli).toEqual({ latency: { histogram: "http_request_duration_seconds", selector: '{job="catalog"}', threshold: "300ms" } });
    expect(slo.objective).toBe(99);
  });

  it("reports every construct that does not map, where it is", () => {
    const { services, diagnostics } = importOpenSlo(read("unsupported"), { team: "t" });
    expect(services).toEqual([]);
    expect(diagnostics.map(where)).toEqual([
      "SVC102 6:12", // no Service document: one is created
      "SVC100 7:17", // indicatorRef to a missing SLI
      "SVC100 9:17", // 1M has no fixed length
      "SVC100 12:20", // Timeslices
      "SVC100 15:24", // timeSliceTarget
      "SVC100 16:24", // timeSliceWindow
      "SVC100 29:39", // Datadog (good)
      "SVC100 30:40", // Datadog (total)
      "SVC101 36:3", // alertPolicies
      "SVC100 49:9", // a quantile threshold
      "SVC101 62:7", // AlertPolicy
      "SVC100 69:13", // v1alpha
    ]);
  });
});

describe("svcspec import (CLI)", () => {
  it("writes one file per service under --out, refuses to overwrite, and the result validates", async () => {
    const tmp = tempDir();
    try {
      const args = ["import", "sloth", join(FIXTURES, "sloth", "two-services.yaml"), "--out", join(tmp.path, "spec", "services"), "--team", "shop"];
      const first = await run(args);
      expect(first.code, first.err).toBe(0);
      expect(first.err).toMatch(/imported 2 services with 2 SLOs from 1 file/);
      expect(readdirSync(join(tmp.path, "spec", "services")).sort()).toEqual(["cart.yaml", "wishlist.yaml"]);
      expect(readFileSync(join(tmp.path, "spec", "services", "cart.yaml"), "utf8")).toMatch(/^# Imported by `svcspec import sloth` from .*two-services\.yaml \(Sloth prometheus\/v1\)\./);
      const again = await run(args);
      expect(again.code).toBe(1);
      expect(again.err).toMatch(/already exist.*nothing written/s);
      // Valid svcspec, but Sloth specs carry no runbook: the built-in policy asks for one on every
      // paging service, and that is all validate reports (docs/import.md says so).
      const valid = await run(["validate", "--spec", join(tmp.path, "spec"), "--format", "json"]);
      const codes = (JSON.parse(valid.out) as { diagnostics: { code: string; file: string }[] }).diagnostics.map((d) => `${d.code} ${d.file.split("/").pop()}`);
      expect(codes).toEqual(["paging_needs_runbook cart.yaml", "paging_needs_runbook wishlist.yaml"]);
      // --runbook gives every imported service one: then the import validates clean
      const withRunbook = await run([...args, "--force", "--runbook", "https://runbooks.example/shop"]);
      expect(withRunbook.code, withRunbook.err).toBe(0);
      const clean = await run(["validate", "--spec", join(tmp.path, "spec")]);
      expect(clean.code, clean.err).toBe(0);
    } finally {
      tmp.cleanup();
    }
  });

  it("prints to stdout, lists constructs in JSON, and exits 1 when a construct cannot be imported", async () => {
    const printed = await run(["import", "openslo", join(FIXTURES, "openslo", "bad-windowed.yaml"), "--team", "t"]);
    expect(printed.code).toBe(0);
    expect(jsyaml.load(printed.out.split("\n").filter((l) => !l.startsWith("#")).join("\n"))).toMatchObject({ kind: "Service", metadata: { name: "search" } });
    const json = await run(["import", "openslo", join(FIXTURES, "openslo", "unsupported.yaml"), "--format", "json"]);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.out) as { diagnostics: { code: string }[]; constructs: { dropped: Record<string, number> } };
    expect(report.diagnostics.filter((d) => d.code === "SVC100")).toHaveLength(9);
    expect(report.constructs.dropped["budgetingMethod Timeslices"]).toBe(1);
  });
});

describe("spec fields for imported alerts", () => {
  const svc = (alerting: object) => ({
    apiVersion: "svcspec/v1",
    kind: "Service",
    metadata: { name: "shop", team: "web" },
    spec: { tier: "high", slos: [{ name: "availability", sli: { ratio: { errors: 'http_requests_total{code=~"5.."}', total: "http_requests_total" } }, alerting }] },
  });
  const org = (platform?: object) => ({ apiVersion: "svcspec/v1", kind: "Organization", metadata: { name: "acme" }, spec: { teams: { web: { receivers: { page: { webhook: { url: "http://x:1/" } }, ticket: { webhook: { url: "http://x:1/" } } } } }, ...(platform ? { platform } : {}) } });
  const build = (alerting: object, platform?: object) => {
    const r = compile([
      { path: "o.yaml", name: "o.yaml", text: JSON.stringify(org(platform)) },
      { path: "s.yaml", name: "s.yaml", text: JSON.stringify(svc(alerting)) },
    ]);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    return r.files!;
  };
  const alerts = (files: Map<string, string>) => (jsyaml.load(files.get("prometheus/shop.rules.yaml")!.replace(/^#.*\n/gm, "")) as { groups: { rules: { alert?: string; labels?: Record<string, string>; annotations?: Record<string, string> }[] }[] }).groups[0]!.rules.filter((r) => r.alert);

  it("alerting.name names every burn-rate alert; bySeverity labels and annotations go on that severity only", () => {
    const files = build({ name: "ShopBurn", noData: "page", labels: { routing: "all", team_channel: "#web" }, annotations: { dashboard: "d" }, bySeverity: { page: { labels: { routing: "pager" }, annotations: { dashboard: "p" } }, ticket: { labels: { ticket_queue: "WEB" } } } });
    const rules = alerts(files);
    expect([...new Set(rules.map((r) => r.alert))].sort()).toEqual(["SLONoData", "ShopBurn"]);
    for (const r of rules) {
      const page = r.labels!["severity"] === "page";
      expect(r.labels!["routing"]).toBe(page ? "pager" : "all");
      expect(r.labels!["ticket_queue"]).toBe(page ? undefined : "WEB");
      expect(r.labels!["team_channel"]).toBe("#web");
      expect(r.annotations!["dashboard"]).toBe(page ? "p" : "d");
    }
    expect(files.get("prometheus/shop.rules.test.yaml")).toMatch(/alertname: ShopBurn/);
    expect(files.get("alertmanager/routes.test.yaml")).toMatch(/alertname: ShopBurn/);
  });

  it("platform.namespaces move the Alertmanager Secret, the Fluent Bit ConfigMap and the OPA ConfigMap", () => {
    const files = build({}, { namespaces: { monitoring: "obs", logging: "logs", opa: "policy" } });
    expect(files.get("kubernetes/platform/alertmanager.secret.yaml")).toMatch(/namespace: obs\n/);
    expect(files.get("kubernetes/platform/fluent-bit.configmap.yaml")).toMatch(/namespace: logs\n/);
    expect(files.get("fluent-bit/fluent-bit.values.yaml")).toMatch(/helm upgrade --install fluent-bit fluent\/fluent-bit -n logs /);
    const defaults = build({});
    expect(defaults.get("kubernetes/platform/alertmanager.secret.yaml")).toMatch(/namespace: monitoring\n/);
  });
});
