/** The validation cache, its pure half: what an earlier build found of spec files that had nothing
 * to report. A file is "clean" when a run reported nothing in it at all (no parse, text, shape,
 * meaning or cross-document diagnostic, not even a warning). For a clean file the cache keeps its
 * documents' values as JSON, keyed on svcspec's identity and the file's text: a later run with the
 * same text takes the values instead of parsing the YAML again and skips the per-document checks
 * of text and shape, which read nothing but the text. For each of its Service documents it also
 * keeps that the service's own checks (checkService) found nothing under an Organization, keyed on
 * that Organization's canonical JSON too, and for a policy pack that reads no Service documents,
 * that it found nothing in a document (keyed also on the pack's wasm). The checks across documents
 * (unique names, the Model's resolved values, the Organization's own, packs that may read the
 * services) always run, on every document. An entry is
 * trusted only when its header names the key asked for and its body's SHA-256 matches; anything
 * else is ignored and the file is checked again. A file with something to report is never kept,
 * so every warning and error is found again by the run that reports it. */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { SourceFile, SpecDocument } from "../load/source.js";
import { createHash } from "node:crypto";
import type { PolicyPack } from "../policy/pack.js";
import { canonicalJson, sha256, splitKeyed } from "./generation.js";

export const VERDICT_FORMAT = "svcspec-validation-cache/1";

/** What compile() is handed (the CLI's, src/cache/store.ts): the entries of the last build and a
 * call that takes this run's. */
export interface ValidationCache {
  version: string;
  /** key -> the entry's text, unverified. */
  verdicts(): ReadonlyMap<string, string>;
  /** This run's entries (those it used and those it made); `made`: whether it made any. */
  storeVerdicts(entries: ReadonlyMap<string, string>, made: boolean): void;
}

const joined = (parts: readonly string[]) => parts.map((p) => `${p.length}:${p}`).join("\n");

/** The key of a file's values: svcspec's identity and the file's text (not its name: a file moved
 * or copied has the same documents; where it is only matters to diagnostics, made afresh). */
export function fileKey(version: string, text: string): string {
  // as JSON: hashing a string as UTF-8 turns every lone surrogate into U+FFFD, so two texts would share a key
  return sha256(joined([VERDICT_FORMAT, version, "file", JSON.stringify(text)]));
}

/** The key of "the service checks found nothing in document `index` of this file under this
 * Organization" (its canonical JSON; "none" without one). */
export function serviceKey(version: string, file: string, index: number, organization: string): string {
  return sha256(joined([VERDICT_FORMAT, version, "service", file, String(index), organization]));
}

export function organizationDigest(organization: unknown): string {
  return organization === null ? "none" : sha256(canonicalJson(organization));
}

/** One entry: a header line naming its key and its body's digest, then the body (one line of JSON). */
export function encodeVerdict(key: string, body: unknown): string {
  const text = JSON.stringify(body);
  return `${JSON.stringify({ format: VERDICT_FORMAT, key, sha256: sha256(text) })}\n${text}`;
}

/** The body of the entry `text` when it is the entry for `key` and intact, else undefined. */
export function decodeVerdict(text: string, key: string): unknown {
  const nl = text.indexOf("\n");
  if (nl < 0) return undefined;
  try {
    const header = JSON.parse(text.slice(0, nl)) as { format?: unknown; key?: unknown; sha256?: unknown };
    const body = text.slice(nl + 1);
    if (header.format !== VERDICT_FORMAT || header.key !== key || header.sha256 !== sha256(body)) return undefined;
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** Whether `value` comes back from JSON as it went in: plain data, finite numbers other than -0
 * (YAML's .inf, .nan and -0 do not survive JSON, so a file holding one is parsed every time). */
export function jsonFaithful(value: unknown, depth = 0): boolean {
  if (depth > 256) return false;
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object": {
      if (value === null) return true;
      if (Array.isArray(value)) return value.every((v) => jsonFaithful(v, depth + 1));
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) return false;
      return Object.values(value as Record<string, unknown>).every((v) => jsonFaithful(v, depth + 1));
    }
    default:
      return false;
  }
}

/** The entries of a store's text: one header line and one body line each; lines that do not start
 * an entry are skipped (each entry is verified when it is used). */
export function splitVerdicts(text: string): Map<string, string> {
  return splitKeyed(text, 2);
}

