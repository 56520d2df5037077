import { safeJsonText } from "./chars.js";

const TIMESTAMP = /^([0-9]{4}-[0-9]{2}-[0-9]{2})T(.*)$/s;

/** A JSON value as a one-line Rego term, in the layout `opa fmt` keeps. With `splitTimes`, an
 * RFC 3339 string is written as `at(date, clock)` (a helper of the test files), so that no
 * generated file holds a literal timestamp. Strings are JSON strings with the unsafe characters
 * escaped (src/render/chars.ts): OPA rejects a raw byte-order mark in a Rego file. */
export function regoTerm(v: unknown, splitTimes = false): string {
  if (typeof v === "string") {
    // cheap test first: only strings shaped like 2026-11-23T... can be timestamps
    const m = splitTimes && v.length > 10 && v.charCodeAt(10) === 84 /* T */ ? TIMESTAMP.exec(v) : null;
    return m ? `at(${str(m[1]!)}, ${str(m[2]!)})` : str(v);
  }
  if (v === null || typeof v === "boolean" || typeof v === "number") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => regoTerm(x, splitTimes)).join(", ")}]`;
  if (typeof v === "object") {
    const obj = v as Record<string, unknown>;
    const keys = Object.keys(obj);
    // default sort: by UTF-16 code units, the order opa fmt keeps; generators mostly build objects
    // in that order already
    if (!isSorted(keys)) keys.sort();
    const parts: string[] = [];
    for (const k of keys) if (obj[k] !== undefined) parts.push(`${str(k)}: ${regoTerm(obj[k], splitTimes)}`);
    return `{${parts.join(", ")}}`;
  }
  throw new Error(`internal: no Rego term for ${typeof v}`);
}

function str(s: string): string {
  return safeJsonText(JSON.stringify(s));
}

function isSorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return false;
  return true;
}

