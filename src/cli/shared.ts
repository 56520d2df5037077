import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { TEMPLATE_NAMES, TEMPLATE_SUFFIX, type TemplateSource } from "../render/docs-templates.js";
import { compile, type CompileOptions, type CompileResult } from "../compile.js";
import { type Diagnostic, hasErrors, sortDiagnostics } from "../diagnostics/diagnostic.js";
import { type DiagnosticFormat, formatDiagnostics } from "../diagnostics/format.js";
import { readSpecFolder } from "../load/discover.js";
import type { SourceFile } from "../load/source.js";
import type { Io } from "./io.js";
import { readPolicyPacks } from "./policies.js";

export interface CommonOptions {
  spec: string;
  format: DiagnosticFormat;
  /** `--docs-templates <dir>`: templates that replace built-in docs templates of the same name. */
  docsTemplates?: string;
  /** `--policies <dir>`: the organisation's Rego policies (default `policies`, when present). */
  policies?: string;
  /** `--strict`: warnings fail the command too. */
  strict?: boolean;
}

export class UsageError extends Error {}

/** Reads the spec folder; a missing or empty folder is a located diagnostic, not a crash. */
export function readSources(io: Io, specDir: string): { sources: SourceFile[]; problem: Diagnostic | null } {
  const abs = resolve(io.cwd, specDir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    return { sources: [], problem: { code: "SVC002", severity: "error", message: `spec folder ${specDir} does not exist`, file: specDir, line: 0, col: 0, hint: "pass --spec <dir>, or run `svcspec init` to create one" } };
  }
  const sources = readSpecFolder(abs, io.cwd);
  if (!sources.length) {
    return { sources, problem: { code: "SVC002", severity: "error", message: `no *.yaml or *.yml files under ${specDir}`, file: specDir, line: 0, col: 0, hint: "run `svcspec init` to create an example" } };
  }
  return { sources, problem: null };
}

/** Reads the `*.md.hbs` files of a docs templates folder (not recursive), by template name. An
 * unreadable folder or file is a diagnostic; what the templates say is compile()'s to check. */
export function readDocsTemplates(io: Io, dir: string): { templates: Map<string, TemplateSource>; problem: Diagnostic | null } {
  const templates = new Map<string, TemplateSource>();
  const fail = (file: string, message: string, hint: string) => ({ templates, problem: { code: "SVC004", severity: "error" as const, message, file, line: 0, col: 0, hint } });
  const abs = resolve(io.cwd, dir);
  let names: string[];
  try {
    names = readdirSync(abs).filter((n) => n.endsWith(TEMPLATE_SUFFIX) && !n.startsWith(".")).sort();
  } catch (e) {
    return fail(dir, `docs templates folder ${dir} ${unreadable(e)}`, "pass --docs-templates <dir>, a readable folder of *.md.hbs files");
  }
  if (!names.length) return fail(dir, `no *${TEMPLATE_SUFFIX} files in ${dir}`, `name each file after the template it replaces: ${TEMPLATE_NAMES.map((t) => t + TEMPLATE_SUFFIX).join(", ")}`);
  for (const n of names) {
    const path = relative(io.cwd, join(abs, n)).split(sep).join("/") || n;
    try {
      templates.set(n.slice(0, -TEMPLATE_SUFFIX.length), { path, text: readFileSync(join(abs, n), "utf8").replace(/^\uFEFF/, "") });
    } catch (e) {
      return fail(path, `docs template ${path} ${unreadable(e)}`, "make the file readable, or move it out of the folder");
    }
  }
  return { templates, problem: null };
}

function unreadable(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === "ENOENT" ? "does not exist" : code === "ENOTDIR" ? "is not a folder" : `cannot be read (${code ?? String(e)})`;
}

/** Compiles the spec folder with the options the flags name; `withPolicies` checks it against
 * the policy packs too (validate, build and check do; explain and verify read the spec only). */
export function compileFolder(io: Io, opts: CommonOptions, withPolicies = false): CompileResult {
  const failed = (problem: Diagnostic): CompileResult => ({ diagnostics: [problem], model: null, files: null, documentCount: 0 });
  const { sources, problem } = readSources(io, opts.spec);
  if (problem) return failed(problem);
  const options: CompileOptions = {};
  if (opts.docsTemplates !== undefined) {
    const read = readDocsTemplates(io, opts.docsTemplates);
    if (read.problem) return failed(read.problem);
    options.docsTemplates = read.templates;
  }
  if (!withPolicies) return compile(sources, options);
  const policies = readPolicyPacks(io, opts.policies);
  const result = compile(sources, { ...options, policies: policies.packs });
  // Policies that cannot be compiled fail the run; the spec is still checked, every problem at once.
  return policies.problems.length ? { ...result, diagnostics: sortDiagnostics([...policies.problems, ...result.diagnostics]), files: null } : result;
}

/** Whether the diagnostics fail the command: any error, or under --strict any warning. */
export function fails(diagnostics: readonly Diagnostic[], strict: boolean | undefined): boolean {
  return hasErrors(diagnostics) || (!!strict && diagnostics.length > 0);
}

/** Diagnostics go to stderr as text or GitHub annotations; JSON goes to stdout for tools. */
export function printDiagnostics(io: Io, diagnostics: readonly Diagnostic[], format: DiagnosticFormat, extra: Record<string, unknown> = {}): void {
  if (format === "json") {
    io.out(JSON.stringify({ diagnostics, ...extra }, null, 2) + "\n");
    return;
  }
  const text = formatDiagnostics(diagnostics, format);
  if (text) io.err(text);
}

export function countSummary(diagnostics: readonly Diagnostic[], strict = false): string {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  return `${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}${strict && warnings ? " (--strict: warnings fail)" : ""}`;
}