/** What validation may skip in this run, and what it found, for the cache (one per compile). */
export interface VerdictMemo {
  /** The values of `source`'s documents when an earlier run found it clean, else undefined. */
  parsed(source: SourceFile): unknown[] | undefined;
  /** `source` was parsed here (no earlier verdict): its values as they came from the parser. */
  parsedFresh(source: SourceFile, values: readonly unknown[]): void;
  /** Whether `d` comes from a file an earlier run found clean (its text and shape checks passed). */
  shaped(d: SpecDocument): boolean;
  /** Whether the service checks found nothing in `d` under `organization` before. Called, for
   * every Service document the service checks would run on, only when the Organization is sound. */
  serviceChecked(d: SpecDocument, organization: unknown): boolean;
  /** How many files this run took as an earlier run parsed and shape-checked them, how many
   * services' own checks and documents' policy evaluations it skipped. */
  readonly known: { files: number; services: number; policies: number };
  /** The run's verdicts: the files of `sources` in which `diagnostics` (svcspec's own checks) name nothing. */
  record(sources: readonly SourceFile[], documents: readonly SpecDocument[], diagnostics: readonly Diagnostic[]): void;
  /** Whether `pack` (one that reads no Service documents) found nothing in `d` under `organization` before. */
  quiet(pack: PolicyPack, d: SpecDocument, organization: unknown): boolean;
  /** `pack` found nothing in `d` under `organization` in this run. */
  foundNothing(pack: PolicyPack, d: SpecDocument, organization: unknown): void;
  /** Hands this run's verdicts to the cache (those used and those made). */
  finish(): void;
}

export function verdictMemo(cache: ValidationCache): VerdictMemo {
  const known = cache.verdicts();
  const used = new Map<string, string>();
  const keyOf = new Map<SourceFile, string>();
  const fromCache = new Set<SourceFile>();
  const fresh = new Map<SourceFile, string>();
  // the last Organization digested, and the one the service checks ran under (undefined: they were not asked about)
  let digested: { value: unknown; digest: string } | undefined;
  let checkedUnder: string | undefined;
  // the service verdicts of this run found intact, by key
  const servicesKnown = new Map<string, string>();
  const fileKeyOf = (source: SourceFile): string => {
    let k = keyOf.get(source);
    if (k === undefined) keyOf.set(source, (k = fileKey(cache.version, source.text)));
    return k;
  };
  const counts = { files: 0, services: 0, policies: 0 };
  let made = false;
  const orgDigest = (value: unknown): string => {
    if (digested === undefined || digested.value !== value) digested = { value, digest: organizationDigest(value) };
    return digested.digest;
  };
  return {
    parsed(source) {
      const key = fileKeyOf(source);
      const text = known.get(key);
      const values = text === undefined ? undefined : decodeVerdict(text, key);
      if (!Array.isArray(values) || !values.every((v) => v !== null && typeof v === "object" && !Array.isArray(v))) return undefined;
      fromCache.add(source);
      counts.files++;
      return values as unknown[];
    },
    parsedFresh(source, values) {
      if (jsonFaithful(values)) fresh.set(source, encodeVerdict(fileKeyOf(source), values));
    },
    shaped: (d) => fromCache.has(d.source),
    serviceChecked(d, value) {
      checkedUnder = orgDigest(value);
      const key = serviceKey(cache.version, fileKeyOf(d.source), d.index, checkedUnder);
      const text = known.get(key);
      const skip = text !== undefined && decodeVerdict(text, key) === true;
      if (skip) {
        servicesKnown.set(key, text);
        counts.services++;
      }
      return skip;
    },
    known: counts,
    record(sources, documents, diagnostics) {
      const dirty = new Set(diagnostics.map((x) => x.file));
      const services = new Map<SourceFile, SpecDocument[]>();
      for (const d of documents) if ((d.value as { kind?: unknown }).kind === "Service") services.set(d.source, [...(services.get(d.source) ?? []), d]);
      for (const source of sources) {
        if (dirty.has(source.path)) continue;
        const key = fileKeyOf(source);
        const text = fromCache.has(source) ? known.get(key) : fresh.get(source);
        if (text === undefined) continue;
        made ||= !fromCache.has(source);
        used.set(key, text);
        if (checkedUnder === undefined) continue;
        for (const d of services.get(source) ?? []) {
          const k = serviceKey(cache.version, key, d.index, checkedUnder);
          const had = servicesKnown.get(k);
          made ||= had === undefined;
          used.set(k, had ?? encodeVerdict(k, true));
        }
      }
    },
    quiet(pack, d, value) {
      const key = policyKey(cache.version, packDigest(pack), fileKeyOf(d.source), d.index, orgDigest(value));
      const text = known.get(key);
      const skip = text !== undefined && decodeVerdict(text, key) === true;
      if (skip) {
        used.set(key, text);
        counts.policies++;
      }
      return skip;
    },
    foundNothing(pack, d, value) {
      const key = policyKey(cache.version, packDigest(pack), fileKeyOf(d.source), d.index, orgDigest(value));
      made = true;
      used.set(key, encodeVerdict(key, true));
    },
    finish() {
      cache.storeVerdicts(used, made);
    },
  };
}

/** The key of "this policy pack, which reads no Service documents, found nothing in document
 * `index` of this file under this Organization". */
export function policyKey(version: string, pack: string, file: string, index: number, organization: string): string {
  return sha256(joined([VERDICT_FORMAT, version, "policy", pack, file, String(index), organization]));
}

const packDigests = new WeakMap<PolicyPack, string>();

/** A pack by its wasm and whether it is the built-in one (the Organization switches built-in rules off). */
function packDigest(pack: PolicyPack): string {
  let d = packDigests.get(pack);
  if (d === undefined) packDigests.set(pack, (d = createHash("sha256").update(pack.builtin ? "builtin\0" : "organisation\0").update(pack.wasm).digest("hex")));
  return d;
}
