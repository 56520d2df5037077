import { basename, resolve } from "node:path";
import { compile, type CompileOptions } from "../../compile.js";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import { formatDiagnostics } from "../../diagnostics/format.js";
import type { SourceFile } from "../../load/source.js";
import { plan, weakening } from "../../plan/index.js";
import { type PlanFormat, renderPlan } from "../../plan/render.js";
import { readSpecAtRevision } from "../git.js";
import { EXIT, type ExitCode, type Io } from "../io.js";
import { countSummary, readDocsTemplates, readSources } from "../shared.js";

export interface PlanOptions {
  spec: string;
  /** A git revision to read the base spec from (no checkout). */
  base?: string;
  /** A folder holding the base spec. */
  baseSpec?: string;
  format: PlanFormat;
  failOn?: "weakens";
  docsTemplates?: string;
}

type Side = "base" | "head";
type Base = { ok: true; sources: SourceFile[]; label: string } | { ok: false; problems: Diagnostic[] } | { ok: false; usage: string; hint: string };

/** Compares the working spec with a base and prints what changes in production: `--base <ref>`
 * (git), `--base-spec <dir>`, or by default the merge-base with the upstream branch (else HEAD).
 * Exit 1 when a side is invalid, or with `--fail-on weakens` when a change weakens; 2 on a usage
 * or git problem (no repository, an unknown revision). */
export function runPlan(io: Io, opts: PlanOptions): ExitCode {
  if (opts.base !== undefined && opts.baseSpec !== undefined) {
    io.err("✖ pass --base <ref> or --base-spec <dir>, not both\n");
    return EXIT.usage;
  }
  const head = readSources(io, opts.spec);
  const base = readBase(io, opts);
  if (!base.ok && "usage" in base) {
    io.err(`✖ ${base.usage}\n  hint: ${base.hint}\n`);
    return EXIT.usage;
  }
  const failures: { side: Side; label: string; diagnostics: readonly Diagnostic[] }[] = [];
  if (head.problems.length) failures.push({ side: "head", label: opts.spec, diagnostics: head.problems });
  if (!base.ok) failures.push({ side: "base", label: opts.baseSpec ?? "base", diagnostics: base.problems });
  const options: CompileOptions = {};
  if (opts.docsTemplates !== undefined) {
    const t = readDocsTemplates(io, opts.docsTemplates);
    if (t.problem) failures.push({ side: "head", label: opts.docsTemplates, diagnostics: [t.problem] });
    options.docsTemplates = t.templates;
  }
  if (failures.length || !base.ok) return invalid(io, opts.format, failures);
  const b = compile(base.sources, options);
  const h = compile(head.sources, options);
  // Both sides are checked, and an invalid one is reported as such, every problem located.
  if (!b.model || !b.files) failures.push({ side: "base", label: base.label, diagnostics: b.diagnostics });
  if (!h.model || !h.files) failures.push({ side: "head", label: opts.spec, diagnostics: h.diagnostics });
  if (failures.length || !b.model || !b.files || !h.model || !h.files) return invalid(io, opts.format, failures);
  const result = plan({ model: b.model, files: b.files }, { model: h.model, files: h.files });
  io.out(renderPlan(result, opts.format, { against: base.label }));
  const weak = weakening(result).length;
  if (opts.failOn === "weakens" && weak) {
    if (opts.format !== "json") io.err(`✖ --fail-on weakens: ${weak} of ${result.changes.length} changes weaken security or reliability\n`);
    return EXIT.invalid;
  }
  return EXIT.ok;
}

/** The base spec: a folder, or the spec folder at a git revision. Its files are named as the
 * working spec's are (`spec/services/x.yaml`), so headers agree and only meaning differs. */
function readBase(io: Io, opts: PlanOptions): Base {
  // As readSpecFolder names the working spec's files: the folder's own name, then the path.
  const folder = basename(resolve(io.cwd, opts.spec)) || "spec";
  if (opts.baseSpec !== undefined) {
    const r = readSources(io, opts.baseSpec);
    if (r.problems.length) return { ok: false, problems: r.problems };
    const sources = r.sources.map((s) => ({ ...s, name: `${folder}/${s.name.slice(s.name.indexOf("/") + 1)}` }));
    return { ok: true, sources, label: `the folder ${opts.baseSpec}` };
  }
  const g = readSpecAtRevision(io, opts.spec, opts.base);
  return g.ok ? g : { ok: false, usage: g.message, hint: g.hint };
}

function invalid(io: Io, format: PlanFormat, failures: readonly { side: Side; label: string; diagnostics: readonly Diagnostic[] }[]): ExitCode {
  if (format === "json") {
    io.out(JSON.stringify({ invalid: failures.map((f) => ({ side: f.side, diagnostics: f.diagnostics })) }, null, 2) + "\n");
    return EXIT.invalid;
  }
  for (const f of failures) {
    const text = formatDiagnostics(f.diagnostics, "text");
    if (text) io.err(text);
    io.err(`✖ ${f.side === "base" ? "base spec" : "working spec"} (${f.label}) is invalid: ${countSummary(f.diagnostics)}\n`);
  }
  return EXIT.invalid;
}
