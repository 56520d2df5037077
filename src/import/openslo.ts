/** OpenSLO v1 documents -> svcspec Services.
 *
 * What maps: Service (name, description); SLO (name, description or displayName, service,
 * indicator or indicatorRef to an SLI, timeWindow of whole days, budgetingMethod Occurrences,
 * objectives with target (0.999 -> 99.9) or targetPercent, metadata.labels -> alerting.labels);
 * SLI ratioMetric with counter: true and plain selectors -> a ratio SLI (good or bad, and total),
 * ratioMetric with windowed queries -> a query SLI (each `[<range>]` as `[$window]`), ratioMetric
 * raw (failure or success ratio) -> a query SLI with a unit total; thresholdMetric on a classic
 * histogram bucket selector with op lt/lte -> a latency SLI; metricSource of type Prometheus,
 * inline or through a DataSource. What does not: other metric sources, calendar-aligned and
 * non-day windows, time-slice budgeting, composite objectives, alert policies, conditions and
 * notification targets (svcspec derives burn-rate alerts from the Organization's table and routes
 * by team). Each is a located diagnostic. */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { PathSegment } from "../load/locate.js";
import { foreignFormat, OPENSLO_API } from "../load/foreign.js";
import type { SpecDocument } from "../load/source.js";
import { HUNDRED, Ratio } from "../model/decimal.js";
import { parseDuration } from "../model/duration.js";
import type { Labels, Slo, SloAlerting } from "../model/spec.js";
import { compact, DEFAULT_IMPORT_TIER, decimalNumber, dnsLabel, DocReport, type ImportedService, type ImportOptions, type ImportResult, importName, serviceDoc, SVCSPEC_ALERT_LABELS, Tally, unique } from "./common.js";

type Any = Record<string, unknown>;
const obj = (v: unknown): Any => (v && typeof v === "object" && !Array.isArray(v) ? (v as Any) : {});
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

interface Doc {
  d: SpecDocument;
  r: DocReport;
  kind: string;
  name: string;
  value: Any;
}

interface ServiceAcc {
  name: string;
  description: string | null;
  slos: Slo[];
  sources: Set<string>;
}

