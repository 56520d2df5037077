import jsyaml from "js-yaml";
import { type Alias, isAlias, isMap, isPair, isSeq, LineCounter, parseAllDocuments, type Document } from "yaml";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { boundsProblem, INPUT_LIMITS } from "./bounds.js";

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

/** What an earlier run parsed (src/cache/validation.ts): a file's values, when it was clean. */
export interface ParseMemo {
  parsed(source: SourceFile): unknown[] | undefined;
  parsedFresh(source: SourceFile, values: readonly unknown[]): void;
}

/** Parses every document of every file. Files must arrive sorted. */
export function parseSources(files: readonly SourceFile[], memo?: ParseMemo): Loaded {
  const documents: SpecDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const source of files) {
    const known = memo?.parsed(source);
    if (known) {
      // a file an earlier run found clean: its bounds, syntax and aliases passed, its values are these
      known.forEach((value, index) => documents.push({ source, index, value }));
      continue;
    }
    const bound = boundsProblem(source);
    if (bound) {
      diagnostics.push(bound);
      continue;
    }
    let values: unknown[];
    try {
      values = jsyaml.loadAll(source.text, undefined, FAST).filter((v) => v !== null && v !== undefined);
    } catch (e) {
      diagnostics.push(...(e instanceof RangeError ? [tooDeep(source)] : syntaxDiagnostics(source, e)));
      continue;
    }
    const bombs = MAY_HOLD_ALIAS.test(source.text) ? aliasDiagnostics(source) : [];
    if (bombs.length) {
      diagnostics.push(...bombs);
      continue;
    }
    // a value read through aliases shares parts, which JSON would copy: such a file is parsed every time
    if (!MAY_HOLD_ALIAS.test(source.text)) memo?.parsedFresh(source, values);
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

// ---------------------------------------------------------------------------------------------
// Aliases. js-yaml reads an alias as a second reference to its anchor's value, so a few lines of
// nested aliases (nine levels of nine: 9^9 strings) stand for a value that only the generators
// expand, for minutes and gigabytes; an alias inside its own anchor's node makes a cyclic value.
// Both are bounded here, per document, before anything reads the values.

/** The bounds: aliases per document, and nodes the aliases add to it once expanded (each alias
 * counts as the nodes its anchor's value holds, aliases within included). */
export const ALIAS_LIMITS = { aliases: 10_000, expandedNodes: 100_000 } as const;

/** An alias is `*name` after a space, a line start or a flow indicator: a file without one needs
 * no second parse (a `*` inside a plain or quoted scalar may cost one, never a wrong answer). */
const MAY_HOLD_ALIAS = /(?:^|[\s[{,:])\*[^\s[\]{},]/;

function aliasDiagnostics(source: SourceFile): Diagnostic[] {
  const { docs, lineCounter } = locatedFile(source);
  const out: Diagnostic[] = [];
  for (const doc of docs) {
    const problem = aliasProblem(doc);
    if (!problem) continue;
    const pos = lineCounter.linePos(problem.alias.range?.[0] ?? 0);
    out.push({ code: "SVC007", severity: "error", message: problem.message, file: source.path, line: pos.line, col: pos.col, hint: problem.hint });
  }
  return out;
}

interface AliasProblem {
  alias: Alias;
  message: string;
  hint: string;
}

/** Walks a document in order, as its aliases resolve (to the last anchor of their name before
 * them), sizing each collection once: linear in the text, whatever the aliases expand to. */
function aliasProblem(doc: Document.Parsed): AliasProblem | null {
  const anchors = new Map<string, unknown>();
  const sizes = new Map<unknown, number>();
  const open = new Set<unknown>();
  let aliases = 0;
  let added = 0;
  let problem: AliasProblem | null = null;
  const stop = (alias: Alias, message: string, hint: string): number => {
    problem ??= { alias, message, hint };
    return 0;
  };
  const size = (node: unknown): number => {
    if (problem) return 0;
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (target === undefined) return 1; // an unknown anchor is a YAML error of its own
      if (++aliases > ALIAS_LIMITS.aliases) return stop(node, `more than ${ALIAS_LIMITS.aliases} aliases in this document`, "write the values out; svcspec expands every alias");
      if (open.has(target)) return stop(node, `alias *${node.source} inside the node its anchor &${node.source} names: it would expand forever`, "an alias must come after the end of its anchor's node");
      const n = sizes.get(target) ?? 1;
      added += n;
      if (added > ALIAS_LIMITS.expandedNodes) return stop(node, `aliases expand this document by more than ${ALIAS_LIMITS.expandedNodes} nodes`, "svcspec expands every alias: share fewer levels of aliases, or write the values out");
      return n;
    }
    const anchor = (node as { anchor?: string } | null)?.anchor;
    if (anchor) anchors.set(anchor, node);
    if (!isMap(node) && !isSeq(node)) return 1;
    open.add(node);
    let n = 1;
    for (const item of node.items as unknown[]) n += isPair(item) ? size(item.key) + size(item.value) : size(item);
    open.delete(node);
    sizes.set(node, n);
    return n;
  };
  size(doc.contents);
  return problem;
}

/** Syntax errors come from `yaml`, whose messages and positions are the more precise; js-yaml's
 * own error stands in should the two parsers ever disagree about a file. */
function syntaxDiagnostics(source: SourceFile, fastError: unknown): Diagnostic[] {
  let parsed: LocatedFile;
  try {
    parsed = locatedFile(source);
  } catch (e) {
    if (e instanceof RangeError) return [tooDeep(source)];
    throw e;
  }
  const { docs, lineCounter } = parsed;
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

/** The parser ran out of stack on a text the nesting estimate let through (bounds.ts): the same
 * error, at the file, never an internal error or a message about the stack. */
function tooDeep(source: SourceFile): Diagnostic {
  return { code: "SVC122", severity: "error", message: `nested too deep to parse (more than ${INPUT_LIMITS.depth} levels)`, file: source.path, line: 1, col: 1, hint: "a spec needs a dozen levels at most: flatten the value, or check for unclosed `[` or `{`" };
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
