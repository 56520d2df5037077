/** Names of the platform objects that several outputs refer to: the Fluent Bit script and its
 * ConfigMap, the HMAC key's Secret and environment variable, the Alertmanager config Secret and
 * the OPA policies ConfigMap. One place, so the docs and the manifests can never disagree. Their
 * namespaces are the Organization's (`platform.namespaces`, Model.organization.platform). */
import { createHash } from "node:crypto";

/** Fluent Bit: the redaction script, its callback, and the ConfigMap that carries it. */
export const LUA_SCRIPT = "redact.lua";
export const LUA_CALL = "cb_redact";
/** The parsers file of the classic configs (the multiline parser that joins private keys). */
export const FLUENT_BIT_PARSERS = "svcspec-parsers.conf";
export const FLUENT_BIT_CONFIGMAP = "fluent-bit-svcspec";
/** The environment variable redact.lua reads the `hash` key from. */
export const HMAC_ENV = "SVCSPEC_PII_HMAC_KEY";
/** The Secret (created by the user, never generated) and its key that hold the HMAC key. */
export const HMAC_SECRET_NAME = "fluent-bit-svcspec-pii";
export const HMAC_SECRET_KEY = "hmac-key";
/** Creating the Secret (in the logging namespace) from a file: the key never appears on a command
 * line or in the output. */
export function hmacSecretCommands(namespace: string): string[] {
  return [
    `openssl rand -hex 32 | tr -d '\\n' > ${HMAC_SECRET_KEY}`,
    `kubectl create secret generic ${HMAC_SECRET_NAME} -n ${namespace} --from-file=${HMAC_SECRET_KEY}=${HMAC_SECRET_KEY}`,
  ];
}

/** Alertmanager: the Secret prometheus-operator reads the config from. */
export const ALERTMANAGER_SECRET = "alertmanager-svcspec";

/** OPA: the policies ConfigMap for a sidecar, and where it is mounted. */
export const OPA_CONFIGMAP = "svcspec-opa-policies";
export const OPA_POLICIES_MOUNT = "/policies";

/** Fluent Bit: the log-level policy's script and callback, the filter after the redaction. */
export const LEVELS_SCRIPT = "levels.lua";
export const LEVELS_CALL = "cb_levels";

/** Grafana: a service's dashboard (out/grafana/<service>.json) and its uid, `svcspec-<service>`,
 * or a digest of the name where that is longer than the 40 characters Grafana allows. The
 * services with one: those with an SLO or a cache hit-ratio objective. */
export const GRAFANA_UID_MAX = 40;
export function dashboardUid(service: string): string {
  const uid = `svcspec-${service}`;
  return uid.length <= GRAFANA_UID_MAX ? uid : `svcspec-${createHash("sha256").update(service).digest("hex").slice(0, 24)}`;
}
export const dashboardPath = (service: string): string => `grafana/${service}.json`;
export function hasDashboard(service: { slos: readonly unknown[]; cache: { hitRatio: unknown } | null }): boolean {
  return service.slos.length > 0 || (service.cache?.hitRatio ?? null) !== null;
}
