/** The pure pipeline: source files in, file set and diagnostics out. No disk, clock or
 * environment: the CLI and tests feed it and decide what to do with the result. */
import { type GenerateOptions, type Generator, GENERATORS } from "../generators/index.js";
import { type CachedService, canonicalJson, crossKey, decodeCross, decodeEntry, encodeCross, encodeEntry, entryKey, type GenerationCache, type GenerationCacheResult, manifestKey, type PackagedOutput, sha256, withDigests } from "./cache/generation.js";
import { type Diagnostic, hasErrors, sortDiagnostics } from "./diagnostics/diagnostic.js";
import { parseSources, type SourceFile, type SpecDocument } from "./load/source.js";
import { lower } from "./model/lower.js";
import type { Model, Service } from "./model/model.js";
import { digestOf, type FileSet, type FileSink, type GeneratedFile, isSafeRelative, toFileSet, withDigest } from "./output/fileset.js";
import { embeddedPaths, packageKustomizations, packageObjects } from "./package/index.js";
import { checkPolicies } from "./policy/evaluate.js";
import type { KustomizationRequest, PackagingRequest, TargetOutput } from "./package/request.js";
import type { PolicyPack } from "./policy/pack.js";
import { validateDocuments } from "./validate/index.js";
import { type ValidationCache, verdictMemo } from "./cache/validation.js";

export interface CompileResult {
  diagnostics: Diagnostic[];
  /** Null when the spec has errors: nothing is generated from an invalid spec. */
  model: Model | null;
  /** Null when the spec or a docs template override has errors. */
  files: FileSet | null;
  documentCount: number;
  /** What the generation cache did, when compile() was handed one and generated. */
  cache?: GenerationCacheResult;
  /** What the validation cache spared, when compile() was handed one. */
  validation?: ValidationCacheResult;
}

export type { FileSink } from "./output/fileset.js";

export interface StreamResult {
  diagnostics: Diagnostic[];
  model: Model | null;
  /** Whether every file was handed to the sink. */
  generated: boolean;
  /** How many files were (the manifest aside). */
  fileCount: number;
  documentCount: number;
  cache?: GenerationCacheResult;
  validation?: ValidationCacheResult;
}

export interface ValidateOptions {
  /** Policy packs compiled to wasm (the built-in one, an organisation's), as the CLI read them. */
  policies?: readonly PolicyPack[];
  /** What earlier runs found of clean files (src/cache/validation.ts): their values, their checks. */
  validation?: ValidationCache;
}

/** What the validation cache spared a run: files taken as parsed and shape-checked before, services whose own checks were skipped. */
export interface ValidationCacheResult {
  /** Spec files read, and of them taken as an earlier run parsed and shape-checked them. */
  sources: number;
  files: number;
  services: number;
  /** Documents a policy pack that reads no Service documents was not evaluated on again (per pack). */
  policies: number;
}

export function validate(sources: readonly SourceFile[], options: ValidateOptions = {}): { diagnostics: Diagnostic[]; model: Model | null; documentCount: number; validation?: ValidationCacheResult; inputs: () => ServiceInputs } {
  const memo = options.validation ? verdictMemo(options.validation) : undefined;
  const loaded = parseSources(sources, memo);
  const { spec, diagnostics } = validateDocuments(loaded.documents, memo);
  let all = sortDiagnostics([...loaded.diagnostics, ...diagnostics]);
  memo?.record(sources, loaded.documents, all);
  const done = (model: Model | null) => {
    memo?.finish();
    const inputs = model ? serviceInputs(loaded.documents) : () => new Map<string, string>();
    return { diagnostics: all, model, documentCount: loaded.documents.length, inputs, ...(memo ? { validation: { sources: sources.length, ...memo.known } } : {}) };
  };
  if (hasErrors(all)) return done(null);
  // Policies run here, on a spec that passed svcspec's own checks (a rule may rely on the schema and
  // on every reference resolving, as lower() does). The packs are data the CLI read and compiled;
  // evaluating their wasm reads nothing else, so compile() stays pure, `build` writes nothing over
  // a deny, and every caller gets one sorted list of diagnostics.
  if (options.policies?.length) all = sortDiagnostics([...all, ...checkPolicies(loaded.documents, options.policies, memo)]);
  if (hasErrors(all)) return done(null);
  return done(lower(spec.organization, spec.services));
}

