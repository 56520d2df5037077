/** Checks every string and key of a document for what no output can carry: a lone surrogate
 * (half of a UTF-16 pair). No UTF-8 file can hold one, Go rejects its `\ud800` escape and a JSON
 * reader makes it U+FFFD, so the escapers of src/render refuse it and it is an error here, located
 * at the string. (Every other character is escaped where it lands: src/render/chars.ts.) */
import type { PathSegment } from "../load/locate.js";
import type { SpecDocument } from "../load/source.js";
import { loneSurrogateAt } from "../util/text.js";
import type { Report } from "./report.js";

const HINT = "remove the `\\ud800`-`\\udfff` escape, or write the whole character (both halves of the pair, or the character itself)";

/** Only an escape in a double-quoted scalar (`\ud800`, `\U0000d800`) can spell one: a file read
 * from disk as UTF-8 holds none. */
const SURROGATE_ESCAPE = /\\(u|U0000)[dD][89a-fA-F]/;

export function checkText(r: Report, doc: SpecDocument): void {
  if (SURROGATE_ESCAPE.test(doc.source.text)) walk(r, doc.value, []);
}

function walk(r: Report, value: unknown, path: PathSegment[]): void {
  if (typeof value === "string") {
    const at = loneSurrogateAt(value);
    if (at >= 0) r.errorInString("SVC006", [...path], at, `a lone surrogate (${codePoint(value, at)}) in a string: no output can carry it`, HINT);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      path.push(i);
      walk(r, v, path);
      path.pop();
    });
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      path.push(k);
      const at = loneSurrogateAt(k);
      if (at >= 0) r.error("SVC006", [...path], `a lone surrogate (${codePoint(k, at)}) in a key: no output can carry it`, HINT, "key");
      walk(r, v, path);
      path.pop();
    }
  }
}

function codePoint(s: string, at: number): string {
  return `U+${s.charCodeAt(at).toString(16).toUpperCase()}`;
}
