import jsyaml from "js-yaml";
import { isMap, LineCounter, parseAllDocuments, type Document } from "yaml";
import type { Diagnostic } from "../diagnostics/diagnostic.js";

/** A spec file as read from disk. */
export interface SourceFile {
  /** Where the user finds it, relative to the working directory: used in diagnostics. */
  path: string;
  /** Stable name for generated-file headers: the spec folder's own name plus the path inside it
   * (`spec/services/checkout.yaml`), the same on every machine and from every working directory. */
  name: string;
  text: string;
}

/** One YAML document of a spec file. */
export interface SpecDocument {
  source: SourceFile;
  /** 0-based position among the file's non-empty documents. */
  index: number;
  /** The document as plain data (what the schema and lower() read). */
  value: unknown;
}

/** The `yaml` library's view of a file: documents with source ranges, for locating diagnostics. */
export interface LocatedFile {
  /** Non-empty documents, in file order (aligned with SpecDocument.index). */
  docs: Document.Parsed[];
  lineCounter: LineCounter;
}

export interface Loaded {
  documents: SpecDocument[];
  diagnostics: Diagnostic[];
}

// Values are read with js-yaml (YAML 1.2 core schema, like `yaml`'s default), an order of
// magnitude faster than building `yaml`'s node tree. The tree, with its source ranges, is built
// only for files that have something to report: a valid spec never pays for it.
const FAST = { schema: jsyaml.CORE_SCHEMA, json: false } as const;

const located = new WeakMap<SourceFile, LocatedFile>();

/** The ranged parse of a file, built once on first use. */
export function locatedFile(source: SourceFile): LocatedFile {
  let f = located.get(source);
  if (!f) {
    const lineCounter = new LineCounter();
    const all = parseAllDocuments(source.text, { lineCounter, prettyErrors: false, uniqueKeys: true });
    const docs = Array.isArray(all) ? all.filter((d) => d.contents !== null || d.errors.length > 0) : [];
    f = { docs, lineCounter };
    located.set(source, f);
  }
  return f;
}

/** Parses every document of every file. Files must arrive sorted. */
export function parseSources(files: readonly SourceFile[]): Loaded {
  const documents: SpecDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const source of files) {
    let values: unknown[];
    try {
      values = jsyaml.loadAll(source.text, undefined, FAST).filter((v) => v !== null && v !== undefined);
    } catch (e) {
      diagnostics.push(...syntaxDiagnostics(source, e));
      continue;
    }
    values.forEach((value, index) => {
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        diagnostics.push(notAMapping(source, index));
        return;
      }
      documents.push({ source, index, value });
    });
  }
  return { documents, diagnostics };
}

/** Syntax errors come from `yaml`, whose messages and positions are the more precise; js-yaml's
 * own error stands in should the two parsers ever disagree about a file. */
function syntaxDiagnostics(source: SourceFile, fastError: unknown): Diagnostic[] {
  const { docs, lineCounter } = locatedFile(source);
  const out: Diagnostic[] = [];
  // One error per document: after the first, `yaml` reports the same broken line again in other
  // words ("Implicit keys need to be on a single line", ...), which only misleads.
  for (const doc of docs) {
    const e = doc.errors[0];
    if (!e) continue;
    // Point at the offending token, not at the indentation before it.
    const offset = e.pos[0] + (/^ */.exec(source.text.slice(e.pos[0]))?.[0].length ?? 0);
    const pos = lineCounter.linePos(offset);
    const message = e.code === "DUPLICATE_KEY" ? `duplicate key \`${keyAt(source.text, e.pos[0])}\`` : firstLine(e.message);
    out.push({ code: "SVC001", severity: "error", message, file: source.path, line: pos.line, col: pos.col, hint: yamlHint(e.code) });
  }
  if (out.length) return out;
  const mark = (fastError as { mark?: { line: number; column: number } }).mark;
  const reason = (fastError as { reason?: string }).reason ?? String(fastError);
  return [{ code: "SVC001", severity: "error", message: reason, file: source.path, line: (mark?.line ?? 0) + 1, col: (mark?.column ?? 0) + 1, hint: yamlHint("") }];
}

function notAMapping(source: SourceFile, index: number): Diagnostic {
  const { docs, lineCounter } = locatedFile(source);
  const contents = docs[index]?.contents;
  const pos = lineCounter.linePos(contents && !isMap(contents) ? (contents.range?.[0] ?? 0) : 0);
  return {
    code: "SVC003",
    severity: "error",
    message: "a spec document must be a mapping with apiVersion, kind, metadata and spec",
    file: source.path,
    line: pos.line,
    col: pos.col,
    hint: "start the document with `apiVersion: svcspec/v1`",
  };
}

function keyAt(text: string, offset: number): string {
  return /^["']?([^:"'\n]*)/.exec(text.slice(offset))?.[1]?.trim() ?? "";
}

function firstLine(message: string): string {
  return message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "") ?? message;
}

function yamlHint(code: string): string {
  switch (code) {
    case "DUPLICATE_KEY":
      return "each key may appear once per mapping; remove or merge the repeated key";
    case "TAB_AS_INDENT":
      return "YAML indentation must use spaces, not tabs";
    case "BAD_INDENT":
    case "MISSING_CHAR":
      return "check the indentation and the `key: value` shape of this line and the one above";
    case "BLOCK_AS_IMPLICIT_KEY":
    case "MULTILINE_IMPLICIT_KEY":
      return "a key must fit on one line; quote values that contain `: `";
    default:
      return "fix the YAML syntax at this position (quote strings that contain `: `, `#`, `{` or `[`)";
  }
}
