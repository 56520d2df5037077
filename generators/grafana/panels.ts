/** The panels of the dashboards as data: what each shows (its queries over the recorded SLO
 * series, unit, thresholds), before the Grafana SDK renders them. Every query names series the
 * Prometheus rules record for this very spec (src/model/slo-series.ts): a window in a rule name
 * is one the SLO's alert table declares, and the panel says which. The tests read this list to
 * evaluate every query. */
import { formatDuration } from "../../src/model/duration.js";
import type { Model, Service, Slo } from "../../src/model/model.js";
import { selector } from "../../src/render/promql.js";
import { BASE_WINDOW, BUDGET_REMAINING, ERROR_BUDGET, ERRORS_RATE, HIT_RATIO_1H, HIT_RATIO_5M, OBJECTIVE, PERIOD_BURN_RATE, ratioName, TOTAL_RATE } from "../../src/model/slo-series.js";

export type PanelKind = "header" | "stat" | "timeseries" | "bargauge";

/** What a query measures, so a test knows the value to expect. */
export type QueryRole =
  | { role: "objective"; slo: string }
  | { role: "budget-remaining"; slo: string }
  | { role: "period-burn"; slo: string }
  | { role: "burn"; slo: string; window: string }
  | { role: "errors-rate"; slo: string }
  | { role: "total-rate"; slo: string }
  | { role: "latency"; slo: string }
  | { role: "alerts"; slo: string }
  | { role: "cache-hit-ratio"; window: string };

export interface PanelQuery {
  expr: string;
  legend: string;
  /** Instant (the latest value, stat and bar gauge panels) or a range over the dashboard's time. */
  instant: boolean;
  measures: QueryRole | null;
}

export interface Threshold {
  value: number | null;
  color: string;
}

export interface PanelSpec {
  kind: PanelKind;
  title: string;
  description: string;
  unit: string;
  /** Steps from the lowest (value null: minus infinity); drawn as lines in time series. */
  thresholds: Threshold[];
  queries: PanelQuery[];
  /** Markdown of a header panel. */
  content?: string;
  min?: number;
  max?: number;
  /** Data link of a bar gauge bar (Grafana's ${__field.labels...} variables). */
  link?: { title: string; url: string };
}

const q = (expr: string, legend: string, measures: QueryRole | null, instant = false): PanelQuery => ({ expr, legend, instant, measures });
const id = (service: Service, slo: Slo): [string, string][] => [
  ["service", service.name],
  ["slo", slo.name],
];

/** A number as Grafana stores it (thresholds): exact decimals become the nearest double once. */
const num = (x: { toNumber(): number }) => x.toNumber();

function percentText(ratio: { toString(): string; toNumber(): number }): string {
  return `${Number((ratio.toNumber() * 100).toPrecision(12))}%`;
}

/** The budget panel's colours follow the deploy gate: each row's threshold, red where it allows nothing. */
function budgetThresholds(model: Pick<Model, "organization">): Threshold[] {
  const rows = [...model.organization.deployPolicy].sort((a, b) => a.minBudgetRemaining.cmp(b.minBudgetRemaining));
  const color = (allow: string) => (allow === "any" ? "green" : allow === "low-risk" ? "orange" : "red");
  const steps: Threshold[] = [{ value: null, color: "dark-red" }, ...rows.map((r) => ({ value: num(r.minBudgetRemaining), color: color(r.allow) }))];
  // a step of the colour below it draws nothing
  return steps.filter((s, i) => i === 0 || s.color !== steps[i - 1]!.color);
}

