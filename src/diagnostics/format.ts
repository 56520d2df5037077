import type { Diagnostic } from "./diagnostic.js";

export type DiagnosticFormat = "text" | "json" | "github";

/** GNU style `file:line:col: error CODE: message`, which terminals and editors make clickable. */
export function formatText(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.col}` : d.file;
  const head = `${where}: ${d.severity} ${d.code}: ${d.message}`;
  return d.hint ? `${head}\n  hint: ${d.hint}` : head;
}

// GitHub workflow commands: data must escape %, CR and LF; properties also , and :.
function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}
function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

export function formatGithub(d: Diagnostic): string {
  const kind = d.severity === "error" ? "error" : "warning";
  const props = [`file=${escapeProperty(d.file)}`];
  if (d.line > 0) props.push(`line=${d.line}`, `col=${d.col}`);
  props.push(`title=${escapeProperty(d.code)}`);
  const body = d.hint ? `${d.message}\nhint: ${d.hint}` : d.message;
  return `::${kind} ${props.join(",")}::${escapeData(body)}`;
}

export function formatDiagnostics(diagnostics: readonly Diagnostic[], format: DiagnosticFormat): string {
  if (format === "json") return JSON.stringify({ diagnostics }, null, 2) + "\n";
  const lines = diagnostics.map(format === "github" ? formatGithub : formatText);
  return lines.length ? lines.join("\n") + "\n" : "";
}
