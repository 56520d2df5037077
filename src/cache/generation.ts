/** The generation cache, its pure half: keys, entries and their verification. An entry holds one
 * generator's output for one service (generators/index.ts, the per-service seam), keyed on
 * everything that output may depend on: svcspec's own identity (its version and a digest of its
 * code, computed by the CLI), the generator's id, the options it reads, the Organization and the
 * service, both as canonical JSON of the Model. compile() reads entries as data and returns the
 * entries it made; src/cache/store.ts does the disk. An entry's view (each file's path and digest)
 * is trusted only when its header names the key and the version asked for and its SHA-256 matches
 * the view, and the view has the right shape (paths inside the output folder); its contents only
 * when each matches its digest, checked when they are read (never when the output already holds
 * every file: a damaged contents line is then carried forward unread, and never used). Anything
 * else (truncated, a flipped byte, another key's or another version's entry) is ignored,
 * recomputed and replaced. Nothing here reads a clock or a file's time. */
import { createHash } from "node:crypto";
import { digestOf, type GeneratedFile, isSafeRelative, withDigest } from "../output/fileset.js";
import type { KustomizationRequest, TargetOutput } from "../package/request.js";

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
  /** The entries of the cross-service manifests (one file each, no contents kept): key -> text,
   * unverified. Read once, after the services. */
  manifests?(): ReadonlyMap<string, string>;
  /** The cross-service manifests' entries of this compile, each key's text (those it used and
   * those it made; `made`: whether it made any). */
  storeManifests?(entries: ReadonlyMap<string, string>, made: boolean): void;
  /** The entries of the whole-Model outputs (a generator's `generate` without a seam, an
   * `assemble`): key -> text, unverified. Read once, after the services. */
  crossOutputs?(): ReadonlyMap<string, string>;
  /** This compile's whole-Model entries, as storeManifests. */
  storeCrossOutputs?(entries: ReadonlyMap<string, string>, made: boolean): void;
}

/** One service as compile() leaves it to the cache: its keys (one per generator with a seam, in
 * the generators' order) and the entries it computed (key -> the entry's text, encodeEntry's). */
export interface CachedService {
  name: string;
  keys: string[];
  fresh: Map<string, string>;
}

/** What compile() did with the cache. */
export interface GenerationCacheResult {
  hits: number;
  misses: number;
  /** Entries present under the key asked for that did not verify (and were recomputed). */
  rejected: number;
  /** Cross-service manifests the output folder already held under their entry's digest (not rendered). */
  manifestsKept?: number;
  /** Cross-service manifests rendered. */
  manifestsRendered?: number;
  /** Whole-Model outputs taken from their entries / computed. */
  crossTaken?: number;
  crossComputed?: number;
}

export const ENTRY_FORMAT = "svcspec-generation-cache/4";

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
      // -0 is its own value (YAML writes it `-0`), which JSON.stringify would make 0
      return Number.isFinite(value) && !Object.is(value, -0) ? JSON.stringify(value) : `{"$number":"${Object.is(value, -0) ? "-0" : String(value)}"}`;
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

/** The key of one cross-service manifest: its request (as canonical JSON) and the SHA-256 of every
 * file it embeds, by path (what packaging reads to render it, and nothing else). */
export function manifestKey(version: string, request: unknown, embedded: readonly (readonly [string, string])[]): string {
  return sha256([ENTRY_FORMAT, version, "manifest", canonicalJson(request), ...embedded.map(([path, digest]) => `${path}\0${digest}`)].map((p) => `${p.length}:${p}`).join("\n"));
}

/** The key of one generator's output for one service: the parts' digests, hashed together. */
export function entryKey(version: string, generatorId: string, optionsKey: string, organizationDigest: string, serviceDigest: string): string {
  return sha256([ENTRY_FORMAT, version, generatorId, sha256(optionsKey), organizationDigest, serviceDigest].map((p) => `${p.length}:${p}`).join("\n"));
}

/** The key of one whole-Model output: a generator's `generate` (no seam) or `assemble`, a function
 * of the Organization, every service (its input digest, by name, in the Model's order), the
 * options it reads and, for an assemble, the per-service files it is handed (each path and
 * SHA-256, in order). */
export function crossKey(version: string, generatorId: string, optionsKey: string, organizationDigest: string, servicesDigest: string, parts: readonly (readonly [string, string])[]): string {
  return sha256([ENTRY_FORMAT, version, "cross", generatorId, sha256(optionsKey), organizationDigest, servicesDigest, ...parts.map(([path, digest]) => `${path}\0${digest}`)].map((p) => `${p.length}:${p}`).join("\n"));
}

/** A whole-Model output as the cache keeps it: a header line (bound by its checksum to the key,
 * the identity and the body) and the body, the output as one line of JSON, its contents whole (a
 * whole-Model output is a few files: the assemble that would read them back needs all of it).
 * Null when the output does not survive JSON unchanged (it is then never cached). */
