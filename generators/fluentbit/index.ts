/** fluent-bit/redact.lua (one fail-closed Lua filter for every service), the YAML and classic
 * configs that run it after the `kubernetes` filter, and the ConfigMap in the shape the official
 * Helm chart mounts. The HMAC key for `hash` is never in the config: Fluent Bit reads it from the
 * SVCSPEC_PII_HMAC_KEY environment variable, fed by a Kubernetes Secret. */
import type { Model } from "../../src/model/model.js";
import type { GeneratedFile } from "../../src/output/fileset.js";
import { type Policy, policies } from "../../src/pii/policy.js";
import { withHeader } from "../../src/render/header.js";
import { luaString } from "../../src/render/lua.js";
import { toYaml } from "../../src/render/yaml.js";
import { LUA_RUNTIME } from "./runtime.js";

export const LUA_CALL = "cb_redact";
export const LUA_SCRIPT = "redact.lua";
export const HMAC_ENV = "SVCSPEC_PII_HMAC_KEY";
export const CONFIGMAP_NAME = "fluent-bit-svcspec";
export const CONFIGMAP_NAMESPACE = "logging";

function policyLua(p: Policy, indent: string): string {
  const lines = [
    `name = ${p.name === null ? "nil" : luaString(p.name)},`,
    `namespace = ${p.namespace === null ? "nil" : luaString(p.namespace)},`,
    `selector = { ${p.selector.map(([k, v]) => `{ ${luaString(k)}, ${luaString(v)} }`).join(", ")} },`,
    `detectors = { ${p.detectors.map((d) => `D.${d}`).join(", ")} },`,
    `cards = ${p.detectors.includes("credit_card")},`,
    `fields = { ${p.fields.map((f) => `{ { ${f.path.map(luaString).join(", ")} }, ${luaString(f.action)} }`).join(", ")} },`,
    `patterns = { ${p.patterns.map((x) => `{ ${luaString(x.lua)}, ${luaString(x.luaReplace)} }`).join(", ")} },`,
  ];
  return `{\n${lines.map((l) => `${indent}  ${l}`).join("\n")}\n${indent}}`;
}

export function redactLua(model: Model): string {
  const { services, fallback } = policies(model);
  const policy = [
    "-- policy: the Organization's default detectors apply to every record; a service matched by",
    "-- namespace and all its selector labels adds its own detectors, field actions and patterns.",
    `local SERVICES = {${services.map((s) => `\n  ${policyLua(s, "  ")},`).join("")}\n}`,
    `local DEFAULT_POLICY = ${policyLua(fallback, "")}`,
  ].join("\n");
  const body = LUA_RUNTIME.replace("--@@POLICY@@", () => policy);
  return `-- Fluent Bit Lua filter: call = ${LUA_CALL}. Fails closed: never raises; on an internal error the\n-- record is replaced by { log = "[REDACTION_ERROR]", _svcspec_redaction_error = true, kubernetes = <names> }.${body}`;
}

const FILTERS: Record<string, string>[] = [
  { name: "kubernetes", match: "kube.*", merge_log: "on", keep_log: "off", "k8s-logging.parser": "on", "k8s-logging.exclude": "on" },
  { name: "lua", match: "*", script: LUA_SCRIPT, call: LUA_CALL, protected_mode: "on" },
];
const SERVICE = { flush: 1, log_level: "info", parsers_file: "parsers.conf" };
const INPUT = { name: "tail", tag: "kube.*", path: "/var/log/containers/*.log", "multiline.parser": "docker, cri", mem_buf_limit: "5MB", skip_long_lines: "on" };
const OUTPUT = { name: "stdout", match: "*", format: "json_lines" };

function classic(section: string, entries: Record<string, string | number>): string {
  const pairs = Object.entries(entries);
  const width = Math.max(...pairs.map(([k]) => k.length));
  return `[${section}]\n${pairs.map(([k, v]) => `    ${k.padEnd(width)} ${v}`).join("\n")}\n`;
}

export function filtersConf(): string {
  return FILTERS.map((f) => classic("FILTER", f)).join("\n");
}

export function generateFluentBit(model: Model): GeneratedFile[] {
  const sources = [model.organization.file ?? "", ...model.services.map((s) => s.file ?? "")].filter(Boolean);
  const script = redactLua(model);
  const lua = withHeader("dash", sources, script);
  const filters = filtersConf();
  const yaml = toYaml({ service: SERVICE, pipeline: { inputs: [INPUT], filters: FILTERS, outputs: [OUTPUT] } });
  const fullConf = [classic("SERVICE", SERVICE), classic("INPUT", INPUT), filters, classic("OUTPUT", OUTPUT)].join("\n");
  return [
    { path: "fluent-bit/redact.lua", content: lua },
    { path: "fluent-bit/fluent-bit.yaml", content: withHeader("hash", sources, yaml) },
    { path: "fluent-bit/filters.conf", content: withHeader("hash", sources, filters) },
    {
      path: "kubernetes/platform/fluent-bit.configmap.yaml",
      content: withHeader(
        "hash",
        sources,
        toYaml({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: {
            name: CONFIGMAP_NAME,
            namespace: CONFIGMAP_NAMESPACE,
            labels: { "app.kubernetes.io/managed-by": "svcspec", "app.kubernetes.io/component": "fluent-bit" },
          },
          // The embedded script carries no header of its own: the ConfigMap's header names the
          // sources, and a second copy inside the data would differ whenever files are renamed.
          data: { "fluent-bit.conf": fullConf, [LUA_SCRIPT]: script },
        }),
      ),
    },
  ];
}
