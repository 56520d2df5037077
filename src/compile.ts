/** The pure pipeline: source files in, file set and diagnostics out. No disk, clock or
 * environment: the CLI and tests feed it and decide what to do with the result. */
import { type GenerateOptions, type Generator, GENERATORS } from "../generators/index.js";
import { type CachedService, canonicalJson, decodeEntry, entryKey, type GenerationCache, type GenerationCacheResult, sha256, withDigests } from "./cache/generation.js";
import { type Diagnostic, hasErrors, sortDiagnostics } from "./diagnostics/diagnostic.js";
import { parseSources, type SourceFile } from "./load/source.js";
import { lower } from "./model/lower.js";
import type { Model } from "./model/model.js";
import { type FileSet, type GeneratedFile, toFileSet } from "./output/fileset.js";
import { packageKustomizations, packageObjects } from "./package/index.js";
import { checkPolicies } from "./policy/evaluate.js";
import type { PackagingRequest, TargetOutput } from "./package/request.js";
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
}

/** Where compileInto() hands each generated file, once, in no fixed order; a file may carry its
 * SHA-256 (`digestOf`, when the generation cache worked it out). It may throw: compileInto stops. */
export type FileSink = (file: GeneratedFile) => void;

export interface StreamResult {
  diagnostics: Diagnostic[];
  model: Model | null;
  /** Whether every file was handed to the sink. */
  generated: boolean;
  /** How many files were (the manifest aside). */
  fileCount: number;
  documentCount: number;
  cache?: GenerationCacheResult;
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
  const files: GeneratedFile[] = [];
  const { generated, fileCount: _, ...result } = compileInto(sources, options, () => (f) => files.push(f));
  return { ...result, files: generated ? toFileSet(files) : null };
}

/** compile(), handing each file to a sink as soon as its service is done instead of returning the
 * whole file set, so that memory holds one service's files at a time (and the files the
 * cross-service outputs embed). `open` is called once, when the spec is valid and nothing stands in
 * the way of generating, with the diagnostics so far (warnings); it returns the sink, or null to
 * generate nothing (e.g. `--strict` and a warning). */
export function compileInto(sources: readonly SourceFile[], options: CompileOptions, open: (diagnostics: readonly Diagnostic[]) => FileSink | null): StreamResult {
  const { diagnostics, model, documentCount } = validate(sources, options);
  const none = { diagnostics, model, generated: false, fileCount: 0, documentCount };
  if (!model) return none;
  const generators = options.targets ? GENERATORS.filter((g) => options.targets!.includes(targetOf(g.id))) : GENERATORS;
  const problems = generators.flatMap((g) => g.check?.(model, options) ?? []);
  if (problems.length) return { ...none, diagnostics: sortDiagnostics([...diagnostics, ...problems]) };
  const sink = open(diagnostics);
  if (!sink) return none;
  const cache: GenerationCacheResult | undefined = options.cache ? { hits: 0, misses: 0, rejected: 0 } : undefined;
  const fileCount = generateInto(model, generators, options, sink, cache);
  return { diagnostics, model, generated: true, fileCount, documentCount, ...(cache ? { cache } : {}) };
}

/** Every target's files and manifests to `sink`: service by service (in the cache's groups when
 * there is a cache: it stores each group when the group is done), each service's outputs of every
 * target packaged together; then the whole-Model targets and the cross-service parts, packaged with
 * the per-service files they embed (kept for them: `assembleReads`); the kustomizations last, from
 * every path. Returns how many files it handed on. */
function generateInto(model: Model, generators: readonly Generator[], options: CompileOptions, sink: FileSink, stats: GenerationCacheResult | undefined): number {
  const seams = generators.filter((g) => g.service);
  const kept = new Map(seams.filter((g) => g.assemble).map((g) => [g, new Array<TargetOutput>(model.services.length)]));
  const paths = new Set<string>();
  const kustomizations: PackagingRequest[] = [];
  const emit = (f: GeneratedFile) => {
    if (paths.has(f.path)) throw new Error(`internal: two generators produce ${f.path}`);
    paths.add(f.path);
    sink(f);
  };
  const emitPackaged = (outputs: readonly TargetOutput[], embedded: readonly GeneratedFile[] = []) => {
    const files = outputs.flatMap((o) => o.files);
    const requests = outputs.flatMap((o) => o.packages);
    files.forEach(emit);
    packageObjects(requests, new Map([...embedded, ...files].map((f) => [f.path, f.content]))).forEach(emit);
    kustomizations.push(...requests.filter((r) => r.kind === "Kustomization"));
  };
  const serviceOf = serviceOutputs(model, seams, options, stats);
  const groups = options.cache?.groups(model.services.map((s) => s.name)) ?? [model.services.map((_, i) => i)];
  groups.forEach((group, g) => {
    const entries = options.cache?.entries(g);
    const done: CachedService[] = [];
    for (const i of group) {
      const { outputs, cached } = serviceOf(i, entries);
      if (cached) done.push(cached);
      seams.forEach((gen, j) => {
        const keep = kept.get(gen);
        if (keep) keep[i] = gen.assembleReads ? { files: outputs[j]!.files.filter((f) => gen.assembleReads!(f.path)), packages: [] } : outputs[j]!;
      });
      emitPackaged(outputs);
    }
    options.cache?.store(g, done);
  });
  const whole = generators.filter((g) => !g.service).map((g) => g.generate(model, options));
  const assembled = [...kept].map(([g, parts]) => g.assemble!(model, parts, options));
  emitPackaged([...whole, ...assembled], [...kept.values()].flatMap((parts) => parts.flatMap((p) => p.files)));
  packageKustomizations(kustomizations, paths).forEach(emit);
  return paths.size;
}

/** One service's outputs of every seam generator, in their order: each from a verified entry of
 * the group's `entries`, or computed (and returned as a fresh entry with the service's keys). */
function serviceOutputs(model: Model, seams: readonly Generator[], options: CompileOptions, stats: GenerationCacheResult | undefined): (i: number, entries: ReadonlyMap<string, string> | undefined) => { outputs: TargetOutput[]; cached: CachedService | null } {
  const cache = options.cache;
  if (!cache || !stats) return (i) => ({ outputs: seams.map((g) => g.service!(model.organization, model.services[i]!, options)), cached: null });
  const organization = sha256(canonicalJson(model.organization));
  const optionsKeys = seams.map((g) => g.optionsKey?.(options) ?? "");
  return (i, entries) => {
    const service = model.services[i]!;
    const digest = sha256(canonicalJson(service));
    const cached: CachedService = { name: service.name, keys: [], fresh: new Map() };
    const outputs = seams.map((g, j) => {
      const key = entryKey(cache.version, g.id, optionsKeys[j]!, organization, digest);
      cached.keys.push(key);
      const text = entries?.get(key);
      if (text !== undefined) {
        const hit = decodeEntry(text, key, cache.version);
        if (hit) {
          stats.hits++;
          return hit;
        }
        stats.rejected++;
      } else stats.misses++;
      // hashed here, once: the entry's checksum and the output stage both use these digests
      const out = withDigests(g.service!(model.organization, service, options));
      cached.fresh.set(key, out);
      return out;
    });
    return { outputs, cached };
  };
}