export function encodeCross(key: string, version: string, output: TargetOutput): string | null {
  const data = { files: output.files.map((f) => ({ path: f.path, content: f.content })), packages: output.packages };
  let body: string;
  try {
    body = JSON.stringify(data);
    const back: unknown = JSON.parse(body);
    if (canonicalJson(back) !== canonicalJson(data) || decodedShape(back) === null) return null;
  } catch {
    // a Map, a function, a bigint, a cycle: not data JSON carries
    return null;
  }
  const header: Header = { format: ENTRY_FORMAT, key, version, sha256: entryChecksum(key, version, body) };
  return `${JSON.stringify(header)}\n${body}`;
}

/** The output an entry of encodeCross holds, or null when it is not one for this key and version,
 * whole and of the right shape. Never throws. */
export function decodeCross(text: string, key: string, version: string): TargetOutput | null {
  const first = text.indexOf("\n");
  if (first < 0 || text.indexOf("\n", first + 1) >= 0) return null;
  const body = text.slice(first + 1);
  let header: unknown;
  let output: unknown;
  try {
    header = JSON.parse(text.slice(0, first));
    if (!isRecord(header) || header["format"] !== ENTRY_FORMAT || header["key"] !== key || header["version"] !== version) return null;
    if (header["sha256"] !== entryChecksum(key, version, body)) return null;
    output = JSON.parse(body);
  } catch {
    return null;
  }
  return decodedShape(output);
}

/** `output` as a TargetOutput when it has the shape of one in every part the packaging stage reads
 * (paths inside the output folder, each request one of the kinds a whole-Model output makes), else null. */
function decodedShape(output: unknown): TargetOutput | null {
  if (!isRecord(output) || !hasOnly(output, ["files", "packages"]) || !Array.isArray(output["files"]) || !Array.isArray(output["packages"])) return null;
  const files = output["files"] as unknown[];
  if (!files.every((f) => isRecord(f) && hasOnly(f, ["path", "content"]) && isSafePath(f["path"]) && isString(f["content"]))) return null;
  if (!(output["packages"] as unknown[]).every((r) => isKustomization(r) || isObjectRequest(r))) return null;
  return output as unknown as TargetOutput;
}

const isSafePath = (x: unknown): x is string => isString(x) && isSafeRelative(x);
const isStringRecord = (x: unknown): boolean => isRecord(x) && Object.values(x).every(isString);

function isMeta(x: unknown): boolean {
  return isRecord(x) && hasOnly(x, ["name", "namespace", "labels", "annotations"]) && isString(x["name"]) && isString(x["namespace"]) && isStringRecord(x["labels"]) && (x["annotations"] === undefined || isStringRecord(x["annotations"]));
}

function isDataEntry(x: unknown): boolean {
  if (!isRecord(x) || !isString(x["key"])) return false;
  if (x["kind"] === "file") return hasOnly(x, ["kind", "key", "path"]) && isSafePath(x["path"]);
  return x["kind"] === "text" && hasOnly(x, ["kind", "key", "text"]) && isString(x["text"]);
}

const isComment = (x: unknown): boolean => isString(x) || (isRecord(x) && hasOnly(x, ["perObject"]) && isString(x["perObject"]));

/** A ConfigMap or Secret request (src/package/request.ts); a whole-Model output makes no other object. */
function isObjectRequest(x: unknown): boolean {
  if (!isRecord(x) || !isSafePath(x["path"]) || !isStrings(x["sources"]) || !isMeta(x["metadata"])) return false;
  if (x["kind"] === "Secret") return hasOnly(x, ["kind", "path", "sources", "metadata", "stringData"]) && Array.isArray(x["stringData"]) && x["stringData"].every(isDataEntry);
  return (
    x["kind"] === "ConfigMap" &&
    hasOnly(x, ["kind", "path", "sources", "metadata", "data", "overflow", "comment"]) &&
    Array.isArray(x["data"]) &&
    x["data"].every(isDataEntry) &&
    (x["overflow"] === undefined || x["overflow"] === "split") &&
    (x["comment"] === undefined || (Array.isArray(x["comment"]) && x["comment"].every(isComment)))
  );
}

interface Header {
  format: string;
  key: string;
  version: string;
  sha256: string;
}

/** One generator's output for one service as the cache holds it: its files and the manifests its
 * object requests made from them (packaged per service: a per-service request embeds only its own
 * target's files), and its kustomization requests (they list a whole folder, so they wait for the
 * end of the compile). */
export interface PackagedOutput {
  files: GeneratedFile[];
  kustomizations: KustomizationRequest[];
}

/** What an entry says before its contents are read: each file's path and SHA-256, in order. */
export interface EntryView {
  files: { path: string; sha256: string }[];
  kustomizations: KustomizationRequest[];
}

/** A verified entry: its view, and on demand the contents it keeps (parsed once, each checked
 * against its SHA-256 in the view; null for a file whose content it does not keep, the whole list
 * null when a kept one does not match: the entry is then unusable). */
export interface CachedEntry {
  view: EntryView;
  contents(): (string | null)[] | null;
}

