/** A problem found in the spec, located to the offending key or value. Diagnostics are data:
 * collected, never thrown, so that one run reports every mistake at once. */
export interface Diagnostic {
  /** Stable code from the catalog in codes.ts, e.g. `SVC030`. */
  code: string;
  severity: "error" | "warning";
  message: string;
  /** Path of the spec file as the user sees it (relative to the working directory). */
  file: string;
  /** 1-based line and column; 0 when the problem belongs to no place in a file. */
  line: number;
  col: number;
  hint?: string;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** Orders diagnostics by file, then position, then code, so output is stable. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      compareStrings(a.file, b.file) ||
      a.line - b.line ||
      a.col - b.col ||
      compareStrings(a.code, b.code) ||
      compareStrings(a.message, b.message),
  );
}

/** Byte-order (code unit) comparison: independent of the ICU locale, unlike localeCompare. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
