/** out/grafana/<service>.json per service with SLOs or a cache objective, and
 * out/grafana/overview.json: Grafana dashboards built with the Grafana Foundation SDK from the
 * panels of panels.ts, each in a ConfigMap for Grafana's dashboard sidecar (label
 * grafana_dashboard: "1", in the platform's monitoring namespace): a service's beside its other
 * objects (kubernetes/<service>/configmap-grafana-dashboard.yaml), so a change to one service
 * changes its own ConfigMap only; the overview's in kubernetes/platform/. */
import type * as bargauge from "@grafana/grafana-foundation-sdk/bargauge";
import type * as common from "@grafana/grafana-foundation-sdk/common";
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import type * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import type * as stat from "@grafana/grafana-foundation-sdk/stat";
import type * as text from "@grafana/grafana-foundation-sdk/text";
import type * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import type { Model, Organization, Service } from "../../src/model/model.js";
import type { GeneratedFile } from "../../src/output/fileset.js";
import { type ConfigMapRequest, joinOutputs, type TargetOutput } from "../../src/package/request.js";
import { dashboardPath, dashboardUid, hasDashboard } from "../../src/model/platform.js";
import { toJson } from "../../src/render/json.js";
import { commonLabels, dnsName } from "../../src/render/kubernetes.js";
import { sdk } from "./sdk.js";
import { overviewPanels, type PanelSpec, servicePanels } from "./panels.js";

export const GRAFANA_CONFIGMAP_PATH = "kubernetes/platform/grafana-dashboards.configmap.yaml";
export const GRAFANA_CONFIGMAP = "svcspec-grafana-dashboards";
/** A service's dashboard ConfigMap, in its kubernetes folder. */
export const serviceDashboardConfigMapPath = (service: string) => `kubernetes/${service}/configmap-grafana-dashboard.yaml`;
const SIDECAR_COMMENT = ["Grafana dashboards for the dashboard sidecar of the Grafana Helm chart (sidecar.dashboards.enabled: true,", "label grafana_dashboard, searchNamespace including this namespace). Each needs a Prometheus data source."];
export const DASHBOARD_TAG = "svcspec";
export const OVERVIEW_UID = "svcspec-overview";
const DATASOURCE: common.DataSourceRef = { type: "prometheus", uid: "${datasource}" };
export { dashboardUid };

/** The services that get a dashboard: those with an SLO or a cache objective. */
export function dashboardServices(model: Model): Service[] {
  return model.services.filter(hasDashboard);
}

function thresholds(spec: PanelSpec): dashboard.ThresholdsConfigBuilder {
  const g = sdk();
  return new g.dashboard.ThresholdsConfigBuilder().mode(g.dashboard.ThresholdsMode.Absolute).steps(spec.thresholds.map((t) => ({ value: t.value, color: t.color })));
}

function targets(spec: PanelSpec): prometheus.DataqueryBuilder[] {
  const g = sdk();
  return spec.queries.map((q, i) => {
    const b = new g.prometheus.DataqueryBuilder().datasource(DATASOURCE).refId(String.fromCharCode(65 + i)).expr(q.expr).legendFormat(q.legend);
    return q.instant ? b.instant() : b.range();
  });
}

function panel(spec: PanelSpec): dashboard.PanelBuilder | text.PanelBuilder | stat.PanelBuilder | timeseries.PanelBuilder | bargauge.PanelBuilder {
  const g = sdk();
  switch (spec.kind) {
    case "header":
      return new g.text.PanelBuilder().title(spec.title).description(spec.description).mode(g.text.TextMode.Markdown).content(spec.content ?? "").height(8).span(24);
    case "stat": {
      const b = new g.stat.PanelBuilder().title(spec.title).description(spec.description).datasource(DATASOURCE).unit(spec.unit).thresholds(thresholds(spec)).colorMode(g.common.BigValueColorMode.Background).graphMode(g.common.BigValueGraphMode.None).height(5).span(6);
      for (const t of targets(spec)) b.withTarget(t);
      return b;
    }
    case "timeseries": {
      const b = new g.timeseries.PanelBuilder()
        .title(spec.title)
        .description(spec.description)
        .datasource(DATASOURCE)
        .unit(spec.unit)
        .thresholds(thresholds(spec))
        .thresholdsStyle(new g.common.GraphThresholdsStyleConfigBuilder().mode(g.common.GraphThresholdsStyleMode.Dashed))
        .height(8)
        .span(12);
      if (spec.min !== undefined) b.min(spec.min);
      if (spec.max !== undefined) b.max(spec.max);
      for (const t of targets(spec)) b.withTarget(t);
      return b;
    }
    case "bargauge": {
      const b = new g.bargauge.PanelBuilder()
        .title(spec.title)
        .description(spec.description)
        .datasource(DATASOURCE)
        .unit(spec.unit)
        .thresholds(thresholds(spec))
        .displayMode(g.common.BarGaugeDisplayMode.Basic)
        .orientation(g.common.VizOrientation.Horizontal)
        .height(12)
        .span(12);
      if (spec.min !== undefined) b.min(spec.min);
      if (spec.max !== undefined) b.max(spec.max);
      if (spec.link) b.dataLinks([new g.dashboard.DashboardLinkBuilder(spec.link.title).url(spec.link.url)]);
      for (const t of targets(spec)) b.withTarget(t);
      return b;
    }
  }
}

