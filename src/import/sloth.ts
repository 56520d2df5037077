/** Sloth specs -> svcspec Services: `version: prometheus/v1` files and the Kubernetes
 * PrometheusServiceLevel (`sloth.slok.dev/v1`), which say the same in camelCase.
 *
 * What maps: service -> metadata.name; SLO name, description, objective; `events` SLIs -> a ratio
 * SLI when both queries are `sum(rate(<selector>[{{.window}}]))` (same grouping), else a query
 * SLI with `{{.window}}` as `$window`; `raw` SLIs -> a query SLI whose total is one per second
 * wherever the ratio has a value (windows above 6h then average the 5m ratios over time, as
 * Sloth's period window does); spec and SLO labels and alerting.labels -> alerting.labels;
 * alerting.annotations; alerting.name; page_alert / ticket_alert: disable -> alerting.page /
 * ticket, labels and annotations -> alerting.bySeverity; the CRD's namespace -> metadata.namespace.
 * What does not: SLI plugins (an error: svcspec runs no Sloth plugins), SLO plugins, labels
 * svcspec sets on every alert, and the labels on recording rules (svcspec keeps series identity to
 * service and slo). Each is a located diagnostic. */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { PathSegment } from "../load/locate.js";
import { foreignFormat } from "../load/foreign.js";
import type { SpecDocument } from "../load/source.js";
import type { Labels, Slo, SloAlerting } from "../model/spec.js";
import {
  alertAnnotations,
  alertLabels,
  compact,
  DEFAULT_IMPORT_TIER,
  decimalNumber,
  dnsLabel,
  DocReport,
  exact,
  type ImportedService,
  type ImportOptions,
  type ImportResult,
  importName,
  serviceDoc,
  slothWindow,
  sumOfRate,
  Tally,
  unique,
} from "./common.js";

/** The two spellings of one Sloth model: field names by document kind. */
interface Dialect {
  kind: "prometheus/v1" | "PrometheusServiceLevel";
  /** Path of the spec part (service, labels, slos) inside the document. */
  root: PathSegment[];
  errorQuery: string;
  totalQuery: string;
  errorRatioQuery: string;
  pageAlert: string;
  ticketAlert: string;
  sloPlugins: string;
}

const PLAIN: Dialect = { kind: "prometheus/v1", root: [], errorQuery: "error_query", totalQuery: "total_query", errorRatioQuery: "error_ratio_query", pageAlert: "page_alert", ticketAlert: "ticket_alert", sloPlugins: "slo_plugins" };
const CRD: Dialect = { kind: "PrometheusServiceLevel", root: ["spec"], errorQuery: "errorQuery", totalQuery: "totalQuery", errorRatioQuery: "errorRatioQuery", pageAlert: "pageAlert", ticketAlert: "ticketAlert", sloPlugins: "sloPlugins" };

type Any = Record<string, unknown>;
const obj = (v: unknown): Any => (v && typeof v === "object" && !Array.isArray(v) ? (v as Any) : {});
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const labelsOf = (v: unknown): Labels | undefined => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Any).map(([k, x]) => [k, String(x)])) : undefined);

export function importSloth(documents: readonly SpecDocument[], options: ImportOptions = {}): ImportResult {
  const diagnostics: Diagnostic[] = [];
  const tally = new Tally();
  const services: ImportedService[] = [];
  for (const d of documents) {
    const r = new DocReport(d, diagnostics);
    const f = foreignFormat(d.value);
    if (!f || f.format !== "sloth") {
      r.cannot([], `not a Sloth spec: ${f ? `this is ${f.what}` : "expected `version: prometheus/v1` or `apiVersion: sloth.slok.dev/v1` with `kind: PrometheusServiceLevel`"}`, f ? `run \`svcspec import ${f.format}\` on it` : "pass only Sloth files to `svcspec import sloth`");
      continue;
    }
    const dialect = (d.value as Any)["version"] === "prometheus/v1" ? PLAIN : CRD;
    const s = importDocument(r, d, dialect, options, tally);
    if (s) services.push(s);
  }
  return { services, diagnostics: unique(diagnostics), tally };
}


