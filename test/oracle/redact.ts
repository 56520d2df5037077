/** The test oracle: the TypeScript twin of the generated Lua (generators/fluentbit/redact.lua), the
 * same policy and the same byte-level detectors on JSON records. Tests run both on one corpus and
 * require the same output record for record. Test code only: nothing under src/ or generators/
 * imports it, and it is not compiled into dist/. */
import { createHmac } from "node:crypto";
import { DETECTOR_TOKENS } from "../../src/model/pii-catalogue.js";
import { replaceBranch } from "../../src/model/pii-pattern.js";
import { LOG_JSON_MAX_DEPTH, type Policy, sensitiveKeyForm } from "../../src/pii/policy.js";
import { cardNumber, DETECTORS, MAX_LEN } from "./detectors.js";

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
export type JsonMap = { [k: string]: Json };

export interface RedactOptions {
  services: Policy[];
  fallback: Policy;
  /** Value of SVCSPEC_PII_HMAC_KEY; undefined or empty: `hash` fails closed to a mask. */
  hmacKey?: string | undefined;
  /** What the Lua keeps between records of one process (the tags and streams inside a private
   * key); without one, every record starts afresh, as the first record of a process does. */
  session?: Session | undefined;
}

/** The tag test/fixtures/lua/harness.lua calls the filter with in its records modes. */
export const HARNESS_TAG = "kube.var.log.containers.test";
export interface Session {
  tag: string;
  keyOpen: Set<string>;
}
/** One harness run: the records of one LuaJIT process, in order. */
export function newSession(tag = HARNESS_TAG): Session {
  return { tag, keyOpen: new Set() };
}

/** Fluent Bit's return code and the record it emits (code 0: the input, untouched). */
export interface RedactResult {
  code: 0 | 2;
  record: JsonMap;
}

const MAX_DEPTH = 64;
const SKIP_TOP = new Set(["kubernetes", "stream", "time", "_p"]);
const SAFE_K8S = ["namespace_name", "pod_name", "container_name"];

/** Sets an own property, also for "__proto__" (a plain assignment would set the prototype). */
export function setKey(o: JsonMap, k: string, v: Json): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

