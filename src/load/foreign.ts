/** Documents of the SLO formats `svcspec import` reads, recognised by their envelope: validate
 * names the format and the import to run instead of reporting a dozen unknown fields. */

export type ForeignFormat = "sloth" | "openslo";

export interface Foreign {
  format: ForeignFormat;
  /** What the document is, for messages: `a Sloth prometheus/v1 spec`. */
  what: string;
  /** The envelope field that names the format (where a diagnostic points). */
  key: "version" | "apiVersion";
}

export const SLOTH_VERSION = "prometheus/v1";
export const SLOTH_CRD_API = "sloth.slok.dev/v1";
export const SLOTH_CRD_KIND = "PrometheusServiceLevel";
export const OPENSLO_API = "openslo/v1";

/** Sloth's spec (`version: prometheus/v1`), Sloth's CRD (`sloth.slok.dev/v1`
 * PrometheusServiceLevel), or an OpenSLO v1 document (any kind); null for anything else. */
export function foreignFormat(value: unknown): Foreign | null {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  if (v["version"] === SLOTH_VERSION && v["apiVersion"] === undefined) return { format: "sloth", what: `a Sloth ${SLOTH_VERSION} spec`, key: "version" };
  if (v["apiVersion"] === SLOTH_CRD_API && v["kind"] === SLOTH_CRD_KIND) return { format: "sloth", what: `a Sloth ${SLOTH_CRD_KIND} (${SLOTH_CRD_API})`, key: "apiVersion" };
  if (typeof v["apiVersion"] === "string" && /^openslo\//.test(v["apiVersion"])) {
    const kind = typeof v["kind"] === "string" ? v["kind"] : "document";
    return { format: "openslo", what: `an OpenSLO ${v["apiVersion"]} ${kind}`, key: "apiVersion" };
  }
  return null;
}
