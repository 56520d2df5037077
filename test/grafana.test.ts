/** The Grafana dashboards: built from the Model, every panel query parses as PromQL (lezer-promql,
 * as validation reads a spec's queries) and names only series the generated rules record, and
 * the ConfigMap carries every dashboard to Grafana's sidecar. (The queries evaluated with data by
 * promtool: test/consumer/grafana.test.ts.) */
import jsyaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { dashboardServices, dashboardUid, GRAFANA_CONFIGMAP_PATH, generateGrafana, serviceDashboardConfigMapPath } from "../generators/grafana/index.js";
import { servicePanels } from "../generators/grafana/panels.js";
import { generatePrometheus } from "../generators/prometheus/index.js";
import { packageOutputs } from "../src/package/index.js";
import { checkPromql } from "../src/validate/promql.js";
import { modelOf } from "./helpers.js";

const model = modelOf("spec");
type Dashboard = { uid: string; title: string; panels: { type: string; title: string; targets?: { expr: string }[]; fieldConfig?: { defaults: { unit?: string } } }[] };
const files = new Map(packageOutputs([generateGrafana(model)]).map((f) => [f.path, f.content]));
const dashboards = [...files].filter(([p]) => p.startsWith("grafana/")).map(([p, c]) => [p, JSON.parse(c) as Dashboard] as const);

describe("grafana dashboards", () => {
  it("one per service with SLOs and the overview, each with a unique uid Grafana accepts", () => {
    expect(dashboards.map(([p]) => p).sort()).toEqual([...dashboardServices(model).map((s) => `grafana/${s.name}.json`), "grafana/overview.json"].sort());
    const uids = dashboards.map(([, d]) => d.uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const uid of uids) expect(uid.length).toBeLessThanOrEqual(40);
    expect(dashboardUid("x".repeat(63))).toMatch(/^svcspec-[0-9a-f]{24}$/);
  });

  it("every panel query parses as PromQL", () => {
    let n = 0;
    for (const [path, d] of dashboards) {
      for (const p of d.panels) {
        for (const t of p.targets ?? []) {
          expect(checkPromql(t.expr, "expr"), `${path}: ${p.title}: ${t.expr}`).toBeNull();
          n++;
        }
      }
    }
    expect(n).toBeGreaterThan(60);
    // the check can fail
    expect(checkPromql("sum(rate(x[5m])", "expr")).not.toBeNull();
  });

  it("no query names a recorded series the generated rules do not record (no window the spec does not declare)", () => {
    const rules = packageOutputs([generatePrometheus(model)]).filter((f) => /^prometheus\/.*\.rules\.yaml$/.test(f.path)).map((f) => f.content).join("\n");
    const recorded = new Set([...rules.matchAll(/record: (\S+)/g)].map((m) => m[1]!));
    for (const [path, d] of dashboards) {
      for (const p of d.panels) {
        for (const t of p.targets ?? []) {
          for (const m of t.expr.matchAll(/\b((?:slo|cache):[a-z_:]+[0-9a-z]*)/g)) expect(recorded, `${path}: ${p.title}: ${m[1]}`).toContain(m[1]);
        }
      }
    }
  });

  it("per SLO: objective, budget remaining, burn per alert window with its factor drawn, rates, alerts; latency and cache panels where they apply", () => {
    const checkout = model.services.find((s) => s.name === "checkout")!;
    const panels = servicePanels(model, checkout);
    expect(panels[0]!.kind).toBe("header");
    expect(panels[0]!.content).toContain("**Team** payments");
    for (const slo of checkout.slos) {
      const mine = panels.filter((p) => p.title.startsWith(`${slo.name}:`));
      const burns = mine.filter((p) => p.queries.some((q) => q.measures?.role === "burn"));
      expect(burns.map((p) => p.thresholds[1]!.value)).toEqual(slo.alerts.map((a) => a.factor.toNumber()));
      expect(mine.some((p) => p.queries.some((q) => q.measures?.role === "budget-remaining"))).toBe(true);
      expect(mine.some((p) => p.queries.some((q) => q.measures?.role === "latency"))).toBe(slo.sli.kind === "latency");
    }
    expect(panels.some((p) => p.queries.some((q) => q.measures?.role === "cache-hit-ratio"))).toBe(checkout.cache?.hitRatio != null);
  });

  it("the ConfigMaps: labelled for Grafana's sidecar, in the monitoring namespace, every dashboard as a key of one; a service's in its own folder with its own dashboard alone", () => {
    type Doc = { metadata: { name: string; namespace: string; labels: Record<string, string> }; data: Record<string, string> };
    const load = (path: string) => jsyaml.loadAll(files.get(path)!) as Doc[];
    const services = dashboardServices(model);
    for (const s of services) {
      const own = load(serviceDashboardConfigMapPath(s.name));
      expect(own.map((d) => d.metadata.name)).toEqual([`${s.name}-grafana-dashboard`]);
      expect(Object.keys(own[0]!.data)).toEqual([`${s.name}.json`]);
    }
    expect(Object.keys(load(GRAFANA_CONFIGMAP_PATH)[0]!.data)).toEqual(["overview.json"]);
    const docs = [GRAFANA_CONFIGMAP_PATH, ...services.map((s) => serviceDashboardConfigMapPath(s.name))].flatMap(load);
    const keys = docs.flatMap((d) => Object.keys(d.data)).sort();
    expect(keys).toEqual(dashboards.map(([p]) => p.slice("grafana/".length)).sort());
    for (const d of docs) {
      expect(d.metadata.labels["grafana_dashboard"]).toBe("1");
      expect(d.metadata.namespace).toBe(model.organization.platform.namespaces.monitoring);
      for (const [k, v] of Object.entries(d.data)) expect(JSON.parse(v)).toEqual(JSON.parse(files.get(`grafana/${k}`)!));
    }
  });
});
