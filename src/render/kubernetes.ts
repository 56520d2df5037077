/** Kubernetes names, labels and selectors shared by every target that emits Kubernetes objects. */
import { createHash } from "node:crypto";
import type { ChaosExperiment, LoadScenario, Service } from "../model/model.js";

/** A DNS-1123 label of at most 63 characters: composed names that would be longer keep their first
 * 56 characters (without a trailing `-`) and get `-` plus the first 6 hex digits of the full
 * name's SHA-256, so they stay unique and deterministic. */
export function dnsName(name: string): string {
  if (name.length <= 63) return name;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 6);
  return `${name.slice(0, 56).replace(/-+$/, "")}-${hash}`;
}

export function commonLabels(service: Service): Record<string, string> {
  return { "app.kubernetes.io/managed-by": "svcspec", "svcspec.dev/service": service.name };
}

export function metadata(service: Service, name: string, extra: Record<string, string> = {}): { name: string; namespace: string; labels: Record<string, string> } {
  return { name: dnsName(name), namespace: service.namespace, labels: { ...commonLabels(service), ...extra } };
}

/** The selector of the service's workload, as Chaos Mesh selects pods. */
export function podSelector(service: Service): { namespaces: string[]; labelSelectors: Record<string, string> } {
  return { namespaces: [service.namespace], labelSelectors: Object.fromEntries(service.selector) };
}

/** The ConfigMaps of the k6 scripts: a load scenario's (its TestRun mounts it) and a chaos
 * experiment's run under load (its Workflow's k6 task mounts it at /scripts). */
export function k6LoadConfigMapName(service: Service, load: LoadScenario): string {
  return dnsName(`k6-${service.name}-${load.name}`);
}

export function k6ChaosConfigMapName(service: Service, x: ChaosExperiment): string {
  return dnsName(`k6-${service.name}-chaos-${x.name}`);
}

/** A k6 script's file name: its key in that ConfigMap, and its name under k6/<service>/. */
export function k6LoadScriptFile(load: LoadScenario): string {
  return `${load.name}.js`;
}

export function k6ChaosScriptFile(x: ChaosExperiment): string {
  return `chaos-${x.name}.js`;
}