export function importOpenSlo(documents: readonly SpecDocument[], options: ImportOptions = {}): ImportResult {
  const diagnostics: Diagnostic[] = [];
  const tally = new Tally();
  const docs: Doc[] = [];
  for (const d of documents) {
    const r = new DocReport(d, diagnostics);
    const f = foreignFormat(d.value);
    const v = d.value as Any;
    if (!f || f.format !== "openslo") {
      r.cannot([], `not an OpenSLO document: ${f ? `this is ${f.what}` : "expected `apiVersion: openslo/v1`"}`, f ? `run \`svcspec import ${f.format}\` on it` : "pass only OpenSLO files to `svcspec import openslo`");
      continue;
    }
    if (v["apiVersion"] !== OPENSLO_API) {
      r.cannot(["apiVersion"], `OpenSLO ${String(v["apiVersion"])} is not supported: svcspec imports ${OPENSLO_API}`, "convert the document to openslo/v1 (`oslo convert` or by hand: v1alpha's timeWindows is v1's timeWindow, thresholds become objectives)");
      continue;
    }
    docs.push({ d, r, kind: String(v["kind"] ?? ""), name: String(obj(v["metadata"])["name"] ?? ""), value: v });
  }
  const byKind = (kind: string) => docs.filter((x) => x.kind === kind);
  const services = new Map<string, ServiceAcc>();
  const service = (name: string): ServiceAcc => {
    let s = services.get(name);
    if (!s) services.set(name, (s = { name, description: null, slos: [], sources: new Set() }));
    return s;
  };
  for (const x of byKind("Service")) {
    const s = service(importName(x.r, ["metadata", "name"], x.name, "service"));
    tally.map("Service");
    s.sources.add(x.d.source.path);
    const description = str(obj(x.value["spec"])["description"]);
    if (description) s.description = description;
  }
  const dataSources = new Map(byKind("DataSource").map((x) => [x.name, x]));
  const slis = new Map(byKind("SLI").map((x) => [x.name, x]));
  for (const x of docs) {
    if (["Service", "SLO", "SLI", "DataSource"].includes(x.kind)) continue;
    if (["AlertPolicy", "AlertCondition", "AlertNotificationTarget"].includes(x.kind)) {
      x.r.notCarried(["kind"], `${x.kind} \`${x.name}\` is not carried: svcspec derives burn-rate alerts from the Organization's table (slo.burnRateAlerts) and routes them by team`, "set the SLO's alerting.page / alerting.ticket and the team's receivers in the Organization", "value");
      tally.drop(x.kind);
    } else {
      x.r.notCarried(["kind"], `OpenSLO kind \`${x.kind}\` is not carried`, "svcspec imports Service, SLO and SLI (and reads DataSource for metric sources)", "value");
      tally.drop(x.kind);
    }
  }
  for (const x of byKind("SLO")) {
    const spec = obj(x.value["spec"]);
    const svcName = str(spec["service"]);
    if (!svcName) {
      x.r.cannot(["spec", "service"], "the SLO names no service", "add spec.service: <name of an OpenSLO Service>");
      continue;
    }
    const svcKey = importName(x.r, ["spec", "service"], svcName, "service");
    if (!services.has(svcKey)) x.r.changed(["spec", "service"], `no OpenSLO Service \`${svcName}\` among the imported documents: a svcspec Service of that name is created`, "import the Service document too to carry its description");
    const s = service(svcKey);
    s.sources.add(x.d.source.path);
    s.slos.push(...importSlo(x, spec, slis, dataSources, tally));
  }
  const out: ImportedService[] = [];
  for (const s of [...services.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!s.slos.length) continue;
    out.push({ doc: serviceDoc(s.name, options.team ?? s.name, null, options.tier ?? DEFAULT_IMPORT_TIER, s.description, s.slos, options.runbook), sources: [...s.sources].sort(), format: "OpenSLO v1" });
  }
  if (!options.team && out.length) {
    const first = byKind("SLO")[0] ?? byKind("Service")[0];
    first?.r.changed(["metadata", "name"], "OpenSLO names no owning team: metadata.team is set to the service name", "pass --team <team> (a team of your Organization), or edit metadata.team");
  }
  return { services: out, diagnostics: unique(diagnostics), tally };
}