function sloPanels(model: Pick<Model, "organization">, service: Service, slo: Slo): PanelSpec[] {
  const sel = (metric: string) => selector(metric, id(service, slo));
  const window = formatDuration(slo.window);
  const panels: PanelSpec[] = [
    {
      kind: "stat",
      title: `${slo.name}: objective over ${window}`,
      description: `The SLO's objective (${percentText(slo.objective)}) over its ${window} window; error budget ${percentText(slo.budget)}.`,
      unit: "percentunit",
      thresholds: [{ value: null, color: "blue" }],
      queries: [q(sel(OBJECTIVE), "objective", { role: "objective", slo: slo.name }, true)],
    },
    {
      kind: "stat",
      title: `${slo.name}: error budget remaining (${window})`,
      description: `1 - error ratio over ${window} / budget: the share of the ${window} error budget not yet spent. Colours: the deploy gate's rows.`,
      unit: "percentunit",
      thresholds: budgetThresholds(model),
      queries: [q(sel(BUDGET_REMAINING), "remaining", { role: "budget-remaining", slo: slo.name }, true)],
    },
    {
      kind: "stat",
      title: `${slo.name}: burn rate over ${window}`,
      description: `Error ratio over ${window} / budget: 1 spends the budget exactly over the window.`,
      unit: "x",
      thresholds: [
        { value: null, color: "green" },
        { value: 1, color: "red" },
      ],
      queries: [q(sel(PERIOD_BURN_RATE), "burn rate", { role: "period-burn", slo: slo.name }, true)],
    },
  ];
  for (const a of slo.alerts) {
    const long = formatDuration(a.long);
    const short = formatDuration(a.short);
    // group labels of a groupBy SLI ride on the ratio; the budget has service and slo only
    const burn = (w: string) => `${sel(ratioName(w))} / on (service, slo) group_left () ${sel(ERROR_BUDGET)}`;
    panels.push({
      kind: "timeseries",
      title: `${slo.name}: burn rate over ${long} and ${short} (${a.severity} at ${a.factor.toNumber()}x)`,
      description: `The ${a.severity} alert fires when the burn rate over both ${long} and ${short} exceeds ${a.factor.toNumber()} (${percentText(a.budgetConsumed)} of the budget in ${long}) for ${formatDuration(a.for)}.`,
      unit: "x",
      thresholds: [
        { value: null, color: "green" },
        { value: num(a.factor), color: "red" },
      ],
      queries: [q(burn(long), `${long} window`, { role: "burn", slo: slo.name, window: long }), q(burn(short), `${short} window`, { role: "burn", slo: slo.name, window: short })],
      min: 0,
    });
  }
  panels.push({
    kind: "timeseries",
    title: `${slo.name}: SLI error and total rates (${BASE_WINDOW})`,
    description: "Events per second counted by the SLI's queries (shown in the header).",
    unit: "reqps",
    thresholds: [{ value: null, color: "green" }],
    queries: [q(sel(ERRORS_RATE), "errors", { role: "errors-rate", slo: slo.name }), q(sel(TOTAL_RATE), "total", { role: "total-rate", slo: slo.name })],
    min: 0,
  });
  if (slo.sli.kind === "latency") {
    const p = slo.objective;
    panels.push({
      kind: "timeseries",
      title: `${slo.name}: p${Number((p.toNumber() * 100).toPrecision(12))} latency against ${slo.sli.thresholdText}`,
      description: `histogram_quantile(${p}) of ${slo.sli.histogram} over ${BASE_WINDOW}: the SLO holds while this stays under the threshold.`,
      unit: "s",
      thresholds: [
        { value: null, color: "green" },
        { value: num(slo.sli.threshold), color: "red" },
      ],
      queries: [q(`histogram_quantile(${p}, sum by (le) (rate(${slo.sli.histogram}_bucket${slo.sli.selector}[${BASE_WINDOW}])))`, `p${Number((p.toNumber() * 100).toPrecision(12))}`, { role: "latency", slo: slo.name })],
      min: 0,
    });
  }
  panels.push({
    kind: "stat",
    title: `${slo.name}: alerts firing`,
    description: `Firing ${slo.alerting.name} alerts of this SLO, by severity; 0 when none fires.`,
    unit: "short",
    thresholds: [
      { value: null, color: "green" },
      { value: 1, color: "red" },
    ],
    queries: [q(`sum(${selector("ALERTS", [["alertname", slo.alerting.name], ["alertstate", "firing"], ...id(service, slo)])}) or on () vector(0)`, "firing", { role: "alerts", slo: slo.name }, true)],
  });
  return panels;
}