function datasourceVariable(): dashboard.DatasourceVariableBuilder {
  const g = sdk();
  return new g.dashboard.DatasourceVariableBuilder("datasource").label("Prometheus").type("prometheus");
}

function build(title: string, uid: string, tags: string[], panels: PanelSpec[], links: dashboard.DashboardLinkBuilder[]): string {
  const g = sdk();
  const b = new g.dashboard.DashboardBuilder(title).uid(uid).tags(tags).editable().refresh("1m").time({ from: "now-7d", to: "now" }).timezone("utc").withVariable(datasourceVariable()).links(links);
  for (const p of panels) b.withPanel(panel(p));
  return toJson(b.build());
}

/** The URL of a service's dashboard from a bar of the overview (labels of the series). */
function serviceUrl(model: Model): string {
  // every uid is svcspec-<service> unless a name is too long for it; then Grafana's search finds it
  return model.services.every((s) => dashboardUid(s.name) === `svcspec-${s.name}`) ? "/d/svcspec-${__field.labels.service}" : `/dashboards?tag=${DASHBOARD_TAG}&query=\${__field.labels.service}`;
}

function othersLink(): dashboard.DashboardLinkBuilder {
  const g = sdk();
  return new g.dashboard.DashboardLinkBuilder("Service dashboards").type(g.dashboard.DashboardLinkType.Dashboards).tags([`${DASHBOARD_TAG}-service`]).asDropdown(true).keepTime(true);
}

/** A service's dashboard (none without one): a function of the Organization and the service. */
export function grafanaService(organization: Organization, s: Service): TargetOutput {
  if (!hasDashboard(s)) return { files: [], packages: [] };
  const g = sdk();
  const back = new g.dashboard.DashboardLinkBuilder("SLO overview").type(g.dashboard.DashboardLinkType.Link).url(`/d/${OVERVIEW_UID}`).keepTime(true);
  const content = build(`${s.name}: SLOs and error budgets`, dashboardUid(s.name), [DASHBOARD_TAG, `${DASHBOARD_TAG}-service`, `team-${s.team}`, `tier-${s.tier.name}`], servicePanels({ organization }, s), [back, othersLink()]);
  const path = dashboardPath(s.name);
  return { files: [{ path, content }], packages: [dashboardConfigMap(organization, serviceDashboardConfigMapPath(s.name), dnsName(`${s.name}-grafana-dashboard`), commonLabels(s), [s.file ?? ""].filter(Boolean), path)] };
}

export function generateGrafana(model: Model): TargetOutput {
  const services = model.services.map((s) => grafanaService(model.organization, s));
  return joinOutputs([...services, assembleGrafana(model)]);
}

/** The cross-service part: the overview and its ConfigMap (every SLO of the organisation, so it
 * reads the Model; no service's dashboard). */
export function assembleGrafana(model: Model): TargetOutput {
  const services = dashboardServices(model);
  if (services.length === 0) return { files: [], packages: [] };
  const others = othersLink();
  const overview: GeneratedFile = { path: "grafana/overview.json", content: build(`${model.organization.name}: every SLO by risk`, OVERVIEW_UID, [DASHBOARD_TAG], overviewPanels(model, serviceUrl(model)), [others]) };
  const sources = [model.organization.file ?? "", ...services.map((s) => s.file ?? "")].filter(Boolean);
  return { files: [overview], packages: [dashboardConfigMap(model.organization, GRAFANA_CONFIGMAP_PATH, GRAFANA_CONFIGMAP, {}, sources, overview.path)] };
}

/** The ConfigMap that carries one dashboard file to Grafana's sidecar (split under 1 MiB). */
function dashboardConfigMap(organization: Organization, path: string, name: string, labels: Record<string, string>, sources: string[], dashboard: string): ConfigMapRequest {
  return {
    kind: "ConfigMap",
    path,
    sources,
    metadata: {
      name,
      namespace: organization.platform.namespaces.monitoring,
      labels: { "app.kubernetes.io/managed-by": "svcspec", ...labels, "app.kubernetes.io/component": "grafana-dashboards", grafana_dashboard: "1" },
    },
    data: [{ kind: "file", key: dashboard.slice("grafana/".length), path: dashboard }],
    overflow: "split",
    comment: SIDECAR_COMMENT,
  };
}
