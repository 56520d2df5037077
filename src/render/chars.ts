/** The one rule for characters that no generated file holds raw (the set: UNSAFE_CHAR in
 * src/util/text.ts, which validation shares). Every escaper in src/render writes them as escapes
 * (or refuses them), so no spec string can end its literal or line early in any output, whatever
 * the consumer's parser counts as a line break. */
import { loneSurrogateAt, UNSAFE_CHAR } from "../util/text.js";

export { loneSurrogateAt, UNSAFE_CHAR };

/** The unsafe characters JSON.stringify leaves raw (it escapes C0 itself, and lone surrogates as
 * `\udXXX`). */
const RAW_IN_JSON = /[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/g;

/** A lone surrogate in the text JSON.stringify wrote: an escape `\ud800`-`\udfff` after an even
 * number of backslashes (JSON.stringify writes well-formed pairs raw). */
const LONE_SURROGATE_ESCAPE = /(?:^|[^\\])(?:\\\\)*\\u[dD][89a-fA-F][0-9a-fA-F]{2}/;

/** `\u` and four hex digits: the escape JSON, JavaScript, Rego and Go string literals share. */
export function unicodeEscape(ch: string): string {
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/** JSON text with the unsafe characters JSON.stringify leaves raw written as `\uXXXX`: the same
 * value to every JSON reader, and text that fits in any YAML block or comment line. Throws on a
 * lone surrogate (an internal error: validation keeps them out of the Model). */
export function safeJsonText(json: string): string {
  if (LONE_SURROGATE_ESCAPE.test(json)) throw new Error("internal: a lone surrogate reached an output (validation rejects them: SVC006)");
  return json.replace(RAW_IN_JSON, unicodeEscape);
}

/** Every line break of every consumer: LF, CR, CRLF, NEL, U+2028, U+2029. */
const LINE_BREAK = /\r\n|[\n\r\u0085\u2028\u2029]/g;
const UNSAFE_ANYWHERE = new RegExp(UNSAFE_CHAR.source, "gu");

/** Text on one line (a Markdown table cell): each line break a space, every other unsafe
 * character `\uXXXX`. */
export function oneLine(text: string): string {
  return text.replace(LINE_BREAK, " ").replace(UNSAFE_ANYWHERE, unicodeEscape);
}