/** Each service's input digest, by name: what its Model was lowered from. lowerService() reads
 * one Service document (the value document `index` of its file parses to, used as parsed: no
 * check changes it), the file's name and the lowered Organization, and nothing else (no other
 * service: test/lower-isolation.test.ts), so the document's file name, position and text fix the
 * service's Model under one Organization and one svcspec identity, which the generation cache's
 * keys hold besides. Hashing the text costs a fraction of the Model's canonical JSON. (An edit of
 * one document of a file of several makes all of its services miss: the output is the same.) */
export type ServiceInputs = ReadonlyMap<string, string>;

function serviceInputs(documents: readonly SpecDocument[]): () => ServiceInputs {
  // where each service came from, taken now (the documents' values need not outlive validation);
  // hashed only when asked for: by the generation cache's keys, never by validate alone
  const at = documents.flatMap((d) => {
    const v = d.value as { kind?: unknown; metadata?: { name?: unknown } };
    return v.kind === "Service" && typeof v.metadata?.name === "string" ? [{ name: v.metadata.name, source: d.source, index: d.index }] : [];
  });
  let known: Map<string, string> | undefined;
  return () => {
    if (known) return known;
    known = new Map();
    // each file's text hashed once, however many services it holds
    const texts = new Map<SourceFile, string>();
    for (const { name, source, index } of at) {
      let text = texts.get(source);
      // JSON.stringify: a lone surrogate stays itself (UTF-8 would turn every one into U+FFFD)
      if (text === undefined) texts.set(source, (text = sha256(JSON.stringify(source.text))));
      known.set(name, sha256(`svcspec-service-input\n${JSON.stringify(source.name)}\n${index}\n${text}`));
    }
    return known;
  };
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
  return collected((open) => compileInto(sources, options, open));
}

/** A streaming compile run (`compileInto` or the CLI's) into a sink that collects the file set:
 * what compile() returns. */
export function collected(run: (open: () => FileSink) => StreamResult): CompileResult {
  const files: GeneratedFile[] = [];
  const { generated, fileCount: _, ...result } = run(() => ({ add: (path, content) => void files.push({ path, content: content! }) }));
  return { ...result, files: generated ? toFileSet(files) : null };
}

/** compile(), handing each file to a sink as soon as its service is done instead of returning the
 * whole file set, so that memory holds one service's files at a time (and the files the
 * cross-service outputs embed). `open` is called once, when the spec is valid and nothing stands in
 * the way of generating, with the diagnostics so far (warnings); it returns the sink, or null to
 * generate nothing (e.g. `--strict` and a warning). */
export function compileInto(sources: readonly SourceFile[], options: CompileOptions, open: (diagnostics: readonly Diagnostic[]) => FileSink | null): StreamResult {
  const { diagnostics, model, documentCount, validation, inputs } = validate(sources, options);
  const none = { diagnostics, model, generated: false, fileCount: 0, documentCount, ...(validation ? { validation } : {}) };
  if (!model) return none;
  const generators = options.targets ? GENERATORS.filter((g) => options.targets!.includes(targetOf(g.id))) : GENERATORS;
  const problems = generators.flatMap((g) => g.check?.(model, options) ?? []);
  if (problems.length) return { ...none, diagnostics: sortDiagnostics([...diagnostics, ...problems]) };
  const sink = open(diagnostics);
  if (!sink) return none;
  const cache: GenerationCacheResult | undefined = options.cache ? { hits: 0, misses: 0, rejected: 0 } : undefined;
  const fileCount = generateInto(model, generators, options, sink, cache, inputs);
  return { diagnostics, model, generated: true, fileCount, documentCount, ...(cache ? { cache } : {}), ...(validation ? { validation } : {}) };
}