function importDocument(r: DocReport, d: SpecDocument, dl: Dialect, options: ImportOptions, tally: Tally): ImportedService | null {
  const doc = d.value as Any;
  const spec = dl.root.length ? obj(doc["spec"]) : doc;
  const at = (...p: PathSegment[]) => [...dl.root, ...p];
  if (typeof spec["service"] !== "string" || !spec["service"]) {
    r.cannot(at("service"), "the Sloth spec names no service", "add `service: <name>`");
    return null;
  }
  const name = importName(r, at("service"), spec["service"], "service");
  tally.map("service");
  const specLabels = labelsOf(spec["labels"]) ?? {};
  const team = options.team ?? specLabels["team"] ?? specLabels["owner"];
  if (!options.team && team === undefined) r.changed(at("service"), `no owning team: metadata.team is set to \`${name}\``, "pass --team <team> (a team of your Organization), or edit metadata.team");
  let namespace: string | null = null;
  if (dl.kind === "PrometheusServiceLevel") {
    const meta = obj(doc["metadata"]);
    namespace = str(meta["namespace"]) ?? null;
    if (namespace) tally.map("metadata.namespace");
    if (meta["labels"] !== undefined) {
      r.notCarried(["metadata", "labels"], "the PrometheusServiceLevel's own labels are not carried: they label the Kubernetes object, and svcspec labels its PrometheusRule itself", "nothing to do unless a selector of your Prometheus picks rules by these labels: then label the generated kubernetes/<service>/prometheusrule.yaml in your kustomization");
      tally.drop("metadata.labels");
    }
  }
  if (spec[dl.sloPlugins] !== undefined) {
    r.notCarried(at(dl.sloPlugins), "SLO plugins are not carried: svcspec runs no Sloth plugins", "svcspec's rules already include what the common contrib plugins add (no-data alerts via alerting.noData, a low-traffic guard via alerting.minEvents, request-weighted long windows); drop the plugin or keep generating that part with Sloth");
    tally.drop(dl.sloPlugins);
  }
  const slos: Slo[] = [];
  const rawSlos = Array.isArray(spec["slos"]) ? (spec["slos"] as unknown[]) : [];
  if (!rawSlos.length) r.cannot(at("slos"), "the Sloth spec has no SLOs", "add at least one entry under slos");
  rawSlos.forEach((raw, i) => {
    const slo = importSlo(r, obj(raw), (...p) => at("slos", i, ...p), dl, specLabels, options, tally);
    if (slo) slos.push(slo);
  });
  if (!slos.length) return null;
  const labelsPath = at("labels");
  if (Object.keys(specLabels).length) {
    r.notCarried(labelsPath, "the spec's labels go on the alerts (alerting.labels), not on the recording rules: svcspec's series carry only service and slo", "svcspec's info series svcspec_slo_info carries team, tier, objective and window for joins; a dashboard that selects SLI series by these labels must select by service and slo");
  }
  return { doc: serviceDoc(name, options.team ?? (team !== undefined ? dnsLabel(team) : name), namespace, options.tier ?? DEFAULT_IMPORT_TIER, null, slos, options.runbook), sources: [d.source.path], format: `Sloth ${dl.kind}` };
}

function importSlo(r: DocReport, slo: Any, at: (...p: PathSegment[]) => PathSegment[], dl: Dialect, specLabels: Labels, options: ImportOptions, tally: Tally): Slo | null {
  const name = importName(r, at("name"), slo["name"], "slo");
  tally.map("slo");
  const objective = slo["objective"];
  if (typeof objective !== "number" || !(objective > 0) || objective > 100) {
    r.cannot(at("objective"), `objective ${JSON.stringify(objective)} is not a percentage in (0, 100]`, "write the objective in percent, e.g. 99.9");
    return null;
  }
  if (objective === 100) {
    r.cannot(at("objective"), "an objective of 100% leaves no error budget: svcspec cannot alert on it", "lower the objective (e.g. 99.99); Sloth's rules divide by a zero budget here");
    return null;
  }
  tally.map("objective");
  const sli = importSli(r, obj(slo["sli"]), (...p) => at("sli", ...p), dl, tally);
  if (!sli) return null;
  if (slo["plugins"] !== undefined) {
    r.notCarried(at("plugins"), "SLO plugins are not carried: svcspec runs no Sloth plugins", "drop the plugin, or map what it does to alerting.noData / alerting.minEvents");
    tally.drop("slo.plugins");
  }
  const sloLabels = labelsOf(slo["labels"]);
  if (sloLabels) r.notCarried(at("labels"), "the SLO's labels go on its alerts (alerting.labels), not on the recording rules: svcspec's series carry only service and slo", "select SLI series by service and slo in dashboards");
  const inherited: [PathSegment[], Labels | undefined][] = [
    [[...dl.root, "labels"], specLabels],
    [at("labels"), sloLabels],
  ];
  const alerting = importAlerting(r, obj(slo["alerting"]), (...p) => at("alerting", ...p), dl, inherited, tally);
  const description = str(slo["description"]);
  if (description) tally.map("description");
  return compact({
    name,
    description,
    objective: decimalNumber(exact(objective)),
    ...(options.window ? { window: options.window } : {}),
    sli,
    alerting,
  }) as Slo;
}

