/** The packaging stage, run by compile() after every target: the targets' files pass through,
 * and each request becomes one manifest (ConfigMaps, a Secret, a PrometheusRule) or a
 * kustomization.yaml listing the files the compile writes in its folder. Pure: files in, files out. */
import type { GeneratedFile } from "../output/fileset.js";
import { withHeader, withoutHeader } from "../render/header.js";
import { toYaml } from "../render/yaml.js";
import type { CommentLine, ConfigMapRequest, DataEntry, KustomizationRequest, ObjectMeta, PackagingRequest, PrometheusRuleRequest, SecretRequest, TargetOutput } from "./request.js";

/** Below the 1 MiB limit of a ConfigMap, leaving room for metadata and YAML quoting. */
const CONFIGMAP_BYTES = 900_000;

type ObjectRequest = Exclude<PackagingRequest, KustomizationRequest>;
type Contents = ReadonlyMap<string, string>;

/** Every target's files and the manifests their requests ask for. */
export function packageOutputs(outputs: readonly TargetOutput[]): GeneratedFile[] {
  const files = outputs.flatMap((o) => o.files);
  const requests = outputs.flatMap((o) => o.packages);
  const written = [...files, ...packageObjects(requests, new Map(files.map((f) => [f.path, f.content])))];
  return [...written, ...packageKustomizations(requests, written.map((f) => f.path))];
}

/** The manifests of the object requests among `requests` (ConfigMaps, Secrets, PrometheusRules),
 * from `contents`, the files they embed by path; kustomizations are left to packageKustomizations.
 * compile() calls this once per service and once for the cross-service outputs. */
export function packageObjects(requests: readonly PackagingRequest[], contents: Contents): GeneratedFile[] {
  return requests.filter((r): r is ObjectRequest => r.kind !== "Kustomization").map((r) => manifest(r, contents));
}

/** The kustomization.yaml of each Kustomization request among `requests`, listing what `paths`
 * (every file the compile writes, manifests included) put in its folder. */
export function packageKustomizations(requests: readonly PackagingRequest[], paths: Iterable<string>): GeneratedFile[] {
  const kustomizations = requests.filter((r): r is KustomizationRequest => r.kind === "Kustomization");
  if (!kustomizations.length) return [];
  const byFolder = filesByFolder(paths);
  return kustomizations.flatMap((r) => kustomization(r, byFolder.get(r.folder) ?? []));
}

/** The files a request embeds, by path (what its manifest reads; the cache keys it on their digests). */
export function embeddedPaths(r: PackagingRequest): string[] {
  switch (r.kind) {
    case "ConfigMap":
      return r.data.flatMap((e) => (e.kind === "file" ? [e.path] : []));
    case "Secret":
      return r.stringData.flatMap((e) => (e.kind === "file" ? [e.path] : []));
    case "PrometheusRule":
      return r.specFile === undefined ? [] : [r.specFile];
    case "Kustomization":
      return [];
  }
}

function manifest(r: ObjectRequest, contents: Contents): GeneratedFile {
  switch (r.kind) {
    case "ConfigMap":
      return configMaps(r, contents);
    case "Secret":
      return secret(r, contents);
    case "PrometheusRule":
      return prometheusRule(r, contents);
    default: {
      const never: never = r;
      throw new Error(`internal: unknown packaging request ${JSON.stringify(never)}`);
    }
  }
}

function entryText(entry: DataEntry, contents: Contents): string {
  if (entry.kind === "text") return entry.text;
  const content = contents.get(entry.path);
  if (content === undefined) throw new Error(`internal: packaging asks for ${entry.path}, which no target writes`);
  return withoutHeader(content);
}

function metadata(meta: ObjectMeta, name = meta.name): Record<string, unknown> {
  return { name, namespace: meta.namespace, labels: { ...meta.labels }, ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}) };
}

function configMaps(r: ConfigMapRequest, contents: Contents): GeneratedFile {
  const entries = r.data.map((e) => [e.key, entryText(e, contents)] as const);
  const parts = r.overflow === "split" ? chunks(entries, CONFIGMAP_BYTES) : [entries];
  const names = parts.map((_, i) => (i === 0 ? r.metadata.name : `${r.metadata.name}-${i + 1}`));
  const docs = parts.map((part, i) => toYaml({ apiVersion: "v1", kind: "ConfigMap", metadata: metadata(r.metadata, names[i]), data: Object.fromEntries(part) }));
  return { path: r.path, content: withHeader("hash", r.sources, comment(r.comment ?? [], names) + docs.join("---\n")) };
}

/** Entries in order, a new part whenever the next would take the current one over `limit` bytes. */
function chunks<T extends readonly [string, string]>(entries: readonly T[], limit: number): T[][] {
  const out: T[][] = [[]];
  let size = 0;
  for (const entry of entries) {
    const bytes = Buffer.byteLength(entry[0]) + Buffer.byteLength(entry[1]);
    if (size + bytes > limit && out[out.length - 1]!.length) {
      out.push([]);
      size = 0;
    }
    out[out.length - 1]!.push(entry);
    size += bytes;
  }
  return out;
}

function comment(lines: readonly CommentLine[], names: readonly string[]): string {
  const text = lines.flatMap((l) => (typeof l === "string" ? [l] : names.map((n) => l.perObject.replaceAll("{name}", n))));
  return text.map((l) => (l ? `# ${l}\n` : "#\n")).join("");
}

function secret(r: SecretRequest, contents: Contents): GeneratedFile {
  const stringData = Object.fromEntries(r.stringData.map((e) => [e.key, entryText(e, contents)]));
  return { path: r.path, content: withHeader("hash", r.sources, toYaml({ apiVersion: "v1", kind: "Secret", metadata: metadata(r.metadata), type: "Opaque", stringData })) };
}

function prometheusRule(r: PrometheusRuleRequest, contents: Contents): GeneratedFile {
  const head = { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: metadata(r.metadata) };
  if (r.specFile === undefined) return { path: r.path, content: withHeader("hash", r.sources, toYaml({ ...head, spec: r.spec })) };
  // The rule file's YAML nested one level: what toYaml writes for a value under a key is its
  // top-level text indented by two spaces (no folding, block styles keep their indicators; empty
  // lines of a literal block stay empty), so the groups are rendered once, not twice.
  const body = entryText({ kind: "file", key: "spec", path: r.specFile }, contents);
  return { path: r.path, content: withHeader("hash", r.sources, `${toYaml(head)}spec:\n${body.replace(/^(?=[^\n])/gm, "  ")}`) };
}

/** File names by the folder that holds them directly (once, not once per kustomization). */
function filesByFolder(paths: Iterable<string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const path of paths) {
    const slash = path.lastIndexOf("/");
    const folder = path.slice(0, Math.max(slash, 0));
    const names = out.get(folder) ?? [];
    names.push(path.slice(slash + 1));
    out.set(folder, names);
  }
  return out;
}

/** The kustomization of a folder lists what is there, whichever target wrote it. */
function kustomization(r: KustomizationRequest, names: readonly string[]): GeneratedFile[] {
  const self = `${r.folder}/kustomization.yaml`;
  const resources = names.filter((n) => n !== "kustomization.yaml").sort();
  if (!resources.length) return [];
  return [{ path: self, content: withHeader("hash", r.sources, toYaml({ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources })) }];
}
