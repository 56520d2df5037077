/** JavaScript literal building for generated k6 scripts. Every spec value that lands in a script
 * goes through jsString() or jsValue(), so no spec string can end its literal early: JSON escapes
 * quotes, backslashes and control characters; the other unsafe characters (src/render/chars.ts:
 * U+2028/U+2029, line terminators in pre-ES2019 engines, DEL, C1, U+FEFF) and `</` (which would
 * end an inline <script> element) are escaped on top. */
import { safeJsonText } from "./chars.js";

function escapeExtra(json: string): string {
  return safeJsonText(json).replace(/<\//g, "<\\/");
}

/** A double-quoted JS string literal for any string. */
export function jsString(value: string): string {
  return escapeExtra(JSON.stringify(value));
}

/** A JS expression for a JSON value (objects, arrays, strings, numbers, booleans, null). The extra
 * escapes only ever apply inside string literals: JSON text has those characters nowhere else. */
export function jsValue(value: unknown, indent = 0): string {
  const text = JSON.stringify(value, null, indent || undefined);
  if (text === undefined) throw new Error("internal: value has no JSON form");
  return escapeExtra(text);
}
