import { Document, Scalar, visit } from "yaml";
import { BoundedCache } from "../util/memo.js";
import { loneSurrogateAt, unicodeEscape, UNSAFE_CHAR } from "./chars.js";

/** The one set of YAML output settings. YAML 1.1 quoting keeps `on`, `yes` and dates strings for
 * Go yaml.v2 and PyYAML readers; no folding (PromQL stays on one line or in a literal block); no
 * anchors; key order is the order the generator built the object in. */
const OPTIONS = {
  version: "1.1",
  lineWidth: 0,
  minContentWidth: 0,
  indent: 2,
  indentSeq: true,
  aliasDuplicateObjects: false,
  nullStr: "null",
} as const;

/** Emits what libraryYaml emits, byte for byte (test/yaml.test.ts holds the two together), at a
 * fraction of its time and memory: generating a large organisation spends most of its time
 * writing YAML. Plain maps, arrays and scalars take the fast path; anything unusual (an unsafe
 * character, document markers, quoted multi-line strings, keys needing quotes, non-plain objects)
 * sends the whole document to the library. */
export function toYaml(value: unknown): string {
  return fastYaml(value) ?? libraryYaml(value);
}

/** The fast path alone: null where the value needs the library. */
export function fastYaml(value: unknown): string | null {
  try {
    return emitTop(value);
  } catch (e) {
    if (e !== UNUSUAL) throw e;
    return null;
  }
}

/** The `yaml` library with OPTIONS and the one rule for unsafe characters (src/render/chars.ts):
 * a string holding one, key or value, is double-quoted with the character escaped. The library
 * picks plain style or a block for such a string, or double quotes with the character raw, and Go's
 * YAML (1.1: U+0085, U+2028 and U+2029 are line breaks) then ends the scalar there or folds the
 * break into a space. The reference the fast path must equal. */
