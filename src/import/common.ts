/** What the importers share: the svcspec documents they write, located diagnostics, names,
 * percentages and query rewriting. An importer is a pure function of the parsed documents: the CLI
 * reads the files and writes the result. */
import { type Diagnostic, sortDiagnostics } from "../diagnostics/diagnostic.js";
import { locate, type PathSegment } from "../load/locate.js";
import type { SpecDocument } from "../load/source.js";
import { Ratio } from "../model/decimal.js";
import type { Labels, ServiceDoc, Slo } from "../model/spec.js";

/** Choices the source formats do not make: the owner and tier of a service, the SLO period. */
export interface ImportOptions {
  /** metadata.team of every imported service (default: a `team` or `owner` label, else the service name). */
  team?: string;
  /** spec.tier of every imported service (default `high`: objectives and page/ticket are written per SLO anyway). */
  tier?: string;
  /** Sloth only: the period `sloth generate --default-slo-period` used (default 30d, the Organization's default). */
  window?: string;
  /** spec.runbook of every imported service: neither format has one, and the built-in policy
   * `paging_needs_runbook` asks one of every service that pages. */
  runbook?: string;
}

export const DEFAULT_IMPORT_TIER = "high";

/** One imported service, as the document `svcspec import` writes. */
export interface ImportedService {
  doc: ServiceDoc;
  /** The files it came from (paths as the user gave them), for the header. */
  sources: string[];
  /** Where each SLO came from, for diagnostics about the result. */
  format: string;
}

export interface ImportResult {
  services: ImportedService[];
  diagnostics: Diagnostic[];
  /** Constructs read, by name, and how each was carried: for the summary line and the docs. */
  tally: Tally;
}

/** How many times each source construct was carried over (`mapped`) or not (`dropped`). */
export class Tally {
  readonly mapped = new Map<string, number>();
  readonly dropped = new Map<string, number>();
  map(construct: string): void {
    this.mapped.set(construct, (this.mapped.get(construct) ?? 0) + 1);
  }
  drop(construct: string): void {
    this.dropped.set(construct, (this.dropped.get(construct) ?? 0) + 1);
  }
}

