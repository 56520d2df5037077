/** Bounds on a spec file, checked before it is parsed: the YAML parsers recurse once per nesting
 * level (10,000 levels of `[` overflow the stack, at a depth that depends on the stack) and every
 * later stage walks the values; ten thousand documents in one file, or tens of megabytes, cost
 * minutes. Each bound is an error at the place the text first passes it (docs/spec-language.md). */
import type { Diagnostic } from "../diagnostics/diagnostic.js";

export const INPUT_LIMITS = {
  /** Bytes of one spec file (UTF-8): 4 MiB, about 100,000 lines of spec. */
  fileBytes: 4 << 20,
  /** Documents of one spec file. */
  documents: 1000,
  /** Nesting levels of a document: block mappings and sequences and flow collections together. */
  depth: 64,
} as const;

interface Place {
  path: string;
  text: string;
}

function position(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: offset - start + 1 };
}

function at(source: Place, offset: number, code: string, message: string, hint: string): Diagnostic {
  return { code, severity: "error", message, file: source.path, ...position(source.text, offset), hint };
}

/** The first bound the file passes, or null: size, then nesting, then documents. */
export function boundsProblem(source: Place): Diagnostic | null {
  const { text } = source;
  // UTF-8 is at most 3 bytes per UTF-16 unit: a short text needs no count
  if (text.length * 3 > INPUT_LIMITS.fileBytes) {
    const cut = offsetOfByte(text, INPUT_LIMITS.fileBytes);
    if (cut !== null)
      return at(source, cut, "SVC120", `spec file larger than ${INPUT_LIMITS.fileBytes / (1 << 20)} MiB`, "split the specs into one file per service (the folder is read recursively)");
  }
  const deep = nestingBeyond(text, INPUT_LIMITS.depth);
  if (deep !== null) return at(source, deep, "SVC122", `nested more than ${INPUT_LIMITS.depth} levels deep`, "a spec needs a dozen levels at most: flatten the value, or check for unclosed `[` or `{`");
  const doc = documentStart(text, INPUT_LIMITS.documents);
  if (doc !== null) return at(source, doc, "SVC121", `more than ${INPUT_LIMITS.documents} documents in one spec file`, "split the documents over several files");
  return null;
}

/** The UTF-16 offset of the character holding byte `limit` of the UTF-8 text, null when shorter. */
function offsetOfByte(text: string, limit: number): number | null {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? 4 : c >= 0xdc00 && c <= 0xdfff ? 0 : 3;
    if (bytes > limit) return i;
  }
  return null;
}

/** The offset of the document after the first `max` (a `---` line starts each but perhaps the
 * first), or null. Counts markers only: a marker inside a block scalar would be text to YAML, so
 * the count may run high, never low, and the bound is ten times what a hand-written file holds. */
function documentStart(text: string, max: number): number | null {
  const marker = /^---(?=[ \t\r\n]|$)/gm;
  const starts: number[] = [];
  let m: RegExpExecArray | null;
  while ((m = marker.exec(text))) starts.push(m.index);
  const firstHasMarker = starts.length > 0 && /^(?:[ \t]*(?:#[^\n]*)?\r?\n|%[^\n]*\n)*$/.test(text.slice(0, starts[0]));
  const docs = starts.length + (firstHasMarker ? 0 : 1);
  if (docs <= max) return null;
  return starts[firstHasMarker ? max : max - 1] ?? null;
}

/** Where the nesting of a YAML text first passes `max`, or null: block levels (a deeper
 * indentation, a `- ` entry) and flow levels (`[`, `{`) counted together, in one pass. Quoted
 * scalars, comments and block scalars (`|`, `>`) are skipped; `[`, `{` and quotes count only where
 * a value starts, as in YAML (`a[b` is a plain scalar). An estimate of the parsers' depth that may
 * run high by a level or two, never low by more, and linear in the text. */
export function nestingBeyond(text: string, max: number): number | null {
  const indents: number[] = [];
  let flow = 0;
  let quote: '"' | "'" | null = null;
  let blockScalarParent: number | null = null;
  let i = 0;
  const n = text.length;
  while (i < n) {
    // one line: [i, end)
    let end = text.indexOf("\n", i);
    if (end === -1) end = n;
    let j = i;
    while (j < end && text[j] === " ") j++;
    const indent = j - i;
    const blank = j >= end || text[j] === "#" || text[j] === "\r";
    if (blockScalarParent !== null) {
      if (blank || indent > blockScalarParent) {
        i = end + 1;
        continue;
      }
      blockScalarParent = null;
    }
    if (quote === null && flow === 0) {
      if (blank) {
        i = end + 1;
        continue;
      }
      if (indent === 0 && (text.startsWith("---", j) || text.startsWith("...", j)) && (j + 3 >= end || /[ \t\r]/.test(text[j + 3]!))) {
        indents.length = 0;
        i = end + 1;
        continue;
      }
      while (indents.length && indents[indents.length - 1]! >= indent) indents.pop();
      indents.push(indent);
      if (indents.length > max) return j;
    }
    let depth = indents.length;
    let start = true; // at the start of a value: where a quote or a flow collection may begin
    for (; j < end; j++) {
      const c = text[j]!;
      if (quote) {
        if (c === "\\" && quote === '"') j++;
        else if (c === quote) {
          if (quote === "'" && text[j + 1] === "'") j++;
          else (quote = null), (start = false);
        }
        continue;
      }
      if (c === " " || c === "\t" || c === "\r") continue;
      if (c === "#" && (j === i || /[ \t]/.test(text[j - 1]!))) break;
      if (start && (c === '"' || c === "'")) {
        quote = c;
        continue;
      }
      if (start && flow === 0 && (c === "|" || c === ">")) {
        blockScalarParent = indent;
        break;
      }
      if ((c === "-" || c === "?") && flow === 0 && start && (j + 1 >= end || /[ \t\r]/.test(text[j + 1]!))) {
        if (++depth > max) return j;
        continue;
      }
      if ((c === "[" || c === "{") && (start || flow > 0)) {
        flow++;
        if (depth + flow > max) return j;
        start = true;
        continue;
      }
      if ((c === "]" || c === "}") && flow > 0) {
        flow--;
        start = false;
        continue;
      }
      if (c === "," && flow > 0) {
        start = true;
        continue;
      }
      if (c === ":" && (j + 1 >= end || /[ \t\r]/.test(text[j + 1]!) || flow > 0)) {
        if (flow === 0 && (j + 1 < end && !/^[ \t\r]*(#|$)/.test(text.slice(j + 1, end)))) depth++;
        start = true;
        continue;
      }
      if ((c === "&" || c === "!") && start) {
        while (j + 1 < end && !/[ \t\r,[\]{}]/.test(text[j + 1]!)) j++;
        continue;
      }
      start = false;
    }
    if (flow === 0 && quote === null && depth > max) return j;
    i = end + 1;
  }
  return null;
}
