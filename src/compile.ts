/** The pure pipeline: source files in, file set and diagnostics out. No disk, clock or
 * environment: the CLI and tests feed it and decide what to do with the result. */
import { type GenerateOptions, type Generator, GENERATORS } from "../generators/index.js";
import { canonicalJson, decodeEntry, entryKey, type GenerationCache, type GenerationCacheResult, sha256, withDigests } from "./cache/generation.js";
import { type Diagnostic, hasErrors, sortDiagnostics } from "./diagnostics/diagnostic.js";
import { parseSources, type SourceFile } from "./load/source.js";
import { lower } from "./model/lower.js";
import type { Model } from "./model/model.js";
import { digestsOf, type FileSet, toFileSet } from "./output/fileset.js";
import { packageOutputs } from "./package/index.js";
import { checkPolicies } from "./policy/evaluate.js";
import type { TargetOutput } from "./package/request.js";
import type { PolicyPack } from "./policy/pack.js";
import { validateDocuments } from "./validate/index.js";

export interface CompileResult {
  diagnostics: Diagnostic[];
  /** Null when the spec has errors: nothing is generated from an invalid spec. */
  model: Model | null;
  /** Null when the spec or a docs template override has errors. */
  files: FileSet | null;
  documentCount: number;
  /** What the generation cache did, when compile() was handed one and generated. */
  cache?: GenerationCacheResult;
  /** The SHA-256 of the files whose digest the generation cache worked out (the per-service
   * files), by path: the output stage takes them instead of hashing those files again. */
  digests?: ReadonlyMap<string, string>;
}

export interface ValidateOptions {
  /** Policy packs compiled to wasm (the built-in one, an organisation's), as the CLI read them. */
  policies?: readonly PolicyPack[];
}

export function validate(sources: readonly SourceFile[], options: ValidateOptions = {}): { diagnostics: Diagnostic[]; model: Model | null; documentCount: number } {
  const loaded = parseSources(sources);
  const { spec, diagnostics } = validateDocuments(loaded.documents);
  let all = sortDiagnostics([...loaded.diagnostics, ...diagnostics]);
  if (hasErrors(all)) return { diagnostics: all, model: null, documentCount: loaded.documents.length };
  // Policies run here, on a spec that passed svcspec's own checks (a rule may rely on the schema and
  // on every reference resolving, as lower() does). The packs are data the CLI read and compiled;
  // evaluating their wasm reads nothing else, so compile() stays pure, `build` writes nothing over
  // a deny, and every caller gets one sorted list of diagnostics.
  if (options.policies?.length) all = sortDiagnostics([...all, ...checkPolicies(loaded.documents, options.policies)]);
  if (hasErrors(all)) return { diagnostics: all, model: null, documentCount: loaded.documents.length };
  return { diagnostics: all, model: lower(spec.organization, spec.services), documentCount: loaded.documents.length };
}

/** Data the CLI reads for compile(): e.g. `docsTemplates`, an organisation's docs templates, and
 * `policies`, the policy packs; `targets`: generate only these (`build --only`), every target when
 * absent. Validation and the organisation-wide checks run in full either way. */
export type CompileOptions = GenerateOptions & ValidateOptions & { targets?: readonly string[]; cache?: GenerationCache };

/** The targets `--only` accepts: the generators' ids without their version (`prometheus/v1`). */
export const TARGETS: readonly string[] = GENERATORS.map((g) => targetOf(g.id));

function targetOf(id: string): string {
  return id.split("/")[0]!;
}

export function compile(sources: readonly SourceFile[], options: CompileOptions = {}): CompileResult {
  const { diagnostics, model, documentCount } = validate(sources, options);
  if (!model) return { diagnostics, model: null, files: null, documentCount };
  const generators = options.targets ? GENERATORS.filter((g) => options.targets!.includes(targetOf(g.id))) : GENERATORS;
  const problems = generators.flatMap((g) => g.check?.(model, options) ?? []);
  if (problems.length) return { diagnostics: sortDiagnostics([...diagnostics, ...problems]), model, files: null, documentCount };
  if (!options.cache) {
    const files = toFileSet(packageOutputs(generators.map((g) => g.generate(model, options))));
    return { diagnostics, model, files, documentCount };
  }
  const cache: GenerationCacheResult = { hits: 0, misses: 0, rejected: 0, version: options.cache.version, fresh: new Map(), used: new Set(), services: model.services.map((s) => ({ name: s.name, keys: [] })) };
  const digests = { organization: sha256(canonicalJson(model.organization)), services: model.services.map((s) => sha256(canonicalJson(s))) };
  const generated = packageOutputs(generators.map((g) => generateCached(g, model, options, options.cache!, cache, digests)));
  return { diagnostics, model, files: toFileSet(generated), digests: digestsOf(generated), documentCount, cache };
}

/** A target through the generation cache: each service's part from a verified entry, or computed
 * (and returned as a fresh entry); the cross-service part computed every time. */
function generateCached(g: Generator, model: Model, options: CompileOptions, input: GenerationCache, result: GenerationCacheResult, digests: { organization: string; services: string[] }): TargetOutput {
  if (!g.service || !g.assemble) return g.generate(model, options);
  const optionsKey = g.optionsKey?.(options) ?? "";
  const parts = model.services.map((service, i) => {
    const key = entryKey(input.version, g.id, optionsKey, digests.organization, digests.services[i]!);
    result.used.add(key);
    result.services[i]!.keys.push(key);
    const text = input.entries.get(key);
    if (text !== undefined) {
      const hit = decodeEntry(text, key, input.version);
      if (hit) {
        result.hits++;
        return hit;
      }
      result.rejected++;
    } else result.misses++;
    // hashed here, once: the entry's checksum and the output stage both use these digests
    const out = withDigests(g.service!(model.organization, service, options));
    result.fresh.set(key, out);
    return out;
  });
  return g.assemble(model, parts, options);
}
