import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { TEMPLATE_NAMES, TEMPLATE_SUFFIX, type TemplateSource } from "../render/docs-templates.js";
import { collected, compileInto, type CompileOptions, type CompileResult, type FileSink, type StreamResult, TARGETS } from "../compile.js";
import { type Diagnostic, hasErrors, sortDiagnostics } from "../diagnostics/diagnostic.js";
import { type DiagnosticFormat, formatDiagnostics } from "../diagnostics/format.js";
import { readSpec, SPEC_FILE } from "../load/discover.js";
import type { SourceFile } from "../load/source.js";
import type { Model } from "../model/model.js";
import type { Io } from "./io.js";
import { readPolicyPacks } from "./policies.js";
import { generationCacheDir, openGenerationCache, svcspecIdentity } from "../cache/store.js";
import { cacheDir } from "../policy/build.js";

export interface CommonOptions {
  spec: string;
  format: DiagnosticFormat;
  /** `--docs-templates <dir>`: templates that replace built-in docs templates of the same name. */
  docsTemplates?: string;
  /** `--policies <dir>`: the organisation's Rego policies (default `policies`, when present). */
  policies?: string;
  /** `--strict`: warnings fail the command too. */
  strict?: boolean;
  /** `--only <targets>` (build, check): the targets, comma-separated; every target when absent. */
  only?: string;
  /** `--no-cache` (build, check, validate): false generates every service again and checks every
   * file in full, and leaves the cache folder alone. */
  cache?: boolean;
}

/** The targets `--only` names, or a usage message for a name that is not one. */
export function parseTargets(only: string | undefined): { targets?: string[]; problem?: string } {
  if (only === undefined) return {};
  const names = only.split(",").map((t) => t.trim()).filter((t) => t !== "");
  const unknown = names.filter((t) => !TARGETS.includes(t));
  if (!names.length || unknown.length) return { problem: `✖ --only ${JSON.stringify(only)}: ${names.length ? `unknown target${unknown.length === 1 ? "" : "s"} ${unknown.join(", ")}` : "no target"}\n  hint: name one or more of ${TARGETS.join(", ")}, comma-separated\n` };
  return { targets: [...new Set(names)] };
}

export class UsageError extends Error {}

/** Reads the spec folder (or one spec file). A missing or empty folder, and every file that cannot
 * be read, is a diagnostic, never a crash; files that can be read are returned with them, so one
 * run reports every problem. */
export function readSources(io: Io, specPath: string): { sources: SourceFile[]; problems: Diagnostic[] } {
  const abs = resolve(io.cwd, specPath);
  const missing = (message: string, hint: string) => ({ sources: [], problems: [{ code: "SVC002", severity: "error" as const, message, file: specPath, line: 0, col: 0, hint }] });
  if (!existsSync(abs)) return missing(`spec folder ${specPath} does not exist`, "pass --spec <dir> (or one spec file), or run `svcspec init` to create one");
  if (statSync(abs).isFile() && !SPEC_FILE.test(abs)) return missing(`${specPath} is not a spec file`, "spec files end in .yaml or .yml; pass the file or its folder");
  const { sources, problems } = readSpec(abs, io.cwd);
  if (!sources.length && !problems.length) return missing(`no *.yaml or *.yml files under ${specPath}`, "run `svcspec init` to create an example");
  return { sources, problems };
}