export function libraryYaml(value: unknown): string {
  const doc = new Document(value, OPTIONS);
  let unsafe = false;
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value !== "string") return;
      if (UNSAFE_CHAR.test(node.value)) {
        if (loneSurrogateAt(node.value) >= 0) throw new Error("internal: a lone surrogate reached a YAML output (validation rejects them: SVC006)");
        node.type = Scalar.QUOTE_DOUBLE;
        unsafe = true;
      } else if (tabOpensBlock(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  const text = doc.toString(OPTIONS);
  // Every unsafe character left raw now sits inside a double-quoted scalar (there are no comments),
  // where `\uXXXX` is its escape; the library has escaped the C0 controls itself.
  return unsafe ? text.replace(RAW_IN_DOUBLE_QUOTES, unicodeEscape) : text;
}
const RAW_IN_DOUBLE_QUOTES = /[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/g;

/** A multi-line string whose first non-empty line starts with a tab: as a literal block (the
 * library's choice), Go's YAML rejects it ("found a tab character where an indentation space is
 * expected": libyaml takes the block's indentation from that line). */
function tabOpensBlock(s: string): boolean {
  return s.includes("\n") && /^\n*\t/.test(s);
}

/** Several documents in one file, separated by `---`. */
export function toYamlStream(values: readonly unknown[]): string {
  return values.map(toYaml).join("---\n");
}

/** The library's own tests: what must be quoted because YAML 1.1 would read it as another type
 * (`<<`, the merge key, only where it is a key). */
const TAGS = new Document(null, { version: "1.1" }).schema.tags.filter((t) => t.tag !== "tag:yaml.org,2002:str" && t.test instanceof RegExp);
const NON_STRING = TAGS.filter((t) => t.default === true).map((t) => t.test as RegExp);
const NON_STRING_KEY = TAGS.filter((t) => t.default).map((t) => t.test as RegExp);

const UNUSUAL = Symbol("unusual YAML value");
/** Strings the library writes double-quoted with escapes (libraryYaml). */
const FORCES_DOUBLE_QUOTES = UNSAFE_CHAR;
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A one-line string as the library quotes it (single quotes when that avoids escapes). */
function quoted(s: string): string {
  if (s.includes('"') && !s.includes("'")) return `'${s}'`;
  const json = JSON.stringify(s);
  // JSON escapes the library rewrites (\u00XX forms) only occur for control characters, which
  // FORCES_DOUBLE_QUOTES already sent to the library.
  return json;
}

/** Every NON_STRING_KEY pattern starts with ~, a digit, a sign, a dot, `<` or one of these
 * letters (or matches the empty string): other strings need no regex at all. */
const SPECIAL_LETTERS = new Set("YyNnTtFfOo");

function readsAsOtherType(s: string, tests: readonly RegExp[] = NON_STRING): boolean {
  const c = s[0];
  if (c !== undefined && ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z")) && !SPECIAL_LETTERS.has(c)) return false;
  for (const re of tests) if (re.test(s)) return true;
  return false;
}

/** A string scalar in block context; `indent` is the indentation of a block scalar's lines. */
function stringScalar(s: string, indent: string): string {
  if (s.includes("\n")) {
    if (FORCES_DOUBLE_QUOTES.test(s) || DOCUMENT_MARKER.test(s) || tabOpensBlock(s)) throw UNUSUAL;
    return literalBlock(s, indent);
  }
  // One-line strings recur (label names and values, severities, windows); long ones rarely do
  // and cost more to hash than to check.
  return s.length <= 40 ? oneLine.get(s, oneLineScalar) : oneLineScalar(s);
}
const oneLine = new BoundedCache<string>(100_000);

function oneLineScalar(s: string): string {
  if (FORCES_DOUBLE_QUOTES.test(s) || s[0] === "%" || s.startsWith("---") || s.startsWith("...")) throw UNUSUAL;
  return NOT_PLAIN.test(s) || readsAsOtherType(s) ? quoted(s) : s;
}

/** A multi-line string as a literal block: `|`, the chomping indicator, and an indentation
 * indicator when the text starts with a space. */
function literalBlock(value: string, indent: string): string {
  if (/\n[\t ]+$/.test(value) || indent === "") throw UNUSUAL;
  let endStart = value.length;
  while (endStart > 0 && "\n\t ".includes(value[endStart - 1]!)) endStart--;
  let end = value.slice(endStart);
  const nl = end.indexOf("\n");
  const chomp = nl === -1 ? "-" : value === end || nl !== end.length - 1 ? "+" : "";
  if (end) {
    value = value.slice(0, -end.length);
    if (end.endsWith("\n")) end = end.slice(0, -1);
    end = end.replace(/(^|(?<!\n))\n+(?!\n|$)/g, `$&${indent}`);
  }
  let startWithSpace = false;
  let startEnd = 0;
  let startNl = -1;
  for (; startEnd < value.length; startEnd++) {
    const ch = value[startEnd];
    if (ch === " ") startWithSpace = true;
    else if (ch === "\n") startNl = startEnd;
    else break;
  }
  let start = value.slice(0, startNl < startEnd ? startNl + 1 : startEnd);
  if (start) {
    value = value.slice(start.length);
    start = start.replace(/\n+/g, `$&${indent}`);
  }
  const header = (startWithSpace ? "2" : "") + chomp;
  return `|${header}\n${indent}${start}${value.replace(/\n+/g, `$&${indent}`)}${end}`;
}

function scalar(v: unknown, indent: string): string {
  if (v === null) return "null";
  switch (typeof v) {
    case "string":
      return stringScalar(v, indent);
    case "number":
      if (!Number.isFinite(v)) throw UNUSUAL;
      return Object.is(v, -0) ? "-0" : JSON.stringify(v);
    case "boolean":
      return v ? "true" : "false";
    default:
      throw UNUSUAL;
  }
}

function key(k: string): string {
  return keys.get(k, keyText);
}
const keys = new BoundedCache<string>(100_000);

function keyText(k: string): string {
  if (k === "" || k.includes("\n") || FORCES_DOUBLE_QUOTES.test(k) || NOT_PLAIN.test(k) || readsAsOtherType(k, NON_STRING_KEY) || DOCUMENT_MARKER.test(k)) throw UNUSUAL;
  return k;
}

function isEmpty(v: unknown): string | null {
  if (Array.isArray(v)) return v.length === 0 ? "[]" : null;
  if (isPlainObject(v)) return Object.keys(v).length === 0 ? "{}" : null;
  return null;
}

/** Lines of a map whose keys sit at `indent`; the first line's indentation is left to the caller
 * (it follows `- ` in a sequence). */
function emitMap(obj: Record<string, unknown>, indent: string, out: string[], first: boolean): void {
  const inner = indent + "  ";
  let emitted = 0;
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    if (v === undefined) continue;
    const prefix = (first && emitted === 0 ? "" : indent) + key(k) + ":";
    emitted++;
    emitValue(v, prefix, inner, out);
  }
  if (emitted === 0) throw UNUSUAL; // every value undefined: the library's own business
}

function emitSeq(arr: readonly unknown[], indent: string, out: string[], first: boolean): void {
  arr.forEach((v, i) => {
    const lead = i > 0 || !first ? indent : "";
    if (v === undefined) throw UNUSUAL;
    const empty = isEmpty(v);
    if (empty !== null) out.push(`${lead}- ${empty}\n`);
    else if (isPlainObject(v)) {
      out.push(`${lead}- `);
      emitMap(v, indent + "  ", out, true);
    } else if (Array.isArray(v)) {
      out.push(`${lead}- `);
      emitSeq(v, indent + "  ", out, true);
    } else out.push(`${lead}- ${scalar(v, indent + "  ")}\n`);
  });
}

/** `prefix` is `key:` (with its indentation); nested content goes at `inner`. */
function emitValue(v: unknown, prefix: string, inner: string, out: string[]): void {
  const empty = isEmpty(v);
  if (empty !== null) out.push(`${prefix} ${empty}\n`);
  else if (isPlainObject(v)) {
    out.push(`${prefix}\n`);
    emitMap(v, inner, out, false);
  } else if (Array.isArray(v)) {
    out.push(`${prefix}\n`);
    emitSeq(v, inner, out, false);
  } else out.push(`${prefix} ${scalar(v, inner)}\n`);
}

function emitTop(value: unknown): string {
  const out: string[] = [];
  const empty = isEmpty(value);
  if (empty !== null) return `${empty}\n`;
  if (isPlainObject(value)) emitMap(value, "", out, false);
  else if (Array.isArray(value)) emitSeq(value, "", out, false);
  else throw UNUSUAL; // a bare scalar document: rare, and the library handles its edge cases
  return out.join("");
}