function importSli(r: DocReport, sli: Any, at: (...p: PathSegment[]) => PathSegment[], dl: Dialect, tally: Tally): Slo["sli"] | null {
  const events = sli["events"] !== undefined ? obj(sli["events"]) : null;
  const raw = sli["raw"] !== undefined ? obj(sli["raw"]) : null;
  if (sli["plugin"] !== undefined) {
    const id = str(obj(sli["plugin"])["id"]) ?? "?";
    r.cannot(at("plugin"), `SLI plugin \`${id}\` cannot be imported: svcspec runs no Sloth plugins`, "run `sloth generate` on this spec, copy the error ratio query the plugin produced into `sli: { raw: { error_ratio_query: ... } }` (or its counters into events), and import again");
    tally.drop("sli.plugin");
    return null;
  }
  if (events) {
    const errors = str(events[dl.errorQuery]);
    const total = str(events[dl.totalQuery]);
    if (!errors || !total) {
      r.cannot(at("events"), `an events SLI needs ${dl.errorQuery} and ${dl.totalQuery}`, "add both queries, each with {{.window}}");
      return null;
    }
    for (const [key, q] of [[dl.errorQuery, errors], [dl.totalQuery, total]] as const) {
      if (!/\{\{\s*\.window\s*\}\}/.test(q)) r.cannot(at("events", key), "the query has no {{.window}}: every window would read the same range", "write the range as [{{.window}}]");
    }
    const e = sumOfRate(slothWindow(errors));
    const t = sumOfRate(slothWindow(total));
    tally.map("sli.events");
    if (e && t && e.groupBy.join() === t.groupBy.join()) {
      return { ratio: compact({ errors: e.selector, total: t.selector, groupBy: e.groupBy.length ? e.groupBy : undefined }) };
    }
    return { query: { errors: slothWindow(errors).trim(), total: slothWindow(total).trim() } };
  }
  if (raw) {
    const ratio = str(raw[dl.errorRatioQuery]);
    if (!ratio) {
      r.cannot(at("raw"), `a raw SLI needs ${dl.errorRatioQuery}`, "add the error ratio query, with {{.window}}");
      return null;
    }
    const q = slothWindow(ratio).trim();
    tally.map("sli.raw");
    r.changed(
      at("raw", dl.errorRatioQuery),
      "a raw error ratio has no event counts: it is imported as a query SLI whose total is one per second wherever the ratio has a value, so windows above 6h average the 5m ratios over time (as Sloth's period window does) and alerting.minEvents counts seconds, not requests",
      "if the ratio comes from counters, import their queries as events (error_query, total_query) instead: svcspec then weights long windows by requests",
    );
    return { query: { errors: q, total: `(${q}) * 0 + 1` } };
  }
  r.cannot(at(), "the SLI has none of events, raw or plugin", "add `events: { error_query, total_query }` or `raw: { error_ratio_query }`", "key");
  return null;
}

function importAlerting(
  r: DocReport,
  a: Any,
  at: (...p: PathSegment[]) => PathSegment[],
  dl: Dialect,
  inherited: [PathSegment[], Labels | undefined][],
  tally: Tally,
): SloAlerting {
  const page = obj(a[dl.pageAlert]);
  const ticket = obj(a[dl.ticketAlert]);
  const name = str(a["name"]);
  let alertName: string | undefined;
  if (name !== undefined) {
    if (/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) {
      alertName = name;
      tally.map("alerting.name");
    } else {
      r.changed(at("name"), `alert name \`${name}\` is not a valid Prometheus alert name: the alerts keep svcspec's SLOErrorBudgetBurn`, "rename it to letters, digits, `_` and `:` (e.g. CamelCase) and set alerting.name");
      tally.drop("alerting.name (invalid)");
    }
  }
  // Sloth merges spec labels, SLO labels and alerting.labels onto every alert, in that order.
  const labelsFrom: [PathSegment[], Labels | undefined][] = [...inherited, [at("labels"), labelsOf(a["labels"])]];
  const merged: Labels = {};
  for (const [path, labels] of labelsFrom) Object.assign(merged, alertLabels(r, path, labels, tally, "labels"));
  const bySeverity = compact({
    page: severityPart(r, page, at(dl.pageAlert), tally, "page_alert"),
    ticket: severityPart(r, ticket, at(dl.ticketAlert), tally, "ticket_alert"),
  });
  if (page["disable"] === true) tally.map("page_alert.disable");
  if (ticket["disable"] === true) tally.map("ticket_alert.disable");
  return compact({
    page: page["disable"] !== true,
    ticket: ticket["disable"] !== true,
    name: alertName,
    labels: Object.keys(merged).length ? merged : undefined,
    annotations: alertAnnotations(r, at("annotations"), labelsOf(a["annotations"]), tally, "alerting.annotations"),
    bySeverity: Object.keys(bySeverity).length ? bySeverity : undefined,
  }) as SloAlerting;
}

function severityPart(r: DocReport, alert: Any, at: PathSegment[], tally: Tally, construct: string): { labels?: Labels; annotations?: Labels } | undefined {
  const labels = alertLabels(r, [...at, "labels"], labelsOf(alert["labels"]), tally, `${construct}.labels`);
  const annotations = alertAnnotations(r, [...at, "annotations"], labelsOf(alert["annotations"]), tally, `${construct}.annotations`);
  const part = compact({ labels, annotations });
  return Object.keys(part).length ? part : undefined;
}