/** Every target's files and manifests to `sink`: service by service (in the cache's groups when
 * there is a cache: it stores each group when the group is done), each generator's output for the
 * service packaged at once (its object requests embed only its own files); then the whole-Model
 * targets and the cross-service parts, packaged with the per-service files they embed; the
 * kustomizations last, from every path. Memory holds the per-service files `assembleReads` names
 * (assemble reads them; the cross-service manifests may embed those alone). Returns how many files
 * it handed on. */
function generateInto(model: Model, generators: readonly Generator[], options: CompileOptions, sink: FileSink, stats: GenerationCacheResult | undefined, inputs: () => ServiceInputs): number {
  const seams = generators.filter((g) => g.service);
  const kept = new Map(seams.filter((g) => g.assemble).map((g) => [g, new Array<TargetOutput>(model.services.length)]));
  const reads = new Map([...kept.keys()].map((g) => [g, assembled(g)]));
  const paths = new Set<string>();
  const kustomizations: KustomizationRequest[] = [];
  const emit = (path: string, content: string | undefined, digest: string | undefined) => {
    if (paths.has(path)) throw new Error(`internal: two generators produce ${path}`);
    // a generator's bug, or a forged cache entry that got through: never a path outside the folder
    if (!isSafeRelative(path)) throw new Error(`internal: a generated path outside the output folder: ${JSON.stringify(path)}`);
    paths.add(path);
    sink.add(path, content, digest);
  };
  const digests = modelDigests(model, inputs);
  const serviceOf = serviceOutputs(model, seams, options, sink, stats, digests);
  const groups = options.cache?.groups(model.services.map((s) => s.name)) ?? [model.services.map((_, i) => i)];
  groups.forEach((group, g) => {
    const entries = options.cache?.entries(g);
    const done: CachedService[] = [];
    for (const i of group) {
      const { outputs, cached } = serviceOf(i, entries);
      if (cached) done.push(cached);
      seams.forEach((gen, j) => {
        const out = outputs[j]!;
        const keep = kept.get(gen);
        if (keep) keep[i] = { files: out.files.flatMap((f) => (f.content !== undefined && reads.get(gen)!(f.path) ? [f.sha256 ? withDigest({ path: f.path, content: f.content }, f.sha256) : { path: f.path, content: f.content }] : [])), packages: [] };
        for (const f of out.files) emit(f.path, f.content, f.sha256);
        kustomizations.push(...out.kustomizations);
      });
    }
    options.cache?.store(g, done);
  });
  const wholeModel = crossOutputs(model, options, sink, stats, digests);
  const whole = generators.filter((g) => !g.service).map((g) => wholeModel.take(g, [], () => g.generate(model, options)));
  const cross = [...whole, ...[...kept].map(([g, parts]) => wholeModel.take(g, parts, () => g.assemble!(model, parts, options)))];
  wholeModel.done();
  const files = cross.flatMap((o) => o.files);
  const requests = cross.flatMap((o) => o.packages);
  const held = new Map([...[...kept.values()].flatMap((parts) => parts.flatMap((p) => p.files)), ...files].map((f) => [f.path, f.content]));
  for (const f of files) emit(f.path, f.content, undefined);
  for (const f of crossManifests(requests, held, options.cache, sink, stats)) emit(f.path, f.content, f.sha256);
  kustomizations.push(...requests.filter((r): r is KustomizationRequest => r.kind === "Kustomization"));
  for (const f of packageKustomizations(kustomizations, paths)) emit(f.path, f.content, undefined);
  return paths.size;
}

/** The whole-Model outputs (a generator's `generate` without a seam, an `assemble`) through the
 * cache: each is a function of the Organization, the services, the options its generator's
 * optionsKey names and (an assemble) the per-service files it is handed, which its key holds (the
 * services as their input digests, by name, in the Model's order), so a build in which no service
 * and nothing else changed takes them from their entries instead of computing them again. */
