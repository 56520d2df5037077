/** The test oracle: the TypeScript twin of the generated Lua (generators/fluentbit/redact.lua), the
 * same policy and the same byte-level detectors on JSON records. Tests run both on one corpus and
 * require the same output record for record. Test code only: nothing under src/ or generators/
 * imports it, and it is not compiled into dist/. */
import { createHmac } from "node:crypto";
import { DETECTOR_TOKENS } from "../../src/model/pii-catalogue.js";
import { replaceBranch } from "../../src/model/pii-pattern.js";
import type { Policy } from "../../src/pii/policy.js";
import { cardNumber, DETECTORS, MAX_LEN } from "./detectors.js";

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
export type JsonMap = { [k: string]: Json };

export interface RedactOptions {
  services: Policy[];
  fallback: Policy;
  /** Value of SVCSPEC_PII_HMAC_KEY; undefined or empty: `hash` fails closed to a mask. */
  hmacKey?: string | undefined;
}

/** Fluent Bit's return code and the record it emits (code 0: the input, untouched). */
export interface RedactResult {
  code: 0 | 2;
  record: JsonMap;
}

const MAX_DEPTH = 64;
const SKIP_TOP = new Set(["kubernetes", "stream", "time", "_p"]);
const SAFE_K8S = ["namespace_name", "pod_name", "container_name"];

const toBytes = (s: string) => Buffer.from(s, "utf8").toString("latin1");
const fromBytes = (s: string) => Buffer.from(s, "latin1").toString("utf8");

/** Deep copy with every string (keys too) as a byte string. */
function mapStrings(v: Json, f: (s: string) => string): Json {
  if (typeof v === "string") return f(v);
  if (Array.isArray(v)) return v.map((x) => mapStrings(x, f));
  if (v !== null && typeof v === "object") {
    const out: JsonMap = {};
    for (const [k, x] of Object.entries(v)) out[f(k)] = mapStrings(x, f);
    return out;
  }
  return v;
}

export function hmacHex(key: string, value: string): string {
  return createHmac("sha256", Buffer.from(key, "utf8")).update(Buffer.from(value, "latin1")).digest("hex");
}

function isMap(v: Json | undefined): v is JsonMap {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

export function policyFor(record: JsonMap, o: RedactOptions): Policy {
  const k = record["kubernetes"];
  if (!isMap(k)) return o.fallback;
  const ns = k["namespace_name"];
  const labels = k["labels"];
  if (typeof ns !== "string" || !isMap(labels)) return o.fallback;
  return o.services.find((s) => s.namespace === ns && s.selector.every(([key, val]) => labels[toBytes(key)] === toBytes(val))) ?? o.fallback;
}

export function redactRecord(input: JsonMap, o: RedactOptions): RedactResult {
  const record = mapStrings(input, toBytes) as JsonMap;
  try {
    const changed = redact(record, o);
    return changed ? { code: 2, record: mapStrings(record, fromBytes) as JsonMap } : { code: 0, record: input };
  } catch {
    const out: JsonMap = { _svcspec_redaction_error: true, log: "[REDACTION_ERROR]" };
    const k = input["kubernetes"];
    if (isMap(k)) {
      const r: JsonMap = {};
      for (const f of SAFE_K8S) if (typeof k[f] === "string") r[f] = k[f];
      out["kubernetes"] = r;
    }
    return { code: 2, record: out };
  }
}

function stringForm(v: Json): string | null {
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isInteger(v) && Math.abs(v) < 9007199254740992) return v.toFixed(0);
  return null;
}

function redact(record: JsonMap, o: RedactOptions): boolean {
  const policy = policyFor(record, o);
  const key = o.hmacKey ? o.hmacKey : null;
  let changed = false;
  const ctx = { changed: false, truncated: false };
  for (const f of policy.fields) {
    let t: Json | undefined = record;
    const parts = f.path.map(toBytes);
    for (const p of parts.slice(0, -1)) {
      t = isMap(t) ? t[p] : undefined;
      if (!isMap(t)) break;
    }
    if (!isMap(t)) continue;
    const k = parts[parts.length - 1]!;
    const v = t[k];
    if (v === undefined) continue;
    // null (Fluent Bit's flb_null in the Lua): drop removes the key, mask/last4/hash keep it null
    if (f.action === "drop") delete t[k];
    else if (v === null) continue;
    else if (f.action === "mask") t[k] = "[REDACTED]";
    else {
      const sv = stringForm(v);
      if (sv === null) t[k] = "[REDACTED]";
      else if (f.action === "last4") t[k] = sv.length <= 4 ? "****" : "****" + sv.slice(-4);
      else t[k] = key ? hmacHex(key, sv) : "[REDACTED]";
    }
    changed = true;
  }
  // the same linear-time matcher as redact.lua's match_ends, on bytes (test/regex-bounds.test.ts
  // holds it equal to JavaScript's RegExp)
  const patterns = policy.patterns.map((p) => ({ branch: p.branch.branches[0]!, replace: toBytes(p.replace) }));
  const detectors = policy.detectors.map((d) => DETECTORS[d]);
  const cards = policy.detectors.includes("credit_card");
  const scan = (s: string): string => {
    if (s.length > MAX_LEN) {
      let cut = MAX_LEN;
      while (cut > 0 && (s.charCodeAt(cut) & 0xc0) === 0x80) cut--;
      s = s.slice(0, cut) + "[TRUNCATED]";
      ctx.truncated = true;
    }
    for (const p of patterns) s = replaceBranch(p.branch, s, p.replace, "bytes");
    for (const d of detectors) s = d(s);
    return s;
  };
  const walk = (t: JsonMap | Json[], depth: number, top: boolean) => {
    if (depth > MAX_DEPTH) throw new Error(`record nested deeper than ${MAX_DEPTH}`);
    const visit = (v: Json, set: (x: Json) => void) => {
      if (typeof v === "string") {
        const r = scan(v);
        if (r !== v) {
          set(r);
          ctx.changed = true;
        }
      } else if (typeof v === "number") {
        if (cards && cardNumber(v)) {
          set(DETECTOR_TOKENS.credit_card);
          ctx.changed = true;
        }
      } else if (v !== null && typeof v === "object") walk(v, depth + 1, false);
    };
    if (Array.isArray(t)) t.forEach((v, i) => visit(v, (x) => (t[i] = x)));
    else for (const [k, v] of Object.entries(t)) if (!(top && SKIP_TOP.has(k))) visit(v, (x) => (t[k] = x));
  };
  walk(record, 1, true);
  if (ctx.truncated) record["_svcspec_truncated"] = true;
  return changed || ctx.changed;
}
