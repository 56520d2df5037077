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

/** Position of a character inside a string scalar: PromQL errors point into the YAML string.
 * Exact for plain and quoted scalars without escapes and for block scalars (`|`, `>` kept to
 * line starts); otherwise the scalar's start. */
export function locateInString(doc: SpecDocument, path: readonly PathSegment[], offset: number): Position {
  const { docs, lineCounter } = locatedFile(doc.source);
  let node: unknown = docs[doc.index]?.contents;
  for (const seg of path) {
    if (isMap(node)) node = node.items.find((p: Pair) => isScalar(p.key) && String(p.key.value) === String(seg))?.value;
    else if (isSeq(node) && typeof seg === "number") node = node.items[seg];
    else node = undefined;
  }
  if (!isScalar(node) || typeof node.value !== "string" || !node.range) return locate(doc, path);
  const start = node.range[0];
  const value = node.value;
  const before = value.slice(0, offset);
  switch (node.type) {
    case "PLAIN":
      return lineCounter.linePos(start + offset);
    case "QUOTE_SINGLE":
    case "QUOTE_DOUBLE": {
      const raw = doc.source.text.slice(start + 1, node.range[1]);
      // Only exact when the source spells the value literally (no escapes, one line).
      return raw.startsWith(value) ? lineCounter.linePos(start + 1 + offset) : lineCounter.linePos(start);
    }
    case "BLOCK_LITERAL":
    case "BLOCK_FOLDED": {
      const lineIndex = before.split("\n").length - 1;
      const col = offset - (before.lastIndexOf("\n") + 1);
      // The value keeps indentation beyond the block's own, so columns count from the block
      // indentation: that of the first content line.
      const header = lineCounter.linePos(start);
      const firstStart = lineCounter.lineStarts[header.line] ?? start;
      const blockIndent = /^ */.exec(doc.source.text.slice(firstStart))?.[0].length ?? 0;
      return { line: header.line + 1 + lineIndex, col: blockIndent + col + 1 };
    }
    default:
      return lineCounter.linePos(start);
  }
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
