/** Lua string literals for generated code. Every byte outside printable ASCII, and the quote and
 * backslash, becomes a three-digit decimal escape, so no spec string can end its literal early,
 * start a comment or a long bracket, or smuggle a newline into the source. */
import { loneSurrogateAt } from "./chars.js";

export function luaString(value: string): string {
  // UTF-8 encoding would silently turn a lone surrogate into U+FFFD
  if (loneSurrogateAt(value) >= 0) throw new Error("internal: a lone surrogate reached a Lua string (validation rejects them: SVC006)");
  const bytes = Buffer.from(value, "utf8");
  let out = '"';
  for (const b of bytes) {
    if (b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c) out += String.fromCharCode(b);
    else out += "\\" + String(b).padStart(3, "0");
  }
  return out + '"';
}

/** A Lua string literal of a byte string held as a latin1 JS string (one char per byte). */
export function luaBytes(latin1: string): string {
  let out = '"';
  for (let i = 0; i < latin1.length; i++) {
    const b = latin1.charCodeAt(i) & 0xff;
    if (b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c) out += String.fromCharCode(b);
    else out += "\\" + String(b).padStart(3, "0");
  }
  return out + '"';
}
