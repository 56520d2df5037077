/** kubernetes/<service>/: the Chaos Mesh object of each experiment, per load scenario a ConfigMap
 * with its k6 script and a k6-operator TestRun, the k6 scripts of experiments run under load, the
 * cache policy ConfigMap, and a kustomization.yaml listing every file of the folder (the
 * PrometheusRule written by the Prometheus generator included). One object per file, named
 * `<kind in lower case>-<name>.yaml`; every object carries the common labels. */
import type { LoadScenario, Model, Service } from "../../src/model/model.js";
import type { GeneratedFile } from "../../src/output/fileset.js";
import { withHeader } from "../../src/render/header.js";
import { toJson } from "../../src/render/json.js";
import { toYaml } from "../../src/render/yaml.js";
import { chaosScript, experimentsUnderLoad, loadScript } from "../k6/index.js";
import { hasRuleGroups } from "../prometheus/index.js";
import { chaosConfigMapName, experimentObject } from "./chaos.js";
import { dnsName, metadata } from "../../src/render/kubernetes.js";

export function loadConfigMapName(service: Service, load: LoadScenario): string {
  return dnsName(`k6-${service.name}-${load.name}`);
}

function scriptConfigMap(service: Service, name: string, file: string, script: string, extra: Record<string, string>): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: metadata(service, name, { "app.kubernetes.io/component": "k6", ...extra }),
    // The file's own header names the source; the script inside carries none, so moving a spec
    // file changes only the first line of each output.
    data: { [file]: script },
  };
}

export function testRun(service: Service, load: LoadScenario): Record<string, unknown> {
  return {
    apiVersion: "k6.io/v1alpha1",
    kind: "TestRun",
    metadata: metadata(service, `${service.name}-${load.name}`, { "app.kubernetes.io/component": "k6", "svcspec.dev/scenario": load.name }),
    spec: { parallelism: load.parallelism, script: { configMap: { name: loadConfigMapName(service, load), file: `${load.name}.js` } } },
  };
}

/** The cache policy as data for caches and proxies: routes with their Cache-Control, classes with
 * TTLs in seconds, and the events that invalidate the service's cached entries. */
export function cachePolicy(service: Service): Record<string, unknown> | null {
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
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: metadata(service, `${service.name}-cache-policy`, { "app.kubernetes.io/component": "cache-policy" }),
    data: { "cache-policy.json": toJson(policy) },
  };
}

export function serviceObjects(service: Service): { file: string; object: Record<string, unknown> }[] {
  const out: { file: string; object: Record<string, unknown> }[] = [];
  for (const x of service.chaos) {
    const object = experimentObject(service, x);
    out.push({ file: `${String(object["kind"]).toLowerCase()}-${x.name}.yaml`, object });
  }
  for (const { experiment, load } of experimentsUnderLoad(service)) {
    const file = `chaos-${experiment.name}.js`;
    out.push({
      file: `configmap-k6-chaos-${experiment.name}.yaml`,
      object: scriptConfigMap(service, chaosConfigMapName(service, experiment), file, chaosScript(service, experiment, load), { "svcspec.dev/experiment": experiment.name }),
    });
  }
  for (const load of service.load) {
    out.push({
      file: `configmap-k6-${load.name}.yaml`,
      object: scriptConfigMap(service, loadConfigMapName(service, load), `${load.name}.js`, loadScript(service, load), { "svcspec.dev/scenario": load.name }),
    });
    out.push({ file: `testrun-${load.name}.yaml`, object: testRun(service, load) });
  }
  const cache = cachePolicy(service);
  if (cache) out.push({ file: "configmap-cache-policy.yaml", object: cache });
  return out;
}

export function generateKubernetes(model: Model): GeneratedFile[] {
  return model.services.flatMap((service) => {
    const header = (body: string) => withHeader("hash", [service.file ?? ""], body);
    const objects = serviceObjects(service);
    const files: GeneratedFile[] = objects.map(({ file, object }) => ({ path: `kubernetes/${service.name}/${file}`, content: header(toYaml(object)) }));
    // The Prometheus generator writes prometheusrule.yaml for the same services it writes rules for.
    const resources = [...objects.map((o) => o.file), ...(hasRuleGroups(service) ? ["prometheusrule.yaml"] : [])].sort();
    if (!resources.length) return [];
    files.push({
      path: `kubernetes/${service.name}/kustomization.yaml`,
      content: header(toYaml({ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources })),
    });
    return files;
  });
}