function importSlo(x: Doc, spec: Any, slis: Map<string, Doc>, dataSources: Map<string, Doc>, tally: Tally): Slo[] {
  const { r } = x;
  tally.map("SLO");
  const name = importName(r, ["metadata", "name"], x.name, "slo");
  const meta = obj(x.value["metadata"]);
  // Every reason an SLO cannot be imported is reported, not only the first.
  let blocked = false;
  const window = importWindow(r, spec["timeWindow"], tally);
  if (window === null) blocked = true;
  const method = spec["budgetingMethod"];
  if (method !== undefined && method !== "Occurrences") {
    r.cannot(["spec", "budgetingMethod"], `budgetingMethod ${String(method)} cannot be imported: svcspec budgets by occurrences (bad events / all events)`, "use Occurrences: svcspec's request-weighted windows are its meaning");
    tally.drop(`budgetingMethod ${String(method)}`);
    blocked = true;
  }
  if (method !== undefined) tally.map("budgetingMethod Occurrences");
  if (spec["alertPolicies"] !== undefined) {
    r.notCarried(["spec", "alertPolicies"], "alertPolicies are not carried: svcspec derives burn-rate alerts from the Organization's table and routes them by team", "set alerting.page / alerting.ticket on the imported SLO; the Organization's slo.burnRateAlerts holds the windows and factors");
    tally.drop("alertPolicies");
  }
  const labels = importLabels(r, meta["labels"], tally);
  if (meta["annotations"] !== undefined) {
    r.notCarried(["metadata", "annotations"], "the SLO's metadata.annotations are not carried: they annotate the OpenSLO object, not its alerts", "copy what your alerts need into alerting.annotations");
    tally.drop("metadata.annotations");
  }
  const description = str(spec["description"]) ?? str(meta["displayName"]);
  if (str(spec["description"]) && str(meta["displayName"])) {
    r.notCarried(["metadata", "displayName"], "displayName is not carried (the SLO keeps its description)", "merge it into spec.description if readers need it");
    tally.drop("metadata.displayName");
  }
  // The SLO-level indicator, unless an objective brings its own.
  const sloIndicator = () => indicator(r, spec, ["spec"], slis, dataSources, tally);
  const objectives = Array.isArray(spec["objectives"]) ? (spec["objectives"] as unknown[]) : [];
  if (!objectives.length) {
    r.cannot(["spec", "objectives"], "the SLO has no objectives", "add objectives: [{ target: 0.999 }]");
    return [];
  }
  const out: Slo[] = [];
  objectives.forEach((raw, i) => {
    const o = obj(raw);
    const at = (...p: PathSegment[]) => ["spec", "objectives", i, ...p];
    tally.map("objective");
    if (o["compositeWeight"] !== undefined) {
      r.notCarried(at("compositeWeight"), "compositeWeight is not carried: svcspec has no composite SLOs, each objective becomes an SLO of its own", "alert on the parts, or write one query SLI that combines them");
      tally.drop("compositeWeight");
    }
    let skip = blocked;
    for (const k of ["timeSliceTarget", "timeSliceWindow"]) {
      if (o[k] !== undefined) {
        r.cannot(at(k), `${k} belongs to time-slice budgeting, which svcspec does not do`, "drop it and budget by occurrences");
        tally.drop(k);
        skip = true;
      }
    }
    const objective = objectivePercent(r, o, at, tally);
    const own = o["indicator"] !== undefined || o["indicatorRef"] !== undefined;
    const sli = own ? indicator(r, o, at(), slis, dataSources, tally) : sloIndicator();
    const mapped = sli === null ? null : sli.kind === "threshold" ? thresholdSli(r, sli, o, at, tally) : sli.sli;
    if (skip || !objective || !mapped || window === null) return;
    const displayName = str(o["displayName"]);
    const sloName = objectives.length === 1 ? name : `${name}-${displayName ? dnsLabel(displayName) : String(i)}`;
    if (objectives.length > 1 && displayName) tally.map("objective.displayName (in the SLO name)");
    const alerting: SloAlerting | undefined = labels ? { labels } : undefined;
    out.push(compact({ name: sloName, description, objective: decimalNumber(objective), ...(window !== undefined ? { window } : {}), sli: mapped, alerting }) as Slo);
  });
  return out;
}

/** `target: 0.999` -> 99.9; `targetPercent: 99.9` as is. */
function objectivePercent(r: DocReport, o: Any, at: (...p: PathSegment[]) => PathSegment[], tally: Tally): Ratio | null {
  const target = o["target"];
  const percent = o["targetPercent"];
  let p: Ratio | null = null;
  if (typeof target === "number") p = Ratio.fromNumber(target).mul(HUNDRED);
  else if (typeof percent === "number") p = Ratio.fromNumber(percent);
  if (!p) {
    r.cannot(at(), "the objective has no target", "add target: 0.999 (or targetPercent: 99.9)", "key");
    return null;
  }
  if (p.cmp(Ratio.of(0)) <= 0 || p.cmp(HUNDRED) >= 0) {
    r.cannot(at(typeof target === "number" ? "target" : "targetPercent"), `target ${p}% leaves no error budget or no objective: svcspec needs one strictly between 0% and 100%`, "write e.g. target: 0.999");
    return null;
  }
  tally.map(typeof target === "number" ? "objective.target" : "objective.targetPercent");
  return p;
}

/** `timeWindow: [{ duration: 28d, isRolling: true }]` -> `28d`; undefined when absent (the
 * Organization's window applies); null when it cannot be carried. */