/** The header: who owns the service, its tier and runbook, each SLO's objective and its SLI. */
function header(service: Service): PanelSpec {
  const lines = [
    `**Team** ${md(service.team)} · **Tier** ${md(service.tier.name)} · **Runbook** ${service.runbook === null ? "none" : md(service.runbook)}`,
    ...(service.description ? ["", md(service.description)] : []),
  ];
  for (const slo of service.slos) {
    lines.push("", `**${md(slo.name)}**: ${percentText(slo.objective)} over ${formatDuration(slo.window)} (budget ${percentText(slo.budget)})`);
    for (const [what, text] of sliQueries(slo)) lines.push("", `${what}:`, "", fenced(text));
  }
  return { kind: "header", title: `${service.name}: ownership and SLOs`, description: "From the service's spec.", unit: "", thresholds: [], queries: [], content: lines.join("\n") };
}

function sliQueries(slo: Slo): [string, string][] {
  const s = slo.sli;
  switch (s.kind) {
    case "ratio":
    case "query":
      return [...(s.errors !== null ? [["errors", s.errors] as [string, string]] : []), ...(s.good !== null ? [["good", s.good] as [string, string]] : []), ["total", s.total]];
    case "latency":
      return [
        ["histogram", `${s.histogram}${s.selector}`],
        ["threshold", s.thresholdText],
      ];
  }
}

/** Markdown text: every character Markdown could read as syntax is escaped. */
export function md(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~&]/g, (c) => `\\${c}`);
}

/** A fenced code block longer than any backtick run inside, so no text ends it early. */
export function fenced(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}promql\n${text.replace(/\r?\n/g, " ")}\n${fence}`;
}

export function servicePanels(model: Pick<Model, "organization">, service: Service): PanelSpec[] {
  const panels = [header(service), ...service.slos.flatMap((slo) => sloPanels(model, service, slo))];
  const hr = service.cache?.hitRatio;
  if (hr) {
    const sel = (m: string) => selector(m, [["service", service.name]]);
    panels.push({
      kind: "timeseries",
      title: `cache hit ratio against ${percentText(hr.objective)}`,
      description: "Hits / (hits + misses) over 5m and 1h; the ticket opens when the 1h ratio stays below the objective.",
      unit: "percentunit",
      thresholds: [
        { value: null, color: "red" },
        { value: num(hr.objective), color: "green" },
      ],
      queries: [q(sel(HIT_RATIO_5M), "5m", { role: "cache-hit-ratio", window: "5m" }), q(sel(HIT_RATIO_1H), "1h", { role: "cache-hit-ratio", window: "1h" })],
      min: 0,
      max: 1,
    });
  }
  return panels;
}

/** The organisation's overview: every SLO's budget remaining (lowest first) and its burn rate
 * over its window (highest first); a bar opens its service's dashboard. */
export function overviewPanels(model: Model, dashboardUrl: string): PanelSpec[] {
  const link = { title: "Open the service's dashboard", url: dashboardUrl };
  return [
    {
      kind: "bargauge",
      title: "Error budget remaining, lowest first",
      description: "Every SLO of the organisation over its own window; colours: the deploy gate's rows.",
      unit: "percentunit",
      thresholds: budgetThresholds(model),
      queries: [q(`sort(${BUDGET_REMAINING})`, "{{service}} / {{slo}}", null, true)],
      max: 1,
      link,
    },
    {
      kind: "bargauge",
      title: "Burn rate over the SLO window, highest first",
      description: "Error ratio over each SLO's window / its budget: above 1 the budget runs out before the window ends.",
      unit: "x",
      thresholds: [
        { value: null, color: "green" },
        { value: 1, color: "red" },
      ],
      queries: [q(`sort_desc(${PERIOD_BURN_RATE})`, "{{service}} / {{slo}}", null, true)],
      min: 0,
      link,
    },
  ];
}
