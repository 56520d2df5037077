import { isMap, isScalar, isSeq, type Node, type Pair } from "yaml";
import { locatedFile, type SpecDocument } from "./source.js";

export type PathSegment = string | number;
export interface Position {
  line: number;
  col: number;
}

/** Where a path points in the YAML source.
 * - `value`: the value at the path (falls back to its key when the value is empty);
 * - `key`: the key of the last segment (unknown fields, duplicate names);
 * When the path does not exist (a missing field), the deepest existing ancestor is returned:
 * its key when it has one, so `metadata:` is named for a missing `metadata.name`. */
export function locate(doc: SpecDocument, path: readonly PathSegment[], target: "key" | "value" = "value"): Position {
  let node: unknown = locatedFile(doc.source).docs[doc.index]?.contents;
  let keyOfNode: Node | null = null;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p: Pair) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return position(doc, keyOfNode ?? (node as Node));
      if (last && target === "key") return position(doc, pair.key as Node);
      keyOfNode = pair.key as Node;
      node = pair.value;
      if (node === null || node === undefined) return position(doc, keyOfNode);
    } else if (isSeq(node) && typeof seg === "number") {
      const item = node.items[seg];
      if (item === undefined || item === null) return position(doc, keyOfNode ?? (node as Node));
      keyOfNode = null;
      node = item;
    } else {
      return position(doc, keyOfNode ?? (node as Node));
    }
  }
  // A block map or list is named by its key (`metadata:`), not by its first entry.
  if ((isMap(node) || isSeq(node)) && keyOfNode) return position(doc, keyOfNode);
  return position(doc, (node as Node | null) ?? keyOfNode);
}

function position(doc: SpecDocument, node: Node | null | undefined): Position {
  const file = locatedFile(doc.source);
  const offset = node?.range?.[0] ?? file.docs[doc.index]?.contents?.range?.[0] ?? 0;
  return file.lineCounter.linePos(offset);
}

/** Position of a character inside a string scalar: PromQL errors point into the YAML string. The
 * value's characters are aligned with the source text that produced them, so escapes (`\"`,
 * `\u00e9`, `''`), folded lines (quoted, plain and `>` scalars) and block indentation are all
 * accounted for; where the alignment fails, the scalar's start. */
export function locateInString(doc: SpecDocument, path: readonly PathSegment[], offset: number): Position {
  const { docs, lineCounter } = locatedFile(doc.source);
  let node: unknown = docs[doc.index]?.contents;
  for (const seg of path) {
    if (isMap(node)) node = node.items.find((p: Pair) => isScalar(p.key) && String(p.key.value) === String(seg))?.value;
    else if (isSeq(node) && typeof seg === "number") node = node.items[seg];
    else node = undefined;
  }
  if (!isScalar(node) || typeof node.value !== "string" || !node.range) return locate(doc, path);
  const [start, end] = node.range;
  const text = doc.source.text;
  const quoted = node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE";
  const block = node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED";
  // a block scalar's content starts on the line after its header (`|`, `>-`, ...)
  const from = quoted ? start + 1 : block ? text.indexOf("\n", start) + 1 : start;
  const at = alignedOffset(text, from, end, node.value, offset, node.type === "QUOTE_DOUBLE" ? "double" : node.type === "QUOTE_SINGLE" ? "single" : "other");
  return lineCounter.linePos(at ?? start);
}

/** The source offset of character `target` of `value`, read from `text[from..end)`: each value
 * character is matched to the source characters that produce it (itself, an escape, or a line
 * break that folds to a space or a newline); indentation and whitespace that folding removes are
 * skipped. Null when the two cannot be aligned. */
function alignedOffset(text: string, from: number, end: number, value: string, target: number, quote: "double" | "single" | "other"): number | null {
  let j = from;
  for (let i = 0; i <= Math.min(target, value.length - 1); i++) {
    const c = value[i]!;
    for (let steps = 0; ; steps++) {
      if (j >= end || steps > 10_000) return null;
      const r = text[j]!;
      if (quote === "double" && r === "\\") {
        if (text[j + 1] === "\n" || text[j + 1] === "\r") {
          j = skipBlanks(text, skipBreak(text, j + 1));
          continue;
        }
        if (i === target) return j;
        j += escapeLength(text, j);
        break;
      }
      if (quote === "single" && r === "'" && text[j + 1] === "'" && c === "'") {
        if (i === target) return j;
        j += 2;
        break;
      }
      if (r === c && !(r === " " && c === " " && isFoldedBreakAhead(text, j))) {
        if (i === target) return j;
        j++;
        break;
      }
      if (r === "\n" || r === "\r") {
        const next = skipBlanks(text, skipBreak(text, j));
        if (c === " " || c === "\n") {
          if (i === target) return j;
          j = c === " " ? next : skipBreak(text, j);
          if (c === "\n") j = skipBlanks(text, j);
          break;
        }
        j = next;
        continue;
      }
      if (r === " " || r === "\t") {
        j++;
        continue;
      }
      return null;
    }
  }
  return target >= value.length ? j : null;
}

/** Trailing blanks before a line break are dropped by folding: a space there is not content. */
function isFoldedBreakAhead(text: string, j: number): boolean {
  let k = j;
  while (text[k] === " " || text[k] === "\t") k++;
  return text[k] === "\n" || text[k] === "\r";
}

function skipBreak(text: string, j: number): number {
  if (text[j] === "\r" && text[j + 1] === "\n") return j + 2;
  return text[j] === "\n" || text[j] === "\r" ? j + 1 : j;
}

function skipBlanks(text: string, j: number): number {
  while (text[j] === " " || text[j] === "\t") j++;
  return j;
}

/** Source length of the escape at `j` in a double-quoted scalar (`\x41`, `\u00e9`, `\U0001F600`, `\n`). */
function escapeLength(text: string, j: number): number {
  const k = text[j + 1];
  return k === "x" ? 4 : k === "u" ? 6 : k === "U" ? 10 : 2;
}

/** A JSON pointer (`/spec/slos/0`, as ajv reports instances) as a path. */
export function pointerToPath(pointer: string): PathSegment[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

/** `spec.slos[0].sli` for messages. */
export function displayPath(path: readonly PathSegment[]): string {
  return path.reduce<string>((acc, seg) => (typeof seg === "number" ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), "");
}