function importWindow(r: DocReport, tw: unknown, tally: Tally): string | undefined | null {
  if (tw === undefined) return undefined;
  const list = Array.isArray(tw) ? tw : [tw];
  const at: PathSegment[] = Array.isArray(tw) ? ["spec", "timeWindow", 0] : ["spec", "timeWindow"];
  if (list.length !== 1) {
    r.cannot(["spec", "timeWindow"], "an SLO has exactly one time window", "keep one entry");
    return null;
  }
  const w = obj(list[0]);
  const duration = str(w["duration"]) ?? "";
  const m = /^([0-9]+)([mhdwMQY])$/.exec(duration);
  if (!m) {
    r.cannot([...at, "duration"], `time window \`${duration}\` is not an OpenSLO duration`, "write e.g. 28d or 4w");
    return null;
  }
  const [, n, unit] = m;
  if (unit === "M" || unit === "Q" || unit === "Y") {
    r.cannot([...at, "duration"], `a window of ${duration} has no fixed length in days: svcspec windows are a whole number of days`, "write the days, e.g. 30d for a month, 90d for a quarter");
    return null;
  }
  const days = unit === "w" ? Number(n) * 7 : unit === "d" ? Number(n) : null;
  const ms = parseDuration(`${n}${unit}`);
  if (days === null || !ms.ok) {
    r.cannot([...at, "duration"], `a window of ${duration} is not a whole number of days, which svcspec needs`, "write the window in days, e.g. 1d");
    return null;
  }
  if (w["isRolling"] === false || w["calendar"] !== undefined) {
    r.changed(at, `the calendar-aligned window (${duration}) is imported as a rolling ${days}d window: svcspec's windows roll`, "check that budget reports need no calendar reset; svcspec has no calendar windows");
    tally.drop("timeWindow calendar");
  }
  tally.map("timeWindow");
  return `${days}d`;
}

function importLabels(r: DocReport, labels: unknown, tally: Tally): Labels | undefined {
  if (labels === undefined || labels === null || typeof labels !== "object") return undefined;
  const out: Labels = {};
  for (const [k, v] of Object.entries(labels as Any)) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k)) {
      r.changed(["metadata", "labels", k], `label \`${k}\` is not a Prometheus label name: not carried`, "rename it (letters, digits and _)", "key");
      tally.drop("metadata.labels (name)");
      continue;
    }
    if (SVCSPEC_ALERT_LABELS.includes(k)) {
      r.changed(["metadata", "labels", k], `label \`${k}\` is not carried: svcspec sets \`${k}\` on every alert itself`, "move the value to another label name", "key");
      tally.drop("metadata.labels (a label svcspec sets)");
      continue;
    }
    if (Array.isArray(v)) {
      out[k] = v.map(String).join(",");
      r.changed(["metadata", "labels", k], `label \`${k}\` has several values: the alert label holds them joined by commas`, "match it with a regex in Alertmanager routes, or keep one value");
    } else out[k] = String(v);
    tally.map("metadata.labels");
  }
  return Object.keys(out).length ? out : undefined;
}

type Indicator = { kind: "ratio"; sli: Slo["sli"] } | { kind: "threshold"; query: string; at: PathSegment[]; r: DocReport };

/** The indicator of an SLO or objective: inline (`indicator`) or a reference to an SLI document. */
function indicator(r: DocReport, holder: Any, at: PathSegment[], slis: Map<string, Doc>, dataSources: Map<string, Doc>, tally: Tally): Indicator | null {
  let sliSpec: Any;
  let sliAt: PathSegment[];
  let sliReport = r;
  if (holder["indicator"] !== undefined) {
    sliSpec = obj(obj(holder["indicator"])["spec"]);
    sliAt = [...at, "indicator", "spec"];
    tally.map("indicator (inline SLI)");
  } else if (typeof holder["indicatorRef"] === "string") {
    const ref = slis.get(holder["indicatorRef"]);
    if (!ref) {
      r.cannot([...at, "indicatorRef"], `no SLI \`${holder["indicatorRef"]}\` among the imported documents`, "import the file that holds the SLI too");
      return null;
    }
    sliSpec = obj(ref.value["spec"]);
    sliAt = ["spec"];
    sliReport = ref.r;
    tally.map("indicatorRef");
  } else {
    r.cannot(at, "no indicator: the SLO needs indicator or indicatorRef", "add indicatorRef: <name of an SLI>", "key");
    return null;
  }
  return sliOf(sliReport, sliSpec, sliAt, dataSources, tally);
}

