/** Names, labels and durations shared by the Kubernetes and k6 generators. */
import { createHash } from "node:crypto";
import type { Millis } from "../../src/model/duration.js";
import type { Service } from "../../src/model/model.js";

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

/** Go duration text (what Chaos Mesh and k6 parse): hours at most, no days or weeks. */
export function goDuration(ms: Millis): string {
  if (ms === 0) return "0s";
  let rest = ms;
  let out = "";
  for (const [unit, size] of [["h", 3_600_000], ["m", 60_000], ["s", 1_000], ["ms", 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

/** The selector of the service's workload, as Chaos Mesh selects pods. */
export function podSelector(service: Service): { namespaces: string[]; labelSelectors: Record<string, string> } {
  return { namespaces: [service.namespace], labelSelectors: Object.fromEntries(service.selector) };
}
