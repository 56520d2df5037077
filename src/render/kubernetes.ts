/** Kubernetes names, labels and selectors shared by every target that emits Kubernetes objects. */
import { createHash } from "node:crypto";
import type { Service } from "../model/model.js";

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

export function metadata(service: Service, name: string, extra: Record<string, string> = {}): Record<string, unknown> {
  return { name: dnsName(name), namespace: service.namespace, labels: { ...commonLabels(service), ...extra } };
}

/** The selector of the service's workload, as Chaos Mesh selects pods. */
export function podSelector(service: Service): { namespaces: string[]; labelSelectors: Record<string, string> } {
  return { namespaces: [service.namespace], labelSelectors: Object.fromEntries(service.selector) };
}
