/** `svcspec import sloth|openslo <files...>`: Sloth or OpenSLO documents in, svcspec Service specs
 * out (stdout, or one `<service>.yaml` per service under --out). Every construct that does not
 * carry over is a located diagnostic; the result is validated before it is written. */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { validate } from "../../compile.js";
import { type Diagnostic, hasErrors, sortDiagnostics } from "../../diagnostics/diagnostic.js";
import type { DiagnosticFormat } from "../../diagnostics/format.js";
import type { ImportedService, ImportOptions, ImportResult } from "../../import/common.js";
import { importOpenSlo } from "../../import/openslo.js";
import { importSloth } from "../../import/sloth.js";
import { parseSources, type SourceFile } from "../../load/source.js";
import { toYaml } from "../../render/yaml.js";
import { countSummary, printDiagnostics } from "../shared.js";
import { EXIT, type ExitCode, type Io } from "../io.js";

export const IMPORT_FORMATS = ["sloth", "openslo"] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export interface ImportCommandOptions extends ImportOptions {
  out?: string;
  force: boolean;
  format: DiagnosticFormat;
}

const IMPORTERS: Record<ImportFormat, (docs: Parameters<typeof importSloth>[0], o: ImportOptions) => ImportResult> = { sloth: importSloth, openslo: importOpenSlo };

export function runImport(io: Io, format: ImportFormat, paths: readonly string[], opts: ImportCommandOptions): ExitCode {
  const read = readInputs(io, paths);
  if (read.problem) {
    printDiagnostics(io, [read.problem], opts.format);
    return EXIT.invalid;
  }
  const loaded = parseSources(read.files);
  const result = IMPORTERS[format](loaded.documents, { team: opts.team, tier: opts.tier, window: opts.window, runbook: opts.runbook });
  const texts = result.services.map((s) => ({ service: s, text: serviceText(s, format) }));
  // The result must be a valid svcspec spec: validated here, located in the text written.
  const outDir = opts.out === undefined ? null : resolve(io.cwd, opts.out);
  const targets = texts.map((t) => ({ ...t, path: outDir ? relative(io.cwd, join(outDir, `${t.service.doc.metadata.name}.yaml`)).split(sep).join("/") : `<stdout: ${t.service.doc.metadata.name}>` }));
  const checked = validate(targets.map((t) => ({ path: t.path, name: t.path, text: t.text })));
  const diagnostics = sortDiagnostics([...loaded.diagnostics, ...result.diagnostics, ...checked.diagnostics]);
  const extra = { services: targets.map((t) => ({ name: t.service.doc.metadata.name, slos: t.service.doc.spec.slos?.length ?? 0, file: outDir ? t.path : null })), constructs: { mapped: Object.fromEntries(result.tally.mapped), dropped: Object.fromEntries(result.tally.dropped) } };
  printDiagnostics(io, diagnostics, opts.format, opts.format === "json" ? extra : {});
  if (hasErrors(checked.diagnostics)) {
    io.err(`✖ the imported spec does not validate (${countSummary(checked.diagnostics)}): nothing written\n`);
    return EXIT.invalid;
  }
  if (outDir) {
    const clash = targets.filter((t) => existsSync(resolve(io.cwd, t.path)) && !opts.force);
    if (clash.length) {
      io.err(`✖ ${clash.map((t) => t.path).join(", ")} already exist${clash.length === 1 ? "s" : ""}: nothing written\n  hint: pass --force to overwrite, or --out another folder\n`);
      return EXIT.invalid;
    }
    mkdirSync(outDir, { recursive: true });
    for (const t of targets) writeFileSync(resolve(io.cwd, t.path), t.text);
  } else if (opts.format !== "json") {
    io.out(targets.map((t) => t.text).join("---\n"));
  }
  const slos = targets.reduce((n, t) => n + (t.service.doc.spec.slos?.length ?? 0), 0);
  const failed = hasErrors(diagnostics);
  const summary = `${failed ? "✖" : "✔"} imported ${targets.length} service${targets.length === 1 ? "" : "s"} with ${slos} SLO${slos === 1 ? "" : "s"} from ${read.files.length} file${read.files.length === 1 ? "" : "s"}${outDir ? ` into ${opts.out}` : ""} (${countSummary(diagnostics)})`;
  io.err(`${summary}\n`);
  return failed ? EXIT.invalid : EXIT.ok;
}

/** The document as written: a header naming the source, then the spec. */
function serviceText(s: ImportedService, format: ImportFormat): string {
  const header = [
    `# Imported by \`svcspec import ${format}\` from ${s.sources.join(", ")} (${s.format}).`,
    "# Review metadata.team and spec.tier: each SLO states its objective and alert tiers itself.",
  ];
  return `${header.join("\n")}\n${toYaml(s.doc)}`;
}

/** Files as given, folders as their *.yaml / *.yml files (sorted). */
function readInputs(io: Io, paths: readonly string[]): { files: SourceFile[]; problem: Diagnostic | null } {
  const files: SourceFile[] = [];
  const add = (abs: string) => {
    const path = relative(io.cwd, abs).split(sep).join("/") || abs;
    files.push({ path, name: path, text: readFileSync(abs, "utf8").replace(/^\uFEFF/, "") });
  };
  for (const p of paths) {
    const abs = resolve(io.cwd, p);
    if (!existsSync(abs)) return { files, problem: { code: "SVC002", severity: "error", message: `${p} does not exist`, file: p, line: 0, col: 0, hint: "pass Sloth or OpenSLO YAML files (or folders of them)" } };
    if (statSync(abs).isDirectory()) {
      for (const f of yamlUnder(abs)) add(f);
    } else add(abs);
  }
  if (!files.length) return { files, problem: { code: "SVC002", severity: "error", message: "no YAML files to import", file: paths[0] ?? ".", line: 0, col: 0, hint: "pass Sloth or OpenSLO YAML files (or folders of them)" } };
  return { files, problem: null };
}

function yamlUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.name.startsWith("."))
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => (e.isDirectory() ? yamlUnder(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : []));
}
