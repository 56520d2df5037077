/** The generation cache, its pure half: keys, entries and their verification. An entry holds one
 * generator's output for one service (generators/index.ts, the per-service seam), keyed on
 * everything that output may depend on: svcspec's own identity (its version and a digest of its
 * code, computed by the CLI), the generator's id, the options it reads, the Organization and the
 * service, both as canonical JSON of the Model. compile() reads entries as data and returns the
 * entries it made; src/cache/store.ts does the disk. An entry is trusted only when its header names
 * the key and the version asked for, its SHA-256 matches its payload and the payload has the shape
 * of a TargetOutput: anything else (truncated, a flipped byte, another key's or another version's
 * entry) is ignored, recomputed and replaced. Nothing here reads a clock or a file's time. */
import { createHash } from "node:crypto";
import { digestOf, withDigest } from "../output/fileset.js";
import type { TargetOutput } from "../package/request.js";

/** What compile() is handed: svcspec's identity and the cache folder as three calls (the CLI's,
 * src/cache/store.ts). compile() works through the services in `groups`, one group at a time: it
 * asks for the group's `entries` when the group's turn comes and calls `store` when it is done
 * with it, so memory holds one group's entries, never the whole cache. */
export interface GenerationCache {
  version: string;
  /** The services, by name in the Model's order, split into the groups compile() works through
   * (each a list of indices into the Model's services; every service in exactly one group). */
  groups(names: readonly string[]): readonly (readonly number[])[];
  /** The entries group `g` may use: key -> the entry's text, unverified. */
  entries(g: number): ReadonlyMap<string, string>;
  /** Group `g` is done: each of its services' name, keys and freshly computed entries. */
  store(g: number, services: readonly CachedService[]): void;
}

/** One service as compile() leaves it to the cache: its keys (one per generator with a seam, in
 * the generators' order) and the outputs it computed (key -> output, encoded by the CLI). */
export interface CachedService {
  name: string;
  keys: string[];
  fresh: Map<string, TargetOutput>;
}

/** What compile() did with the cache. */
export interface GenerationCacheResult {
  hits: number;
  misses: number;
  /** Entries present under the key asked for that did not verify (and were recomputed). */
  rejected: number;
}

export const ENTRY_FORMAT = "svcspec-generation-cache/2";

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** JSON with object keys sorted, class instances named (a Ratio is not a plain object with the
 * same fields), bigints and undefined told apart from numbers and null. Throws on what the Model
 * never holds (functions, symbols, Maps, Sets), so a new kind of field cannot slip out of the key. */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "number":
      return Number.isFinite(value) ? JSON.stringify(value) : `{"$number":"${String(value)}"}`;
    case "bigint":
      return `{"$bigint":"${value.toString()}"}`;
    case "undefined":
      return `{"$undefined":true}`;
    case "object": {
      if (value === null) return "null";
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
      const proto = Object.getPrototypeOf(value) as object | null;
      if (value instanceof Map || value instanceof Set || ArrayBuffer.isView(value)) throw new Error(`internal: canonicalJson cannot key a ${value.constructor.name}`);
      const tag = proto === Object.prototype || proto === null ? "" : `"$class":${JSON.stringify((value as { constructor?: { name?: string } }).constructor?.name ?? "?")},`;
      const keys = Object.keys(value).sort();
      return `{${tag}${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(",")}}`;
    }
    default:
      throw new Error(`internal: canonicalJson cannot key a ${typeof value}`);
  }
}

/** The key of one generator's output for one service: the parts' digests, hashed together. */
export function entryKey(version: string, generatorId: string, optionsKey: string, organizationDigest: string, serviceDigest: string): string {
  return sha256([ENTRY_FORMAT, version, generatorId, sha256(optionsKey), organizationDigest, serviceDigest].map((p) => `${p.length}:${p}`).join("\n"));
}

interface Header {
  format: string;
  key: string;
  version: string;
  sha256: string;
}

/** The checksum binds the payload to its key and identity (an entry moved under another key's
 * header does not verify). It covers each file by the SHA-256 of its content, so the bytes are
 * hashed once: those digests then tell the output stage which files on disk are unchanged without
 * hashing them again (`withDigest` in src/output/fileset.ts). */
export function entryChecksum(key: string, version: string, output: { files: readonly { path: unknown; content: string }[]; packages: unknown }, digests: readonly string[] = output.files.map((f) => sha256(f.content))): string {
  const view = JSON.stringify({ files: output.files.map((f, i) => ({ path: f.path, sha256: digests[i] })), packages: output.packages });
  return sha256(`${ENTRY_FORMAT}\n${key}\n${version}\n${view}`);
}

/** An output whose every file carries its SHA-256. */
export function withDigests(output: TargetOutput): TargetOutput {
  return { files: output.files.map((f) => withDigest(f, digestOf(f) ?? sha256(f.content))), packages: output.packages };
}

/** An entry: one header line (JSON), then the output as JSON on one line (JSON.stringify escapes
 * every line break), so entries can follow each other in one file. */