// The log line's JSON (Lua: json_object, merge_log): a `log` that is exactly one JSON object is
// decoded (byte strings in and out, \u escapes to UTF-8 bytes) and its keys join the record; more
// than LOG_JSON_MAX_DEPTH nested maps and arrays is an error (the stub), invalid JSON stays text.
export { LOG_JSON_MAX_DEPTH };
const JSON_WS = new Set([32, 9, 13, 10]);
const isDigit = (c: number) => c >= 48 && c <= 57;
const isHex = (c: number) => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const byteAt = (s: string, i: number) => (i >= 1 && i <= s.length ? s.charCodeAt(i - 1) : 0);
const JSON_ESC: Record<number, string> = { 34: '"', 92: "\\", 47: "/", 98: "\b", 102: "\f", 110: "\n", 114: "\r", 116: "\t" };
function jsonWs(s: string, i: number): number {
  while (JSON_WS.has(byteAt(s, i))) i++;
  return i;
}
function utf8Bytes(c: number): string {
  return Buffer.from(String.fromCodePoint(c), "utf8").toString("latin1");
}
function jsonU(s: string, i: number): number | null {
  if (byteAt(s, i) !== 92 || byteAt(s, i + 1) !== 117 || ![2, 3, 4, 5].every((d) => isHex(byteAt(s, i + d)))) return null;
  return parseInt(s.slice(i + 1, i + 5), 16);
}
type Parsed = [Json, number] | null;
function jsonString(s: string, i: number): [string, number] | null {
  let out = "";
  let j = i + 1;
  for (;;) {
    const q = s.indexOf('"', j - 1) + 1;
    if (q === 0) return null;
    const e0 = s.indexOf("\\", j - 1) + 1;
    const e = e0 === 0 ? null : e0;
    const stop = e !== null && e < q ? e : q;
    for (let k = j; k < stop; k++) if (s.charCodeAt(k - 1) < 32) return null;
    out += s.slice(j - 1, stop - 1);
    if (stop === q) return [out, q + 1];
    const c = byteAt(s, e! + 1);
    if (c === 117) {
      let u = jsonU(s, e!);
      if (u === null || (u >= 0xdc00 && u <= 0xdfff)) return null;
      j = e! + 6;
      if (u >= 0xd800 && u <= 0xdbff) {
        const lo = jsonU(s, j);
        if (lo === null || lo < 0xdc00 || lo > 0xdfff) return null;
        u = 0x10000 + (u - 0xd800) * 1024 + (lo - 0xdc00);
        j += 6;
      }
      out += utf8Bytes(u);
    } else {
      const x = JSON_ESC[c];
      if (x === undefined) return null;
      out += x;
      j = e! + 2;
    }
  }
}
function digitsEnd(s: string, j: number): number {
  while (isDigit(byteAt(s, j))) j++;
  return j;
}
function jsonNumber(s: string, i: number): Parsed {
  let j = i;
  if (byteAt(s, j) === 45) j++;
  let c = byteAt(s, j);
  if (c === 48) j++;
  else if (isDigit(c)) j = digitsEnd(s, j);
  else return null;
  if (byteAt(s, j) === 46) {
    if (!isDigit(byteAt(s, j + 1))) return null;
    j = digitsEnd(s, j + 1);
  }
  c = byteAt(s, j);
  if (c === 101 || c === 69) {
    j++;
    c = byteAt(s, j);
    if (c === 43 || c === 45) j++;
    if (!isDigit(byteAt(s, j))) return null;
    j = digitsEnd(s, j);
  }
  const v = Number(s.slice(i - 1, j - 1));
  if (!Number.isFinite(v)) return null;
  return [v, j];
}
function jsonValue(s: string, i: number, open: number): Parsed {
  i = jsonWs(s, i);
  let c = byteAt(s, i);
  if (c === 123 || c === 91) {
    if (open >= LOG_JSON_MAX_DEPTH) throw new Error(`log JSON nested deeper than ${LOG_JSON_MAX_DEPTH}`);
    const close = c + 2;
    const map: JsonMap = {};
    const arr: Json[] = [];
    i = jsonWs(s, i + 1);
    if (byteAt(s, i) === close) return [close === 125 ? map : arr, i + 1];
    for (;;) {
      let k = "";
      if (close === 125) {
        if (byteAt(s, i) !== 34) return null;
        const ks = jsonString(s, i);
        if (ks === null) return null;
        [k, i] = ks;
        i = jsonWs(s, i);
        if (byteAt(s, i) !== 58) return null;
        i++;
      }
      const v = jsonValue(s, i, open + 1);
      if (v === null) return null;
      if (close === 125) setKey(map, k, v[0]);
      else arr.push(v[0]);
      i = jsonWs(s, v[1]);
      c = byteAt(s, i);
      if (c === close) return [close === 125 ? map : arr, i + 1];
      if (c !== 44) return null;
      i = jsonWs(s, i + 1);
    }
  }
  if (c === 34) return jsonString(s, i);
  if (c === 116) return s.slice(i - 1, i + 3) === "true" ? [true, i + 4] : null;
  if (c === 102) return s.slice(i - 1, i + 4) === "false" ? [false, i + 5] : null;
  if (c === 110) return s.slice(i - 1, i + 3) === "null" ? [null, i + 4] : null;
  return jsonNumber(s, i);
}
/** The JSON object that is all of the byte string s, or null. */
export function jsonObject(s: string): JsonMap | null {
  const i = jsonWs(s, 1);
  if (byteAt(s, i) !== 123) return null;
  const v = jsonValue(s, i, 0);
  if (v === null || jsonWs(s, v[1]) <= s.length) return null;
  return v[0] as JsonMap;
}
// A private key's lines across records (Lua: key_lines): a mark per tag and stream while a key
// is open; body lines become the token, blank and header lines stay, anything else closes it.
const B64 = new Set([..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"].map((c) => c.charCodeAt(0)));
const isB64Pad = (c: number) => B64.has(c) || c === 61;
const isSpace = (c: number) => JSON_WS.has(c);
function indexFrom(s: string, x: string, i: number): number | null {
  const k = s.indexOf(x, i - 1);
  return k < 0 ? null : k + 1;
}
function keyLeftOpen(s: string): boolean {
  let i = 1;
  let open = false;
  for (;;) {
    const p = indexFrom(s, "-----BEGIN ", i);
    if (p === null) return open;
    const q = indexFrom(s, "PRIVATE KEY-----", p + 11);
    if (q !== null && q - p <= 40) {
      const e = indexFrom(s, "-----END ", q + 16);
      const f = e === null ? null : indexFrom(s, "-----", e + 9);
      if (f === null) return true;
      i = f + 5;
      open = false;
    } else i = p + 1;
  }
}
function trimmed(s: string): [number, number] {
  let a = 1;
  let b = s.length;
  while (isSpace(byteAt(s, a))) a++;
  while (b >= a && isSpace(byteAt(s, b))) b--;
  return [a, b];
}
function keyLine(s: string): "body" | "keep" | null {
  const [a, b] = trimmed(s);
  if (a > b) return "keep";
  let i = a;
  while (i <= b && isB64Pad(byteAt(s, i))) i++;
  if (i > b) return "body";
  if (/^[A-Za-z][A-Za-z-]*: /.test(s.slice(a - 1))) return "keep";
  return null;
}
function keyBodyAlone(s: string): boolean {
  const [a, b] = trimmed(s);
  const n = b - a + 1;
  if (n !== 64 && n !== 70) return false;
  const x = s.slice(a - 1, b);
  return [...x].every((c) => B64.has(c.charCodeAt(0))) && /[A-Z]/.test(x) && /[a-z]/.test(x) && /[0-9]/.test(x);
}
function keyLines(record: JsonMap, session: Session): boolean {
  const log = record["log"];
  if (typeof log !== "string") return false;
  const stream = record["stream"];
  const id = `${session.tag}\0${typeof stream === "string" ? stream : ""}`;
  let out = log;
  if (session.keyOpen.has(id)) {
    const kind = keyLine(log);
    if (kind === "body") out = DETECTOR_TOKENS.private_key;
    else if (kind !== "keep") {
      session.keyOpen.delete(id);
      const e = indexFrom(log, "-----END ", 1);
      if (e !== null) {
        const f = indexFrom(log, "-----", e + 9);
        out = DETECTOR_TOKENS.private_key + (f === null ? "" : log.slice(f + 4));
      }
    }
  } else if (keyBodyAlone(log)) out = DETECTOR_TOKENS.private_key;
  if (keyLeftOpen(log)) session.keyOpen.add(id);
  if (out === log) return false;
  record["log"] = out;
  return true;
}

function mergeLog(record: JsonMap): boolean {
  const log = record["log"];
  if (typeof log !== "string") return false;
  const obj = jsonObject(log);
  if (obj === null) return false;
  let kept: JsonMap | null = null;
  for (const [k, v] of Object.entries(obj)) {
    if (k === "log" || SKIP_TOP.has(k) || Object.prototype.hasOwnProperty.call(record, k)) setKey((kept ??= {}), k, v);
    else setKey(record, k, v);
  }
  if (kept) record["log"] = kept;
  else delete record["log"];
  return true;
}

const toBytes = (s: string) => Buffer.from(s, "utf8").toString("latin1");
const fromBytes = (s: string) => Buffer.from(s, "latin1").toString("utf8");

/** Deep copy with every string (keys too) as a byte string. */
function mapStrings(v: Json, f: (s: string) => string): Json {
  if (typeof v === "string") return f(v);
  if (Array.isArray(v)) return v.map((x) => mapStrings(x, f));
  if (v !== null && typeof v === "object") {
    const out: JsonMap = {};
    for (const [k, x] of Object.entries(v)) setKey(out, f(k), mapStrings(x, f));
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

/** A key naming a phone (Lua: phone_key). */
function phoneKey(k: string): boolean {
  const n = sensitiveKeyForm(k);
  return n.includes("phone") || n.includes("mobile") || n.includes("msisdn") || n === "tel" || n === "fax" || n === "cell";
}

function stringForm(v: Json): string | null {
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isInteger(v) && Math.abs(v) < 9007199254740992) return v.toFixed(0);
  return null;
}

function redact(record: JsonMap, o: RedactOptions): boolean {
  const policy = policyFor(record, o);
  const key = o.hmacKey ? o.hmacKey : null;
  let changed = policy.detectors.includes("private_key") && keyLines(record, o.session ?? newSession());
  if (mergeLog(record)) changed = true;
  const ctx = { changed: false, truncated: false };
  // the values field actions produced: the sensitive-key list leaves them to the action
  const acted = new Map<object, Set<string>>();
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
    acted.set(t, (acted.get(t) ?? new Set()).add(k));
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
  const phones = policy.detectors.includes("phone");
  const sensitive = (k: string) => {
    const n = sensitiveKeyForm(k);
    return policy.sensitive.some((e) => n.endsWith(e));
  };
  const walk = (t: JsonMap | Json[], depth: number, top: boolean, secret: boolean) => {
    if (depth > MAX_DEPTH) throw new Error(`record nested deeper than ${MAX_DEPTH}`);
    const visit = (k: string | null, v: Json, set: (x: Json) => void) => {
      if (secret || (k !== null && policy.sensitive.length > 0 && sensitive(k) && !acted.get(t)?.has(k))) {
        if ((typeof v === "string" && v !== "" && v !== DETECTOR_TOKENS.secret_kv) || typeof v === "number") {
          set(DETECTOR_TOKENS.secret_kv);
          ctx.changed = true;
        } else if (v !== null && typeof v === "object") walk(v, depth + 1, false, true);
      } else if (typeof v === "string") {
        let r = scan(v);
        if (r === v && phones && k !== null && phoneKey(k) && /^\+?[0-9]{8,15}$/.test(v)) r = DETECTOR_TOKENS.phone;
        if (r !== v) {
          set(r);
          ctx.changed = true;
        }
      } else if (typeof v === "number") {
        if (cards && cardNumber(v)) {
          set(DETECTOR_TOKENS.credit_card);
          ctx.changed = true;
        } else if (phones && k !== null && phoneKey(k) && Number.isInteger(v) && v >= 1e7 && v < 1e15) {
          set(DETECTOR_TOKENS.phone);
          ctx.changed = true;
        }
      } else if (v !== null && typeof v === "object") walk(v, depth + 1, false, false);
    };
    if (Array.isArray(t)) t.forEach((v, i) => visit(null, v, (x) => (t[i] = x)));
    else for (const [k, v] of Object.entries(t)) if (!(top && SKIP_TOP.has(k))) visit(k, v, (x) => setKey(t, k, x));
  };
  walk(record, 1, true, false);
  if (ctx.truncated) record["_svcspec_truncated"] = true;
  return changed || ctx.changed;
}