function crossOutputs(
  model: Model,
  options: CompileOptions,
  sink: FileSink,
  stats: GenerationCacheResult | undefined,
  digests: ModelDigests,
): { take(g: Generator, parts: readonly TargetOutput[], make: () => TargetOutput): TargetOutput; done(): void } {
  const cache = options.cache;
  if (!cache?.crossOutputs || !sink.holds || !stats) return { take: (_g, _p, make) => make(), done: () => undefined };
  const known = cache.crossOutputs();
  const used = new Map<string, string>();
  let made = false;
  stats.crossTaken = 0;
  stats.crossComputed = 0;
  const { organization } = digests;
  const services = sha256(model.services.map((s) => `${s.name}\0${digests.service(s)}`).join("\n"));
  const take = (g: Generator, parts: readonly TargetOutput[], make: () => TargetOutput): TargetOutput => {
    const handed = parts.flatMap((p) => p.files.map((f) => [f.path, digestOf(f) ?? sha256(f.content)] as const));
    const key = crossKey(cache.version, g.id, g.optionsKey?.(options) ?? "", organization, services, handed);
    const text = known.get(key);
    const decoded = text === undefined ? null : decodeCross(text, key, cache.version);
    // as with a service's entry, the bytes are the output folder's: an entry is taken only when
    // the folder holds each of its files, and its requests embed only its own files or those handed
    const own = new Set([...(decoded?.files ?? []).map((f) => f.path), ...handed.map(([path]) => path)]);
    const taken = decoded && decoded.files.every((f) => sink.holds!(f.path, sha256(f.content))) && decoded.packages.every((r) => embeddedPaths(r).every((p) => own.has(p))) ? decoded : null;
    if (taken) {
      stats.crossTaken!++;
      used.set(key, text!);
      return taken;
    }
    stats.crossComputed!++;
    const out = make();
    const entry = encodeCross(key, cache.version, out);
    if (entry !== null) {
      used.set(key, entry);
      made = true;
    }
    return out;
  };
  return { take, done: () => cache.storeCrossOutputs?.(used, made) };
}

/** The digests the cache keys are made of, computed once per compile: the Organization's
 * canonical JSON and each service's input digest. */
interface ModelDigests {
  organization: string;
  service(s: Service): string;
}

function modelDigests(model: Model, inputs: () => ServiceInputs): ModelDigests {
  let organization: string | undefined;
  return {
    // lazily: a compile without a cache never needs it
    get organization() {
      return (organization ??= sha256(canonicalJson(model.organization)));
    },
    service(s) {
      const digest = inputs().get(s.name);
      if (digest === undefined) throw new Error(`internal: no input digest for service ${s.name}`);
      return digest;
    },
  };
}

/** The manifests of the cross-service object requests: each one the output folder holds under the
 * digest of a verified cache entry for its request and the digests of what it embeds is handed on
 * without its content (not rendered, nothing it embeds read); the others are rendered, and their
 * entries stored. */
function crossManifests(requests: readonly PackagingRequest[], contents: ReadonlyMap<string, string>, cache: GenerationCache | undefined, sink: FileSink, stats: GenerationCacheResult | undefined): OutFile[] {
  const objects = requests.filter((r) => r.kind !== "Kustomization");
  if (!cache?.manifests || !stats) return packageObjects(objects, contents).map((f) => ({ path: f.path, content: f.content, sha256: undefined }));
  const known = cache.manifests();
  const used = new Map<string, string>();
  stats.manifestsKept = 0;
  stats.manifestsRendered = 0;
  const out = objects.map((r): OutFile => {
    const key = manifestKey(cache.version, r, embeddedPaths(r).map((p) => [p, contents.has(p) ? sha256(contents.get(p)!) : "absent"] as const));
    const text = known.get(key);
    const entry = text === undefined ? null : decodeEntry(text, key, cache.version);
    const file = entry?.view.files.length === 1 && !entry.view.kustomizations.length && entry.view.files[0]!.path === r.path ? entry.view.files[0]! : null;
    if (file && sink.holds?.(file.path, file.sha256)) {
      stats.manifestsKept!++;
      used.set(key, text!);
      return { path: file.path, content: undefined, sha256: file.sha256 };
    }
    stats.manifestsRendered!++;
    const [made] = withDigests({ files: packageObjects([r], contents), kustomizations: [] }).files;
    used.set(key, encodeEntry(key, cache.version, { files: [made!], kustomizations: [] }));
    return { path: made!.path, content: made!.content, sha256: digestOf(made!) };
  });
  cache.storeManifests?.(used, stats.manifestsRendered > 0);
  return out;
}