/** The checksum binds the view (each file's path and SHA-256, the kustomizations) to its key and
 * identity: an entry moved under another key's header does not verify. The contents are bound
 * through the digests, checked when they are read. */
export function entryChecksum(key: string, version: string, viewText: string): string {
  return sha256(`${ENTRY_FORMAT}\n${key}\n${version}\n${viewText}`);
}

/** An output whose every file carries its SHA-256. */
export function withDigests(output: PackagedOutput): PackagedOutput {
  return { files: output.files.map((f) => withDigest(f, digestOf(f) ?? sha256(f.content))), kustomizations: output.kustomizations };
}

/** An entry: a header line, the view and the contents it keeps (a JSON array, the content of each
 * file `keeps` names, null for the others), each one line of JSON (JSON.stringify escapes every line
 * break), so entries can follow each other in one file. The output folder holds every file an
 * entry names: the cache keeps only what compile() needs in memory when it takes the entry instead
 * of generating (the files a cross-service output embeds), and an entry whose files the output
 * folder no longer holds is generated again. */
export function encodeEntry(key: string, version: string, output: PackagedOutput, keeps: (path: string) => boolean = () => false): string {
  const view: EntryView = { files: output.files.map((f) => ({ path: f.path, sha256: digestOf(f) ?? sha256(f.content) })), kustomizations: output.kustomizations };
  const viewText = JSON.stringify(view);
  const header: Header = { format: ENTRY_FORMAT, key, version, sha256: entryChecksum(key, version, viewText) };
  return `${JSON.stringify(header)}\n${viewText}\n${JSON.stringify(output.files.map((f) => (keeps(f.path) ? f.content : null)))}`;
}

/** The entries of a file of entries (key -> text), read from each header's key, unverified: a
 * line that is not a header is skipped, so one damaged entry does not hide the next. */
export function splitEntries(text: string): Map<string, string> {
  return splitKeyed(text, 3);
}

/** The entries of a cache file whose entries are `lines` lines each, the first a JSON header with
 * the entry's `key`; a line that does not start an entry is skipped (each entry is verified when
 * it is used). Offsets, not split() and join(): each entry stays a slice of the file's text. */
export function splitKeyed(text: string, lines: number): Map<string, string> {
  const out = new Map<string, string>();
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
    let end = nl;
    for (let k = 1; k < lines && end >= 0; k++) end = text.indexOf("\n", end + 1);
    out.set(key, text.slice(start, end < 0 ? text.length : end));
    if (end < 0) break;
    start = end + 1;
  }
  return out;
}

/** The entry `text` holds, or null when it is not an entry for this key and version, whole and of
 * the right shape. Never throws; its `contents` never throw either. */
export function decodeEntry(text: string, key: string, version: string): CachedEntry | null {
  const first = text.indexOf("\n");
  const second = first < 0 ? -1 : text.indexOf("\n", first + 1);
  if (second < 0 || text.indexOf("\n", second + 1) >= 0) return null;
  let header: unknown;
  let view: unknown;
  try {
    header = JSON.parse(text.slice(0, first));
  } catch {
    return null;
  }
  if (!isRecord(header) || header["format"] !== ENTRY_FORMAT || header["key"] !== key || header["version"] !== version) return null;
  const viewText = text.slice(first + 1, second);
  if (header["sha256"] !== entryChecksum(key, version, viewText)) return null;
  try {
    view = JSON.parse(viewText);
  } catch {
    return null;
  }
  if (!isView(view)) return null;
  let contents: (string | null)[] | null | undefined;
  return {
    view,
    contents: () => {
      if (contents !== undefined) return contents;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text.slice(second + 1));
      } catch {
        parsed = null;
      }
      const ok = Array.isArray(parsed) && parsed.length === view.files.length && parsed.every((c, i) => c === null || (typeof c === "string" && sha256(c) === view.files[i]!.sha256));
      return (contents = ok ? (parsed as (string | null)[]) : null);
    },
  };
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}
const isString = (x: unknown): x is string => typeof x === "string";
const isStrings = (x: unknown): boolean => Array.isArray(x) && x.every(isString);
const hasOnly = (x: Record<string, unknown>, keys: readonly string[]): boolean => Object.keys(x).every((k) => keys.includes(k));

function isKustomization(x: unknown): x is KustomizationRequest {
  return isRecord(x) && x["kind"] === "Kustomization" && hasOnly(x, ["kind", "folder", "sources"]) && isSafePath(x["folder"]) && isStrings(x["sources"]);
}

export function isView(x: unknown): x is EntryView {
  return (
    isRecord(x) &&
    hasOnly(x, ["files", "kustomizations"]) &&
    Array.isArray(x["files"]) &&
    x["files"].every((f) => isRecord(f) && hasOnly(f, ["path", "sha256"]) && isString(f["path"]) && isSafeRelative(f["path"]) && isString(f["sha256"]) && /^[0-9a-f]{64}$/.test(f["sha256"])) &&
    Array.isArray(x["kustomizations"]) &&
    x["kustomizations"].every(isKustomization)
  );
}
