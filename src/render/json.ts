import { safeJsonText } from "./chars.js";

/** Canonical JSON: keys sorted (recursively), 2-space indent, trailing newline; the unsafe
 * characters (src/render/chars.ts) escaped, so the text fits a YAML block of a ConfigMap. */
export function toJson(value: unknown): string {
  return safeJsonText(JSON.stringify(sortKeys(value), null, 2)) + "\n";
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}