/** `--out` must not be the spec folder or inside it: generated files would become spec files. */
export function outInsideSpec(io: Io, spec: string, out: string): string | null {
  const s = resolve(io.cwd, spec);
  const o = resolve(io.cwd, out);
  if (o !== s && !o.startsWith(s.endsWith(sep) ? s : s + sep)) return null;
  return `✖ --out ${out} is ${o === s ? "the spec folder" : "inside the spec folder"} ${spec}: generated files would be read as specs\n  hint: write the output beside the specs, e.g. --out out\n`;
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
 * the policy packs too (validate, build and check do; explain and verify read the spec only);
 * `withCache` generates through the generation cache (build and check, unless `--no-cache`):
 * entries read from `<cache>/generate/`; "read-write" (build) also writes the fresh ones back and
 * prunes the unused ones, "read" (check) leaves the folder as it is (a check on a fresh clone in CI
 * does not pay for writing a cache nobody reads). */
export function compileFolder(io: Io, opts: CommonOptions, withPolicies = false, withCache: false | "read" | "read-write" = false): CompileResult {
  return collected((open) => compileFolderInto(io, opts, open, withPolicies, withCache));
}

/** compileFolder, each file handed to the sink `open` returns (compileInto): `open` is called only
 * when the spec is valid and every file could be read, so a sink that writes never runs for a run
 * that fails. */
export function compileFolderInto(io: Io, opts: CommonOptions, open: (diagnostics: readonly Diagnostic[]) => FileSink | null, withPolicies = false, withCache: false | "read" | "read-write" = false): StreamResult {
  const failed = (problems: Diagnostic[]): StreamResult => ({ diagnostics: problems, model: null, generated: false, fileCount: 0, documentCount: 0 });
  const { sources, problems } = readSources(io, opts.spec);
  if (!sources.length) return failed(problems);
  const options: CompileOptions = {};
  const { targets } = parseTargets(opts.only);
  if (targets) options.targets = targets;
  if (opts.docsTemplates !== undefined) {
    const read = readDocsTemplates(io, opts.docsTemplates);
    if (read.problem) return failed([read.problem]);
    options.docsTemplates = read.templates;
  }
  const policies = withPolicies ? readPolicyPacks(io, opts.policies) : { packs: undefined, problems: [] };
  if (policies.packs) options.policies = policies.packs;
  const cache = withCache ? openCache(io, opts, withCache === "read-write") : null;
  if (cache) {
    options.cache = cache;
    options.validation = cache;
  }
  // Unreadable files (one may hold a service) and policies that cannot be compiled fail the run;
  // the rest is still checked, every problem at once, and nothing is generated.
  const extra = [...problems, ...policies.problems];
  const result = compileInto(sources, options, (diagnostics) => (extra.length ? null : open(diagnostics)));
  const warning = result.generated ? cache?.finish() : null;
  if (warning) io.err(warning);
  if (!extra.length) return result;
  return { ...result, diagnostics: sortDiagnostics([...extra, ...result.diagnostics]), model: problems.length ? null : result.model, generated: false };
}

/** The cache folder (`<cache>/generate/`: the generation and validation caches) for this command,
 * or null under `--no-cache`; `write`: the command writes its entries back and prunes the rest. */
export function openCache(io: Io, opts: CommonOptions, write: boolean): ReturnType<typeof openGenerationCache> | null {
  if (opts.cache === false) return null;
  return openGenerationCache(generationCacheDir(resolve(io.cwd, cacheDir(io.cwd, io.env))), svcspecIdentity(), write);
}

/** What build and check know of their output session while compileToSession runs (also when it
 * throws part-way): the session, once opened, and the diagnostics it was opened with (warnings). */
export interface OutputRun<S> {
  session: S | null;
  warnings: readonly Diagnostic[];
}

/** compileFolderInto with the policies, into the output session `openSession` makes: opened only
 * when the spec passed (under --strict, without a warning either), so a failing run opens nothing. */
export function compileToSession<S extends FileSink>(io: Io, opts: CommonOptions, run: OutputRun<S>, openSession: () => S, withCache: "read" | "read-write"): StreamResult {
  const open = (diagnostics: readonly Diagnostic[]): S | null => {
    if (fails(diagnostics, opts.strict)) return null;
    run.warnings = diagnostics;
    return (run.session = openSession());
  };
  return compileFolderInto(io, opts, open, true, withCache);
}

/** The line build and check add when the Organization leaves the generated tests out, so that a
 * folder without them never looks complete by accident; "" when they are generated. */
export function testsNote(model: Model | null): string {
  if (!model || model.organization.outputs.tests) return "";
  const where = model.organization.file ? ` in ${model.organization.file}` : "";
  return `  note: no generated tests (outputs.tests: false${where}): \`svcspec verify\` checks that the rules and policies load, not what they do\n`;
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
