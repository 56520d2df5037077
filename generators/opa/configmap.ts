/** kubernetes/platform/opa-bundle.configmap.yaml: the policies and their data as ConfigMaps for an
 * OPA sidecar or server that loads them from a mounted folder.
 *
 * A ConfigMap key cannot hold a slash, so the bundle's folders cannot be kept; instead every data
 * file carries its full path from the data root ({"svcspec": {"services": {<id>: ...}}}), which
 * OPA merges when it loads a folder, and every Rego file declares its package anyway. Kubernetes
 * mounts ConfigMaps through `..data` symlinks and a hidden timestamped folder, which OPA would load
 * a second time; `--ignore='..*'` skips them (opa#782, opa#1109). Large organisations outgrow the
 * 1 MiB ConfigMap limit, so the packaging stage splits the files over as many ConfigMaps as
 * needed (svcspec-opa-policies, -2, ...), all mounted into one folder with a projected volume.
 *
 * The ConfigMap also carries OPA's configuration (OPA_CONFIG_KEY): decision logs to the console,
 * masked by the bundle's system.log policy. OPA reads it with --config-file and is told to skip it
 * when it loads the folder (else it would be data). */
import type { Model } from "../../src/model/model.js";
import type { GeneratedFile } from "../../src/output/fileset.js";
import type { CommentLine, ConfigMapRequest, DataEntry } from "../../src/package/request.js";
import { OPA_CONFIGMAP, OPA_POLICIES_MOUNT } from "../../src/model/platform.js";
import { toJson } from "../../src/render/json.js";

export const OPA_CONFIGMAP_PATH = "kubernetes/platform/opa-bundle.configmap.yaml";
/** OPA's configuration for a server of the bundle (`--config-file`), and its key in the ConfigMap. */
export const OPA_CONFIG_PATH = "opa-server/config.yaml";
export const OPA_CONFIG_KEY = "opa-config.yaml";

/** The arguments of the OPA container that loads the mounted ConfigMaps (the address varies). */
export function opaServerArgs(addr: string, folder = OPA_POLICIES_MOUNT): string[] {
  return ["run", "--server", `--addr=${addr}`, `--config-file=${folder}/${OPA_CONFIG_KEY}`, "--ignore=..*", `--ignore=${OPA_CONFIG_KEY}`, folder];
}

/** The arguments of an OPA server of the bundle built from out/opa (`svcspec bundle`). */
export function opaBundleServerArgs(addr: string, bundle: string, config = OPA_CONFIG_PATH): string[] {
  return ["run", "--server", `--addr=${addr}`, `--config-file=${config}`, "--bundle", bundle];
}

/** OPA's configuration: every decision is logged to the console (stdout, one JSON line each, with
 * its input and result), after the bundle's system.log.mask has masked the PII in it. */
export function opaConfig(): string {
  return [
    "# Serve the bundle with decision logs: svcspec bundle, then",
    `#   opa ${opaBundleServerArgs("127.0.0.1:8181", "build/opa/bundle.tar.gz", `out/${OPA_CONFIG_PATH}`).join(" ")}`,
    "# (the sidecar reads the same settings from the policies ConfigMap's opa-config.yaml).",
    "# Each decision is one console line (msg: Decision Log) with its input masked by system.log.",
    "decision_logs:",
    "  console: true",
    "",
  ].join("\n");
}

/** Nests a value under a dotted data path: ["svcspec", "deploy"] + v -> {svcspec: {deploy: v}}. */
function nest(path: readonly string[], value: unknown): unknown {
  return path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value);
}

/** The bundle files (as generateOpa returns them) as ConfigMap keys: a policy as it is (the
 * stage drops its header), a data file nested under its full path. */
export function flattenBundle(files: readonly GeneratedFile[]): DataEntry[] {
  const out: DataEntry[] = [];
  for (const f of files) {
    const m = /^opa\/(.+)\/(policy\.rego|data\.json)$/.exec(f.path);
    if (!m) continue;
    const dir = (m[1] ?? "").split("/");
    if (m[2] === "policy.rego") out.push({ kind: "file", key: `${dir.join(".")}.rego`, path: f.path });
    else out.push({ kind: "text", key: `${dir.join(".")}.data.json`, text: toJson(nest(dir, JSON.parse(f.content))) });
  }
  if (files.some((f) => f.path === OPA_CONFIG_PATH)) out.push({ kind: "file", key: OPA_CONFIG_KEY, path: OPA_CONFIG_PATH });
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** How to mount the ConfigMaps, above them in the manifest; one projected source per ConfigMap. */
function usage(): CommentLine[] {
  return [
    "OPA loads these as a folder (not with --bundle: a ConfigMap cannot hold the bundle's folders).",
    "In the OPA container of the pod:",
    `  args: ${JSON.stringify(opaServerArgs("127.0.0.1:8181")).replace(/,/g, ", ")}`,
    `  volumeMounts: [{ name: svcspec-opa-policies, mountPath: ${OPA_POLICIES_MOUNT}, readOnly: true }]`,
    "and in the pod:",
    "  volumes:",
    "    - name: svcspec-opa-policies",
    "      projected:",
    "        sources:",
    { perObject: "        - configMap: { name: {name} }" },
    `OPA reads its configuration (decision logs to the console, masked by system.log) from ${OPA_CONFIG_KEY}.`,
    "Decisions: POST /v1/data/svcspec/services/<service_id>/authz/decision and",
    "POST /v1/data/svcspec/deploy/decision. For a bundle server, use out/opa with `opa build -b`.",
  ];
}

export function opaConfigMap(model: Model, revision: string, bundle: readonly GeneratedFile[]): ConfigMapRequest {
  return {
    kind: "ConfigMap",
    path: OPA_CONFIGMAP_PATH,
    sources: [model.organization.file ?? "", ...model.services.filter((s) => s.access).map((s) => s.file ?? "")].filter(Boolean),
    metadata: {
      name: OPA_CONFIGMAP,
      namespace: model.organization.platform.namespaces.opa,
      labels: { "app.kubernetes.io/managed-by": "svcspec", "app.kubernetes.io/component": "opa-policies" },
      annotations: { "svcspec.dev/revision": revision },
    },
    data: flattenBundle(bundle),
    // Large organisations outgrow the 1 MiB limit: the stage splits, the projected volume joins.
    overflow: "split",
    comment: usage(),
  };
}