function sliOf(r: DocReport, spec: Any, at: PathSegment[], dataSources: Map<string, Doc>, tally: Tally): Indicator | null {
  if (spec["thresholdMetric"] !== undefined) {
    const q = promQuery(r, obj(spec["thresholdMetric"]), [...at, "thresholdMetric"], dataSources);
    if (q === null) return null;
    tally.map("thresholdMetric");
    return { kind: "threshold", query: q, at: [...at, "thresholdMetric"], r };
  }
  const ratio = obj(spec["ratioMetric"]);
  if (spec["ratioMetric"] === undefined) {
    r.cannot(at, "the SLI has neither ratioMetric nor thresholdMetric", "add ratioMetric: { counter: true, good: ..., total: ... }", "key");
    return null;
  }
  const rat = [...at, "ratioMetric"];
  if (ratio["raw"] !== undefined) {
    const q = promQuery(r, obj(ratio["raw"]), [...rat, "raw"], dataSources);
    if (q === null) return null;
    const windowed = windowQuery(r, q, [...rat, "raw"]);
    if (windowed === null) return null;
    const failure = ratio["rawType"] !== "success";
    tally.map(`ratioMetric.raw (${failure ? "failure" : "success"})`);
    r.changed(
      [...rat, "raw"],
      "a raw ratio has no event counts: it is imported as a query SLI whose total is one per second wherever the ratio has a value, so windows above 6h average the 5m ratios over time and alerting.minEvents counts seconds, not requests",
      "if the ratio comes from counters, describe them as good/bad and total instead",
      "key",
    );
    const errors = failure ? windowed : `1 - (${windowed})`;
    return { kind: "ratio", sli: { query: { errors, total: `(${windowed}) * 0 + 1` } } };
  }
  const goodOrBad = ratio["good"] !== undefined ? "good" : ratio["bad"] !== undefined ? "bad" : null;
  if (!goodOrBad || ratio["total"] === undefined) {
    r.cannot(rat, "a ratioMetric needs good or bad, and total", "add good (or bad) and total metric sources", "key");
    return null;
  }
  const num = promQuery(r, obj(ratio[goodOrBad]), [...rat, goodOrBad], dataSources);
  const total = promQuery(r, obj(ratio["total"]), [...rat, "total"], dataSources);
  if (num === null || total === null) return null;
  const key = goodOrBad === "good" ? "good" : "errors";
  tally.map(`ratioMetric.${goodOrBad}/total`);
  if (isSelector(num) && isSelector(total)) {
    if (ratio["counter"] !== true) {
      r.cannot([...rat, "counter"], "the good/bad and total metrics are plain selectors but not counters: svcspec counts events from counters", "set counter: true if they are counters, or write queries that give event rates over a range (e.g. sum(rate(x[5m])))", "key");
      return null;
    }
    return { kind: "ratio", sli: { ratio: { [key]: num, total } as { total: string } } };
  }
  const n = windowQuery(r, num, [...rat, goodOrBad]);
  const t = windowQuery(r, total, [...rat, "total"]);
  if (n === null || t === null) return null;
  return { kind: "ratio", sli: { query: { [key]: n, total: t } as { total: string } } };
}

/** A threshold metric on a classic histogram's bucket selector with `op: lt|lte` -> a latency
 * SLI (events faster than `value` are good); nothing else maps. */
function thresholdSli(r0: DocReport, ind: Extract<Indicator, { kind: "threshold" }>, o: Any, at: (...p: PathSegment[]) => PathSegment[], tally: Tally): Slo["sli"] | null {
  const { r, query } = ind;
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)_bucket\s*(\{[^{}]*\})?$/.exec(query.trim());
  const op = o["op"];
  const value = o["value"];
  if (!m) {
    r.cannot([...ind.at, "metricSource"], "this threshold metric cannot be imported: svcspec counts good and bad events, and only a classic histogram's buckets give them for a threshold", "write the histogram's bucket selector (e.g. http_request_duration_seconds_bucket{job=\"api\"}) with op lte and the bound as value; a quantile compared to a threshold is a time-slice objective svcspec does not do");
    tally.drop("thresholdMetric (not a histogram bucket)");
    return null;
  }
  if (op !== "lt" && op !== "lte") {
    r0.cannot(at("op"), `op ${JSON.stringify(op)} cannot be imported: a latency SLI counts requests at or under the threshold as good`, "use op: lte with the bucket bound as value");
    return null;
  }
  if (typeof value !== "number" || !(value > 0)) {
    r0.cannot(at("value"), "the threshold needs a positive value in seconds", "write value: 0.3 for 300ms");
    return null;
  }
  const selector = (m[2] ?? "{}").replace(/\s+/g, "");
  if (/\ble\s*(=|!=|=~|!~)/.test(selector)) {
    r.cannot([...ind.at, "metricSource"], "the bucket selector matches on le: svcspec picks the bucket from the objective's value", "remove the le matcher");
    return null;
  }
  if (op === "lt") r0.changed(at("op"), "op lt is imported as lte: a histogram bucket counts requests at or under its bound", "nothing to do unless requests of exactly the bound must count as bad");
  const ms = Ratio.fromNumber(value).mul(Ratio.of(1000));
  const threshold = ms.isInteger() ? `${ms}ms` : `${Ratio.fromNumber(value)}s`;
  tally.map("thresholdMetric (histogram bucket, op lt/lte)");
  return { latency: compact({ histogram: m[1] ?? "", selector: selector === "{}" ? undefined : selector, threshold }) };
}