export function encodeEntry(key: string, version: string, output: TargetOutput): string {
  const payload = JSON.stringify({ files: output.files.map((f) => ({ path: f.path, content: f.content })), packages: output.packages });
  const digests = output.files.map((f) => digestOf(f) ?? sha256(f.content));
  const header: Header = { format: ENTRY_FORMAT, key, version, sha256: entryChecksum(key, version, output, digests) };
  return `${JSON.stringify(header)}\n${payload}`;
}

/** The entries of a file of entries (key -> text), read from each header's key, unverified: a
 * line that is not a header is skipped, so one damaged entry does not hide the next. */
export function splitEntries(text: string): Map<string, string> {
  const out = new Map<string, string>();
  // offsets, not split() and join(): each entry stays a slice of the file's text (no copy)
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf("\n", start);
    if (nl < 0) break;
    let key: unknown;
    try {
      key = (JSON.parse(text.slice(start, nl)) as { key?: unknown }).key;
    } catch {
      key = undefined;
    }
    if (typeof key !== "string" || !/^[0-9a-f]{64}$/.test(key)) {
      start = nl + 1;
      continue;
    }
    const end = text.indexOf("\n", nl + 1);
    out.set(key, text.slice(start, end < 0 ? text.length : end));
    if (end < 0) break;
    start = end + 1;
  }
  return out;
}

/** The output an entry holds, or null when it is not an entry for this key and version, whole and
 * of the right shape. Never throws. */
export function decodeEntry(text: string, key: string, version: string): TargetOutput | null {
  const nl = text.indexOf("\n");
  if (nl < 0) return null;
  let header: unknown;
  let output: unknown;
  try {
    header = JSON.parse(text.slice(0, nl));
  } catch {
    return null;
  }
  if (!isRecord(header) || header["format"] !== ENTRY_FORMAT || header["key"] !== key || header["version"] !== version) return null;
  const payload = text.slice(nl + 1);
  if (payload.includes("\n")) return null;
  try {
    output = JSON.parse(payload);
  } catch {
    return null;
  }
  if (!isTargetOutput(output)) return null;
  const digests = output.files.map((f) => sha256(f.content));
  if (header["sha256"] !== entryChecksum(key, version, output, digests)) return null;
  return { files: output.files.map((f, i) => withDigest(f, digests[i]!)), packages: output.packages };
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}
const isString = (x: unknown): x is string => typeof x === "string";
const isStrings = (x: unknown): boolean => Array.isArray(x) && x.every(isString);
const isStringRecord = (x: unknown): boolean => isRecord(x) && Object.values(x).every(isString);
const hasOnly = (x: Record<string, unknown>, keys: readonly string[]): boolean => Object.keys(x).every((k) => keys.includes(k));

function isMeta(x: unknown): boolean {
  return isRecord(x) && hasOnly(x, ["name", "namespace", "labels", "annotations"]) && isString(x["name"]) && isString(x["namespace"]) && isStringRecord(x["labels"]) && (x["annotations"] === undefined || isStringRecord(x["annotations"]));
}

function isDataEntry(x: unknown): boolean {
  if (!isRecord(x) || !isString(x["key"])) return false;
  if (x["kind"] === "file") return hasOnly(x, ["kind", "key", "path"]) && isString(x["path"]);
  if (x["kind"] === "text") return hasOnly(x, ["kind", "key", "text"]) && isString(x["text"]);
  return false;
}

function isComment(x: unknown): boolean {
  return Array.isArray(x) && x.every((l) => isString(l) || (isRecord(l) && hasOnly(l, ["perObject"]) && isString(l["perObject"])));
}

function isRequest(x: unknown): boolean {
  if (!isRecord(x)) return false;
  switch (x["kind"]) {
    case "Kustomization":
      return hasOnly(x, ["kind", "folder", "sources"]) && isString(x["folder"]) && isStrings(x["sources"]);
    case "PrometheusRule":
      return hasOnly(x, ["kind", "path", "sources", "metadata", "spec", "specFile"]) && isString(x["path"]) && isStrings(x["sources"]) && isMeta(x["metadata"]) && ("spec" in x ? !("specFile" in x) : isString(x["specFile"]));
    case "Secret":
      return hasOnly(x, ["kind", "path", "sources", "metadata", "stringData"]) && isString(x["path"]) && isStrings(x["sources"]) && isMeta(x["metadata"]) && Array.isArray(x["stringData"]) && x["stringData"].every(isDataEntry);
    case "ConfigMap":
      return (
        hasOnly(x, ["kind", "path", "sources", "metadata", "data", "overflow", "comment"]) &&
        isString(x["path"]) &&
        isStrings(x["sources"]) &&
        isMeta(x["metadata"]) &&
        Array.isArray(x["data"]) &&
        x["data"].every(isDataEntry) &&
        (x["overflow"] === undefined || x["overflow"] === "split") &&
        (x["comment"] === undefined || isComment(x["comment"]))
      );
    default:
      return false;
  }
}

export function isTargetOutput(x: unknown): x is TargetOutput {
  return (
    isRecord(x) &&
    hasOnly(x, ["files", "packages"]) &&
    Array.isArray(x["files"]) &&
    x["files"].every((f) => isRecord(f) && hasOnly(f, ["path", "content"]) && isString(f["path"]) && isString(f["content"])) &&
    Array.isArray(x["packages"]) &&
    x["packages"].every(isRequest)
  );
}
