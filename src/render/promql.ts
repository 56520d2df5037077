/** PromQL text building: string literals and label matchers. Every spec string that lands inside
 * PromQL goes through promqlString(), so none can end the literal early or inject an expression. */
import { loneSurrogateAt, unicodeEscape, UNSAFE_CHAR } from "./chars.js";

/** A double-quoted PromQL string literal. PromQL strings follow Go's rules: a backslash starts an
 * escape and a raw newline ends the lexer's string, so both are escaped, as are `"`, CR and tab;
 * the other unsafe characters (src/render/chars.ts) and U+FFFD (which Prometheus's lexer takes for
 * invalid UTF-8) are written as Go's `\uXXXX`, so the query is printable text in any YAML. */
export function promqlString(value: string): string {
  if (loneSurrogateAt(value) >= 0) throw new Error("internal: a lone surrogate reached a PromQL string (validation rejects them: SVC006)");
  let out = '"';
  for (const ch of value) {
    if (ch === "\\") out += "\\\\";
    else if (ch === '"') out += '\\"';
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\ufffd" || UNSAFE_CHAR.test(ch)) out += unicodeEscape(ch);
    else out += ch;
  }
  return out + '"';
}

export type MatchOp = "=" | "!=" | "=~" | "!~";

/** `name="value"` with the value escaped. The label name must already be a valid label name. */
export function labelMatcher(name: string, value: string, op: MatchOp = "="): string {
  return `${name}${op}${promqlString(value)}`;
}

/** `metric{a="x",b="y"}` from equality pairs (in the given order); `metric` alone for none. */
export function selector(metric: string, pairs: readonly (readonly [string, string])[]): string {
  return pairs.length ? `${metric}{${pairs.map(([k, v]) => labelMatcher(k, v)).join(",")}}` : metric;
}

/** Adds matchers to a validated `{...}` label-matcher text (the spec's latency selector):
 * `{job="a"}` + `le="0.3"` -> `{job="a",le="0.3"}`. The outer braces are the text's first and
 * last characters, so braces inside string values are left alone. */
export function mergeMatchers(labelMatchers: string, extra: readonly string[]): string {
  const text = labelMatchers.trim();
  if (!text.startsWith("{") || !text.endsWith("}")) throw new Error(`internal: not a label-matcher list: ${labelMatchers}`);
  const inner = text.slice(1, -1).trim().replace(/,\s*$/, "");
  return `{${[...(inner ? [inner] : []), ...extra].join(",")}}`;
}