/** A file as compile() hands it on: its content unless the sink holds it (then its digest). */
interface OutFile {
  path: string;
  content: string | undefined;
  sha256: string | undefined;
}

/** One generator's output for one service, its object requests packaged (they embed only its own files). */
function packaged(out: TargetOutput): PackagedOutput {
  const embedded = new Map(out.files.map((f) => [f.path, f.content]));
  return { files: [...out.files, ...packageObjects(out.packages, embedded)], kustomizations: out.packages.filter((r): r is KustomizationRequest => r.kind === "Kustomization") };
}

const asOut = (p: PackagedOutput): { files: OutFile[]; kustomizations: KustomizationRequest[] } => ({ files: p.files.map((f) => ({ path: f.path, content: f.content, sha256: digestOf(f) })), kustomizations: p.kustomizations });

/** One service's outputs of every seam generator, in their order: each from a verified entry of
 * the group's `entries` when the sink holds every file it names (the contents it keeps, those
 * assemble reads, are then the only ones in memory), else computed (and returned as a fresh entry
 * with the service's keys). */
function serviceOutputs(
  model: Model,
  seams: readonly Generator[],
  options: CompileOptions,
  sink: FileSink,
  stats: GenerationCacheResult | undefined,
  digests: ModelDigests,
): (i: number, entries: ReadonlyMap<string, string> | undefined) => { outputs: { files: OutFile[]; kustomizations: KustomizationRequest[] }[]; cached: CachedService | null } {
  const cache = options.cache;
  if (!cache || !stats) return (i) => ({ outputs: seams.map((g) => asOut(packaged(g.service!(model.organization, model.services[i]!, options)))), cached: null });
  const { organization } = digests;
  const optionsKeys = seams.map((g) => g.optionsKey?.(options) ?? "");
  const reads = seams.map(assembled);
  const fromEntry = (text: string, key: string, j: number): { files: OutFile[]; kustomizations: KustomizationRequest[] } | "rejected" | "absent" => {
    const entry = decodeEntry(text, key, cache.version);
    if (!entry) return "rejected";
    const { files, kustomizations } = entry.view;
    if (!sink.holds || !files.every((f) => sink.holds!(f.path, f.sha256))) return "absent";
    const kept = files.some((f) => reads[j]!(f.path)) ? entry.contents() : [];
    if (!kept || files.some((f, k) => reads[j]!(f.path) && typeof kept[k] !== "string")) return "rejected";
    return { files: files.map((f, k) => ({ path: f.path, content: kept[k] ?? undefined, sha256: f.sha256 })), kustomizations };
  };
  return (i, entries) => {
    const service = model.services[i]!;
    const digest = digests.service(service);
    const cached: CachedService = { name: service.name, keys: [], fresh: new Map() };
    const outputs = seams.map((g, j) => {
      const key = entryKey(cache.version, g.id, optionsKeys[j]!, organization, digest);
      cached.keys.push(key);
      const text = entries?.get(key);
      const taken = text === undefined ? "absent" : fromEntry(text, key, j);
      if (typeof taken === "object") {
        stats.hits++;
        return taken;
      }
      if (taken === "rejected") stats.rejected++;
      else stats.misses++;
      // hashed here, once: the entry's checksum and the output stage both use these digests
      const out = withDigests(packaged(g.service!(model.organization, service, options)));
      cached.fresh.set(key, encodeEntry(key, cache.version, out, reads[j]));
      return asOut(out);
    });
    return { outputs, cached };
  };
}

/** The per-service files a generator's assemble reads (none without assemble). */
function assembled(g: Generator): (path: string) => boolean {
  if (!g.assemble) return () => false;
  return g.assembleReads ?? (() => true);
}
