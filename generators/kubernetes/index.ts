/** kubernetes/<service>/: the Chaos Mesh object of each experiment, a k6-operator TestRun per load
 * scenario (its script's ConfigMap comes from the k6 target), the cache policy ConfigMap, and a
 * kustomization.yaml the packaging stage writes from whatever the folder holds. One object per
 * file, named `<kind in lower case>-<name>.yaml`; every object carries the common labels. */
import type { LoadScenario, Model, Organization, Service } from "../../src/model/model.js";
import type { GeneratedFile } from "../../src/output/fileset.js";
import { type ConfigMapRequest, joinOutputs, type TargetOutput } from "../../src/package/request.js";
import { withHeader } from "../../src/render/header.js";
import { toJson } from "../../src/render/json.js";
import { k6LoadConfigMapName, k6LoadScriptFile, metadata } from "../../src/render/kubernetes.js";
import { toYaml } from "../../src/render/yaml.js";
import { experimentObject } from "./chaos.js";

export function testRun(service: Service, load: LoadScenario): Record<string, unknown> {
  return {
    apiVersion: "k6.io/v1alpha1",
    kind: "TestRun",
    metadata: metadata(service, `${service.name}-${load.name}`, { "app.kubernetes.io/component": "k6", "svcspec.dev/scenario": load.name }),
    spec: { parallelism: load.parallelism, script: { configMap: { name: k6LoadConfigMapName(service, load), file: k6LoadScriptFile(load) } } },
  };
}

/** The cache policy as data for caches and proxies: routes with their Cache-Control, classes with
 * TTLs in seconds, and the events that invalidate the service's cached entries. */
export function cachePolicy(service: Service): ConfigMapRequest | null {
  const c = service.cache;
  if (!c) return null;
  const seconds = (ms: number | null) => (ms === null ? null : ms / 1000);
  const policy = {
    service: service.name,
    routes: c.routes.map((r) => ({ path: r.path, class: r.class, ttlSeconds: seconds(r.ttl), scope: r.scope, staleWhileRevalidateSeconds: seconds(r.staleWhileRevalidate), cacheControl: r.cacheControl })),
    classes: c.classes.map((k) => ({ name: k.name, ttlSeconds: seconds(k.ttl), staleWhileRevalidateSeconds: seconds(k.staleWhileRevalidate) })),
    invalidateOn: c.invalidateOn,
  };
  return {
    kind: "ConfigMap",
    path: `kubernetes/${service.name}/configmap-cache-policy.yaml`,
    sources: [service.file ?? ""],
    metadata: metadata(service, `${service.name}-cache-policy`, { "app.kubernetes.io/component": "cache-policy" }),
    data: [{ kind: "text", key: "cache-policy.json", text: toJson(policy) }],
  };
}

export function serviceObjects(service: Service): { file: string; object: Record<string, unknown> }[] {
  const out: { file: string; object: Record<string, unknown> }[] = [];
  for (const x of service.chaos) {
    const object = experimentObject(service, x);
    out.push({ file: `${String(object["kind"]).toLowerCase()}-${x.name}.yaml`, object });
  }
  for (const load of service.load) out.push({ file: `testrun-${load.name}.yaml`, object: testRun(service, load) });
  return out;
}

export function generateKubernetes(model: Model): TargetOutput {
  return joinOutputs(model.services.map((s) => kubernetesService(model.organization, s)));
}

/** One service's chaos and TestRun objects, cache policy and kustomization: a function of the service alone. */
export function kubernetesService(_organization: Organization, service: Service): TargetOutput {
  const out: TargetOutput = { files: [], packages: [] };
  const sources = [service.file ?? ""];
  const folder = `kubernetes/${service.name}`;
  const files: GeneratedFile[] = serviceObjects(service).map(({ file, object }) => ({ path: `${folder}/${file}`, content: withHeader("hash", sources, toYaml(object)) }));
  out.files.push(...files);
  const cache = cachePolicy(service);
  if (cache) out.packages.push(cache);
  out.packages.push({ kind: "Kustomization", folder, sources });
  return out;
}
