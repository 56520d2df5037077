import { type Code, defaultHint } from "../diagnostics/codes.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { locate, locateInString, type PathSegment } from "../load/locate.js";
import type { SpecDocument } from "../load/source.js";

/** Collects diagnostics for one document, locating each by its path in the YAML. */
export class Report {
  readonly #errorPaths: (readonly PathSegment[])[] = [];

  constructor(
    readonly doc: SpecDocument,
    private readonly out: Diagnostic[],
  ) {}

  error(code: Code, path: readonly PathSegment[], message: string, hint?: string, target: "key" | "value" = "value"): void {
    this.#errorPaths.push(path);
    this.push("error", code, locate(this.doc, path, target), message, hint);
  }

  warn(code: Code, path: readonly PathSegment[], message: string, hint?: string, target: "key" | "value" = "value"): void {
    this.push("warning", code, locate(this.doc, path, target), message, hint);
  }

  /** An error at a character inside a string value (PromQL, regex). */
  errorInString(code: Code, path: readonly PathSegment[], offset: number, message: string, hint?: string): void {
    this.#errorPaths.push(path);
    this.push("error", code, locateInString(this.doc, path, offset), message, hint);
  }

  /** Whether this Report has an error at `path` or inside it. */
  hasErrorsUnder(path: readonly PathSegment[]): boolean {
    return this.#errorPaths.some((p) => path.every((seg, i) => p[i] === seg));
  }

  private push(severity: Diagnostic["severity"], code: Code, pos: { line: number; col: number }, message: string, hint?: string): void {
    const d: Diagnostic = { code, severity, message, file: this.doc.source.path, line: pos.line, col: pos.col };
    d.hint = hint ?? defaultHint(code);
    this.out.push(d);
  }
}

/** Reports every repeated `name` in a list at the key of the repeat. */
export function checkUniqueNames(r: Report, items: readonly { name?: unknown }[] | undefined, path: readonly PathSegment[], what: string): void {
  const seen = new Map<string, number>();
  (items ?? []).forEach((item, i) => {
    const name = String(item.name);
    const first = seen.get(name);
    if (first === undefined) seen.set(name, i);
    else r.error("SVC022", [...path, i, "name"], `duplicate ${what} name \`${name}\``, `${what} names must be unique; the first is on line ${locate(r.doc, [...path, first, "name"]).line}`);
  });
}