/** Diagnostics of one source document, located in its YAML. */
export class DocReport {
  constructor(
    readonly doc: SpecDocument,
    private readonly out: Diagnostic[],
  ) {}
  private add(severity: Diagnostic["severity"], code: string, path: readonly PathSegment[], message: string, hint: string, target: "key" | "value"): void {
    const { line, col } = locate(this.doc, path, target);
    this.out.push({ code, severity, message, file: this.doc.source.path, line, col, hint });
  }
  /** A construct svcspec cannot carry: the document still imports, without it. */
  notCarried(path: readonly PathSegment[], message: string, hint: string, target: "key" | "value" = "key"): void {
    this.add("warning", "SVC101", path, message, hint, target);
  }
  /** A value changed to fit svcspec (a name, a label svcspec owns). */
  changed(path: readonly PathSegment[], message: string, hint: string, target: "key" | "value" = "value"): void {
    this.add("warning", "SVC102", path, message, hint, target);
  }
  /** Something that keeps the SLO (or document) from being imported at all. */
  cannot(path: readonly PathSegment[], message: string, hint: string, target: "key" | "value" = "value"): void {
    this.add("error", "SVC100", path, message, hint, target);
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A name as svcspec spells names (a DNS-1123 label): lower case, `_` `.` and others as `-`. */
export function dnsLabel(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
  return s || "unnamed";
}

/** The name svcspec will use, reporting a change at `path`. */
export function importName(r: DocReport, path: readonly PathSegment[], name: unknown, what: string): string {
  const text = typeof name === "string" ? name : String(name ?? "");
  if (DNS_LABEL.test(text) && text.length <= 63) return text;
  const fixed = dnsLabel(text);
  r.changed(path, `${what} \`${text}\` is written \`${fixed}\`: svcspec names are DNS-1123 labels (lower case, digits, \`-\`)`, `the series and alerts now carry ${what.split(" ").pop()}="${fixed}"; rename dashboards that select the old value`);
  return fixed;
}

/** A number as written (`99.9`), exact. */
export function exact(value: number): Ratio {
  return Ratio.fromNumber(value);
}

/** A ratio as the YAML number the spec writes (99.9), kept exact: numbers whose shortest decimal
 * round-trips print as that decimal. */
export function decimalNumber(r: Ratio): number {
  return Number(r.toString());
}

/** Sloth's `{{.window}}` (any spacing) as svcspec's `$window`. */
export function slothWindow(query: string): string {
  return query.replace(/\{\{\s*\.window\s*\}\}/g, "$window");
}

/** `sum(rate(<selector>[$window]))` or `sum by (a, b) (rate(<selector>[$window]))`, the shape
 * svcspec's ratio SLI generates from a plain counter selector; null for anything else. */
export function sumOfRate(query: string): { selector: string; groupBy: string[] } | null {
  const q = query.trim();
  const m = /^sum\s*(?:by\s*\(\s*([a-zA-Z_][a-zA-Z0-9_]*(?:\s*,\s*[a-zA-Z_][a-zA-Z0-9_]*)*)\s*,?\s*\)\s*)?\(\s*rate\s*\(\s*(.+?)\s*\[\s*\$window\s*\]\s*\)\s*\)$/s.exec(q);
  if (!m) return null;
  const selector = m[2] ?? "";
  // One vector selector, no function or operator inside it.
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*\s*(\{[^{}]*\})?$/.test(selector) && !/^\{[^{}]*\}$/.test(selector)) return null;
  const groupBy = (m[1] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return { selector: selector.replace(/\s+/g, ""), groupBy };
}

/** Labels svcspec sets on every alert (Alertmanager routes on them): an imported label of the
 * same name would be ignored, so the importer says so. */
export const SVCSPEC_ALERT_LABELS = ["service", "slo", "severity", "team", "tier", "long_window", "short_window"];

/** Copies labels, reporting those svcspec owns (they would be ignored) at their key. */
export function alertLabels(r: DocReport, path: readonly PathSegment[], labels: Labels | undefined, tally: Tally, construct: string): Labels | undefined {
  if (!labels || typeof labels !== "object") return undefined;
  const out: Labels = {};
  for (const [k, v] of Object.entries(labels)) {
    if (SVCSPEC_ALERT_LABELS.includes(k)) {
      r.changed([...path, k], `label \`${k}: ${String(v)}\` is not carried: svcspec sets \`${k}\` on every alert itself`, `Alertmanager routes on svcspec's ${k}; move this value to another label name (e.g. \`${k}_name\`) if your routes need it`, "key");
      tally.drop(`${construct} (a label svcspec sets)`);
      continue;
    }
    out[k] = String(v);
    tally.map(construct);
  }
  return Object.keys(out).length ? out : undefined;
}

/** Copies annotations, warning where one holds a Go template: svcspec writes annotations as
 * literal text, so `{{ $labels.x }}` would be shown as written. */
export function alertAnnotations(r: DocReport, path: readonly PathSegment[], annotations: Labels | undefined, tally: Tally, construct: string): Labels | undefined {
  if (!annotations || typeof annotations !== "object") return undefined;
  const out: Labels = {};
  for (const [k, v] of Object.entries(annotations)) {
    const text = String(v);
    if (text.includes("{{")) r.changed([...path, k], `annotation \`${k}\` uses a Go template: svcspec writes annotations as literal text, so it will read \`${text}\` as written`, "write the text without {{ }}: svcspec's own summary and description already name the service, SLO, burn factor and windows");
    out[k] = text;
    tally.map(construct);
  }
  return Object.keys(out).length ? out : undefined;
}

/** A Service document with the fields in the order the spec language documents them. */
export function serviceDoc(name: string, team: string, namespace: string | null, tier: string, description: string | null, slos: Slo[], runbook?: string): ServiceDoc {
  return {
    apiVersion: "svcspec/v1",
    kind: "Service",
    metadata: { name, team, ...(namespace ? { namespace } : {}) },
    spec: { tier, ...(runbook ? { runbook } : {}), ...(description ? { description } : {}), slos },
  };
}

/** Drops undefined fields so the YAML shows only what the import set. */
export function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Each diagnostic once (a spec-level label is read once per SLO), in file and position order. */
export function unique(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return sortDiagnostics(diagnostics).filter((d) => {
    const key = `${d.file}:${d.line}:${d.col}:${d.code}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
