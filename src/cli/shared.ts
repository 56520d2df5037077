import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { compile, type CompileResult } from "../compile.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { type DiagnosticFormat, formatDiagnostics } from "../diagnostics/format.js";
import { readSpecFolder } from "../load/discover.js";
import type { SourceFile } from "../load/source.js";
import type { Io } from "./io.js";

export interface CommonOptions {
  spec: string;
  format: DiagnosticFormat;
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

export function compileFolder(io: Io, opts: CommonOptions): CompileResult {
  const { sources, problem } = readSources(io, opts.spec);
  if (problem) return { diagnostics: [problem], model: null, files: null, documentCount: 0 };
  return compile(sources);
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

export function countSummary(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  return `${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}`;
}
