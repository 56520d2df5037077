/** The plan as text (a terminal), Markdown (a pull-request comment or a GitHub job summary) and
 * JSON (tools). Same plan, same bytes. */
import type { Change, Effect, FileChanges, Plan } from "./types.js";
import { plural } from "./words.js";

export type PlanFormat = "text" | "markdown" | "json";

export interface RenderOptions {
  /** What the working spec was compared with, e.g. `origin/main (3f2a1bc)`; text and Markdown only. */
  against?: string;
}

function count(p: Plan, e: Effect): number {
  return p.changes.filter((c) => c.effect === e).length;
}

/** The one-line verdict: `2 changes weaken security or reliability`. */
export function verdict(p: Plan): string {
  const n = count(p, "weakens");
  if (n) return `${plural(n, "change")} ${n === 1 ? "weakens" : "weaken"} security or reliability`;
  return p.changes.length ? "No change weakens security or reliability" : "No changes";
}

function tally(p: Plan): string {
  if (!p.changes.length) return "";
  return `${plural(p.changes.length, "change")}: ${count(p, "weakens")} weaken, ${count(p, "strengthens")} strengthen, ${count(p, "neutral")} neutral`;
}

function fileTotals(files: Record<string, FileChanges>): { added: number; changed: number; deleted: number; total: number } {
  const t = { added: 0, changed: 0, deleted: 0, total: 0 };
  for (const f of Object.values(files)) {
    t.added += f.added.length;
    t.changed += f.changed.length;
    t.deleted += f.deleted.length;
  }
  t.total = t.added + t.changed + t.deleted;
  return t;
}

function filesLine(files: Record<string, FileChanges>): string {
  const t = fileTotals(files);
  if (!t.total) return "no generated file changes";
  const parts = [t.changed && `${t.changed} changed`, t.added && `${t.added} added`, t.deleted && `${t.deleted} deleted`].filter(Boolean);
  return `${plural(t.total, "generated file")} touched (${parts.join(", ")})`;
}

/** Changes grouped by service, the Organization's first. */
function byService(p: Plan): [string, Change[]][] {
  const out = new Map<string, Change[]>();
  for (const c of p.changes) {
    const k = c.service ?? "organization (every service)";
    out.set(k, [...(out.get(k) ?? []), c]);
  }
  return [...out];
}

export function renderText(p: Plan, o: RenderOptions = {}): string {
  const lines = [`svcspec plan: ${verdict(p)}`];
  const about = [o.against ? `compared with ${o.against}` : "", tally(p), filesLine(p.files)].filter(Boolean);
  lines.push(about.join("; "));
  for (const [service, changes] of byService(p)) {
    lines.push("", service);
    for (const c of changes) lines.push(`  ${c.effect.padEnd(11)} ${c.area.padEnd(8)} ${oneLine(c.summary)}`);
  }
  const targets = Object.entries(p.files);
  if (targets.length) {
    lines.push("", "generated files");
    for (const [target, f] of targets) {
      const parts = [f.changed.length && `${f.changed.length} changed`, f.added.length && `${f.added.length} added`, f.deleted.length && `${f.deleted.length} deleted`].filter(Boolean);
      lines.push(`  ${target.padEnd(12)} ${parts.join(", ")}`);
    }
  }
  return lines.join("\n") + "\n";
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, " ");
}

/** Spec text inside a Markdown table cell: one line, no pipes, no HTML. */
function cell(s: string | null): string {
  if (s === null) return "";
  return oneLine(s).replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/</g, "&lt;").replace(/\*/g, "\\*").replace(/_/g, "\\_").replace(/`/g, "\\`");
}

const MARK: Record<Effect, string> = { weakens: "**weakens**", strengthens: "strengthens", neutral: "neutral" };

export function renderMarkdown(p: Plan, o: RenderOptions = {}): string {
  const out = [`### svcspec plan: ${verdict(p)}`, ""];
  const about = [o.against ? `Compared with ${cell(o.against)}` : "", tally(p), filesLine(p.files)].filter(Boolean);
  out.push(`${about.join(". ")}.`, "");
  if (p.changes.length) {
    out.push("| effect | service | area | change | before | after |", "| --- | --- | --- | --- | --- | --- |");
    for (const c of p.changes) out.push(`| ${MARK[c.effect]} | ${cell(c.service ?? "(organization)")} | ${c.area} | ${cell(c.summary)} | ${cell(c.before)} | ${cell(c.after)} |`);
    out.push("");
  }
  const targets = Object.entries(p.files);
  if (targets.length) {
    out.push(`<details><summary>${filesLine(p.files)}</summary>`, "", "| target | changed | added | deleted |", "| --- | ---: | ---: | ---: |");
    for (const [target, f] of targets) out.push(`| ${target} | ${f.changed.length} | ${f.added.length} | ${f.deleted.length} |`);
    out.push("");
    for (const [, f] of targets) {
      for (const [what, paths] of [["changed", f.changed], ["added", f.added], ["deleted", f.deleted]] as const) for (const path of paths) out.push(`- \`${path}\` ${what}`);
    }
    out.push("", "</details>", "");
  }
  return out.join("\n");
}

/** `{"changes": [{service, area, effect, summary, before, after}], "files": {<target>: {added, changed, deleted}}}`,
 * keys in that order, 2-space indent (docs/reviewing-changes.md). */
export function renderJson(p: Plan): string {
  const changes = p.changes.map((c) => ({ service: c.service, area: c.area, effect: c.effect, summary: c.summary, before: c.before, after: c.after }));
  const files = Object.fromEntries(Object.entries(p.files).map(([k, f]) => [k, { added: f.added, changed: f.changed, deleted: f.deleted }]));
  return JSON.stringify({ changes, files }, null, 2) + "\n";
}

export function renderPlan(p: Plan, format: PlanFormat, o: RenderOptions = {}): string {
  return format === "json" ? renderJson(p) : format === "markdown" ? renderMarkdown(p, o) : renderText(p, o);
}
