/** What a target hands the packaging stage: its native files, and requests (plain data) for the
 * Kubernetes objects that carry them. The target decides what goes where (names, keys, labels);
 * the stage owns the object shapes, the 1 MiB split, the YAML, the headers and the
 * kustomizations, so no target needs another target's code to be deployed. */
import type { GeneratedFile } from "../output/fileset.js";

export interface TargetOutput {
  files: GeneratedFile[];
  packages: PackagingRequest[];
}

/** Parts of one target's output (e.g. one per service, in the Model's order) as one output. */
export function joinOutputs(parts: readonly TargetOutput[]): TargetOutput {
  return { files: parts.flatMap((p) => p.files), packages: parts.flatMap((p) => p.packages) };
}

export type PackagingRequest = ConfigMapRequest | SecretRequest | PrometheusRuleRequest | KustomizationRequest;

/** The metadata of a packaged object, as it is written. */
export interface ObjectMeta {
  name: string;
  namespace: string;
  labels: Readonly<Record<string, string>>;
  annotations?: Readonly<Record<string, string>>;
}

/** One key of a ConfigMap's data or a Secret's stringData: a file of the same compile, carried
 * without its header line (the manifest's own header names the sources, and a second copy
 * inside would change whenever spec files are renamed), or a text the target built. */
export type DataEntry = { kind: "file"; key: string; path: string } | { kind: "text"; key: string; text: string };

/** A comment line above the objects of a manifest (written after `# `). A `perObject` line is
 * repeated for every object the request became, with `{name}` replaced by the object's name. */
export type CommentLine = string | { perObject: string };

interface Manifest {
  /** Where the manifest goes, e.g. `kubernetes/platform/fluent-bit.configmap.yaml`. */
  path: string;
  /** The spec files the header names. */
  sources: readonly string[];
}

export interface ConfigMapRequest extends Manifest {
  kind: "ConfigMap";
  metadata: ObjectMeta;
  data: readonly DataEntry[];
  /** `split`: spread the keys, in order, over as many ConfigMaps as the 1 MiB limit needs, named
   * `<name>`, `<name>-2`, ..., all in this one manifest. Without it, one ConfigMap. */
  overflow?: "split";
  comment?: readonly CommentLine[];
}

export interface SecretRequest extends Manifest {
  kind: "Secret";
  metadata: ObjectMeta;
  stringData: readonly DataEntry[];
}

/** prometheus-operator's PrometheusRule: `spec` is the rule file's content ({ groups }), given as
 * the object or, rendered once, as `specFile`: the path of a YAML file of the same compile whose
 * body (without its header) is that object's YAML, nested under `spec:` as it stands. */
export type PrometheusRuleRequest = Manifest & { kind: "PrometheusRule"; metadata: ObjectMeta } & ({ spec: unknown; specFile?: never } | { specFile: string; spec?: never });

/** `<folder>/kustomization.yaml` listing every file the compile writes directly in the folder
 * (none: no kustomization). */
export interface KustomizationRequest {
  kind: "Kustomization";
  folder: string;
  sources: readonly string[];
}