/** The PromQL of a metric source: inline `type: Prometheus`, or through a DataSource. */
function promQuery(r: DocReport, holder: Any, at: PathSegment[], dataSources: Map<string, Doc>): string | null {
  const src = obj(holder["metricSource"]);
  const sat = [...at, "metricSource"];
  if (holder["metricSource"] === undefined) {
    r.cannot(at, "no metricSource", "add metricSource: { type: Prometheus, spec: { query: ... } }", "key");
    return null;
  }
  let type = str(src["type"]);
  const ref = str(src["metricSourceRef"]);
  if (ref !== undefined) {
    const ds = dataSources.get(ref);
    if (!ds) {
      r.cannot([...sat, "metricSourceRef"], `no DataSource \`${ref}\` among the imported documents`, "import the DataSource too, or write type: Prometheus inline");
      return null;
    }
    type = str(obj(ds.value["spec"])["type"]) ?? type;
  }
  if (!type || type.toLowerCase() !== "prometheus") {
    r.cannot([...sat, ref !== undefined ? "metricSourceRef" : "type"], `metric source type ${JSON.stringify(type ?? null)} cannot be imported: svcspec compiles to Prometheus rules`, "express the SLI in PromQL with type: Prometheus");
    return null;
  }
  const spec = obj(src["spec"]);
  const q = str(spec["query"]) ?? str(spec["promql"]);
  if (!q) {
    r.cannot([...sat, "spec"], "the Prometheus metric source has no query", "add spec.query: <PromQL>", "key");
    return null;
  }
  return q.trim();
}

function isSelector(q: string): boolean {
  return /^[a-zA-Z_:][a-zA-Z0-9_:]*\s*(\{[^{}]*\})?$/.test(q) || /^\{[^{}]*\}$/.test(q);
}

/** A query whose range selectors all read one range: each `[<range>]` becomes `[$window]`, so the
 * SLI is read over every alert window. Null (with a diagnostic) when there is no range to widen. */
function windowQuery(r: DocReport, q: string, at: PathSegment[]): string | null {
  const ranges = [...q.matchAll(/\[\s*([0-9]+[smhdwy](?:[0-9]+[smhdwy])*)\s*(?::[^\]]*)?\]/g)];
  if (!ranges.length) {
    r.cannot([...at, "metricSource", "spec", "query"], "the query reads no range ([5m]) and is not a plain counter selector: svcspec cannot evaluate it over each alert window", "write the counter selector with counter: true, or a rate over a range, e.g. sum(rate(http_requests_total{code!~\"5..\"}[5m]))");
    return null;
  }
  if (ranges.some((m) => m[0].includes(":"))) {
    r.cannot([...at, "metricSource", "spec", "query"], "the query holds a subquery: svcspec cannot widen it to each alert window", "write the SLI without subqueries");
    return null;
  }
  const distinct = [...new Set(ranges.map((m) => m[1]))];
  r.changed([...at, "metricSource", "spec", "query"], `the range ${distinct.map((d) => `[${d}]`).join(", ")} becomes [$window]: svcspec evaluates the SLI over each alert window (5m to the SLO period)`, "check that the query means the same over any range (rates of counters do)");
  return q.replace(/\[\s*[0-9]+[smhdwy](?:[0-9]+[smhdwy])*\s*\]/g, "[$window]");
}
