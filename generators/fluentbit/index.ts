/** fluent-bit/redact.lua (one fail-closed Lua filter for every service), the YAML and classic
 * configs that run it after the `kubernetes` filter, the ConfigMap in the shape the official
 * Helm chart mounts, and Helm values for that chart that mount the script from the ConfigMap. The
 * HMAC key for `hash` is never in the output: Fluent Bit reads it from the SVCSPEC_PII_HMAC_KEY
 * environment variable, which the values feed from a Kubernetes Secret the user creates. */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Model } from "../../src/model/model.js";
import type { ConfigMapRequest, TargetOutput } from "../../src/package/request.js";
import { LOG_JSON_MAX_DEPTH, type Policy, type PolicyPattern, policies } from "../../src/pii/policy.js";
import { FLUENT_BIT_CONFIGMAP, FLUENT_BIT_PARSERS as PARSERS_FILE, HMAC_ENV, HMAC_SECRET_KEY, HMAC_SECRET_NAME, hmacSecretCommands, LEVELS_CALL, LEVELS_SCRIPT, LUA_CALL, LUA_SCRIPT } from "../../src/model/platform.js";
import { levelsLua, listedServices } from "./levels.js";
import { withHeader } from "../../src/render/header.js";
import { luaBytes, luaString } from "../../src/render/lua.js";
import { toYaml } from "../../src/render/yaml.js";
import { IBAN_LENGTHS } from "../../src/model/iban.js";
import { PII_CATALOGUE } from "../../src/model/pii-catalogue.js";
import { packageRoot } from "../../src/util/package-root.js";

/** Where the Helm values mount redact.lua from the ConfigMap, outside the chart's own mounts. */
export const SCRIPT_DIR = "/fluent-bit/svcspec";
const CONFIGMAP_NAME = FLUENT_BIT_CONFIGMAP;

/** A custom pattern's alternative as the data redact.lua's matcher reads (its comment there). */
export function patternLua(x: PolicyPattern): string {
  const pieces = x.program.pieces.map((piece) => (piece.kind === "boundary" ? "{ boundary = true }" : `{ ${luaBytes(piece.ranges)}, ${piece.min}, ${piece.max} }`));
  const literal = x.program.literal === null ? "false" : luaBytes(x.program.literal);
  return `{ replace = ${luaString(x.replace)}, anchor_start = ${x.program.anchorStart}, anchor_end = ${x.program.anchorEnd}, literal = ${literal}, pieces = { ${pieces.join(", ")} } }`;
}

function policyLua(p: Policy, indent: string): string {
  const lines = [
    `name = ${p.name === null ? "nil" : luaString(p.name)},`,
    `namespace = ${p.namespace === null ? "nil" : luaString(p.namespace)},`,
    `selector = { ${p.selector.map(([k, v]) => `{ ${luaString(k)}, ${luaString(v)} }`).join(", ")} },`,
    `detectors = { ${p.detectors.map(luaString).join(", ")} },`,
    `sensitive = { ${p.sensitive.map(luaString).join(", ")} },`,
    `fields = { ${p.fields.map((f) => `{ { ${f.path.map(luaString).join(", ")} }, ${luaString(f.action)} }`).join(", ")} },`,
    `patterns = { ${p.patterns.map((x) => patternLua(x)).join(", ")} },`,
  ];
  return `{\n${lines.map((l) => `${indent}  ${l}`).join("\n")}\n${indent}}`;
}

/** The tables of redact.lua's data section (what its comment there describes): the catalogue's
 * tokens, the IBAN lengths ("AD24 AE23 ...", five bytes per country) and the policies. */
function dataLua(model: Model): string {
  const { services, fallback } = policies(model);
  const iban = Object.entries(IBAN_LENGTHS).map(([country, n]) => `${country}${n}`);
  return [
    `local LOG_JSON_MAX_DEPTH = ${LOG_JSON_MAX_DEPTH}`,
    `local TOKEN = {\n${PII_CATALOGUE.map((d) => `  ${d.id} = ${luaString(d.token)},`).join("\n")}\n}`,
    `local IBAN_LENGTHS = ${luaString(iban.join(" "))}`,
    `local SERVICES = {${services.map((s) => `\n  ${policyLua(s, "  ")},`).join("")}\n}`,
    `local DEFAULT_POLICY = ${policyLua(fallback, "")}`,
    "",
  ].join("\n");
}

/** generators/fluentbit/redact.lua (a Lua file of its own, linted as Lua) around its data section,
 * the lines from `--@@DATA@@` to `--@@END@@`; read once per process from the package
 * (generators/ ships, dist/ holds no .lua). */
const DATA_START = "--@@DATA@@\n";
const DATA_END = "--@@END@@\n";
let parts: { before: string; after: string } | undefined;
function redactSource(): { before: string; after: string } {
  if (parts) return parts;
  const text = readFileSync(join(packageRoot(), "generators", "fluentbit", "redact.lua"), "utf8");
  const a = text.indexOf(DATA_START);
  const b = text.indexOf(DATA_END);
  if (a < 0 || b < a || text.indexOf(DATA_START, a + 1) >= 0 || text.indexOf(DATA_END, b + 1) >= 0) throw new Error("internal: redact.lua needs exactly one data section");
  return (parts = { before: text.slice(0, a), after: text.slice(b + DATA_END.length) });
}

export function redactLua(model: Model): string {
  const { before, after } = redactSource();
  return before + dataLua(model) + after;
}

/** One section of a classic config (or one entry of a YAML list), with the comment lines that say
 * what the redaction depends on in it. */
interface Section {
  entries: Record<string, string | number>;
  comment: string[];
}

/** The multiline parser that joins a private key's lines (the tail input's docker/cri parsers only
 * rejoin the runtime's 16 KB partial lines), in the multiline filter together with Fluent Bit's
 * built-in stack trace parsers. The END line goes back to start_state, so the key is flushed at
 * once and a key right after it starts anew; a BEGIN line that holds its own END starts nothing. */
const KEY_PARSER = "svcspec_private_key";
const KEY_RULES: { state: string; regex: string; next_state: string }[] = [
  { state: "start_state", regex: "/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?!.*-----END )/", next_state: "key_body" },
  { state: "key_body", regex: "/-----END [A-Z0-9 ]*PRIVATE KEY-----/", next_state: "start_state" },
  { state: "key_body", regex: "/^[A-Za-z0-9+/=]*\\s*$|^[A-Za-z][A-Za-z-]*: /", next_state: "key_body" },
];
const MULTILINE_PARSERS = [{ name: KEY_PARSER, type: "regex", flush_timeout: 2000, rules: KEY_RULES }];

const INPUT: Section = {
  entries: {
    name: "tail",
    tag: "kube.*",
    path: "/var/log/containers/*.log",
    "multiline.parser": "docker, cri",
    mem_buf_limit: "5MB",
    buffer_chunk_size: "32k",
    buffer_max_size: "128k",
    skip_long_lines: "on",
    truncate_long_lines: "on",
  },
  comment: [
    "The one input the redaction is proven for: container logs through the docker/cri parsers.",
    "buffer_max_size 128k holds any line a runtime writes with its default 16 KB split, even JSON-escaped;",
    "a longer line is cut to 128k and redacted, not dropped (truncate_long_lines, Fluent Bit 4.2+).",
  ],
};

/** The filters of every config (YAML, classic, the ConfigMap's fluent-bit.conf, the Helm values).
 * multiline first: it re-emits the joined records at the head of the pipeline.
 * merge_log off: redact.lua decodes the log line's JSON itself, with a depth cap. Merged by Fluent
 * Bit, a line nested 64 deep is one level too deep for the decoder of the lua filter, which then
 * never runs and passes the whole chunk on unredacted. A pod-suggested parser
 * (k8s-logging.parser) only ever applies while merging, so it is off too.
 * enable_flb_null: without it Fluent Bit hands msgpack nil to Lua as nil, so every null-valued key
 * of a record returned with code 2 vanishes and a null inside an array leaves a hole; with it, nil
 * arrives as the global flb_null (a NULL lightuserdata) and is packed back as nil. */
function filters(script: string, levels = script.replace(LUA_SCRIPT, LEVELS_SCRIPT)): Section[] {
  return [
    {
      entries: { name: "multiline", match: "kube.*", "multiline.key_content": "log", "multiline.parser": `${KEY_PARSER}, java, python, go`, buffer: "on", flush_ms: 2000 },
      comment: [
        `Joins the lines of private keys (the multiline parser ${KEY_PARSER}) and of java, python and go stack traces`,
        "before redaction; the first filter, as it re-emits the joined records to the head of the pipeline.",
      ],
    },
    {
      entries: { name: "kubernetes", match: "kube.*", merge_log: "off", "k8s-logging.parser": "off", "k8s-logging.exclude": "on" },
      comment: [
        `merge_log off: ${LUA_SCRIPT} merges a log line that is one JSON object, up to ${LOG_JSON_MAX_DEPTH} levels deep (deeper: the`,
        "redaction-error stub). Fluent Bit's own merge lets a line 64 levels deep past the lua filter unredacted.",
      ],
    },
    {
      entries: { name: "lua", match: "*", script, call: LUA_CALL, protected_mode: "on", enable_flb_null: "on" },
      comment: [`Redacts every record; fails closed (see ${LUA_SCRIPT}). Keep it after every filter that changes records.`],
    },
    {
      entries: { name: "lua", match: "*", script: levels, call: LEVELS_CALL, protected_mode: "on" },
      comment: [`The log-level policy (${LEVELS_SCRIPT}): keeps, samples or drops records by level, after the redaction; never drops an error.`],
    },
  ];
}
const SERVICE: Section = { entries: { flush: 1, log_level: "info", parsers_file: PARSERS_FILE }, comment: [] };
const OUTPUT: Section = { entries: { name: "stdout", match: "*", format: "json_lines" }, comment: [] };

function classic(section: string, { entries, comment }: Section): string {
  const pairs = Object.entries(entries);
  const width = Math.max(...pairs.map(([k]) => k.length));
  return `${comment.map((l) => `# ${l}\n`).join("")}[${section}]\n${pairs.map(([k, v]) => `    ${k.padEnd(width)} ${v}`).join("\n")}\n`;
}

export function filtersConf(script = LUA_SCRIPT): string {
  return filters(script).map((f) => classic("FILTER", f)).join("\n");
}

/** The parsers file of the classic configs: the multiline parser, in [MULTILINE_PARSER] form. */
export function parsersConf(): string {
  return MULTILINE_PARSERS.map((p) => {
    const rules = p.rules.map((r) => `    rule          ${[r.state, r.regex, r.next_state].map((x) => `"${x}"`).join(" ")}`);
    return `[MULTILINE_PARSER]\n    name          ${p.name}\n    type          ${p.type}\n    flush_timeout ${p.flush_timeout}\n${rules.join("\n")}\n`;
  }).join("\n");
}

/** The YAML config: the same pipeline, the multiline parser in its own section (no parsers file). */
function yamlConfig(): string {
  const yamlSection = (s: Section) => s.entries;
  const notes = [...INPUT.comment, ...filters(LUA_SCRIPT).flatMap((f) => f.comment)];
  const body = toYaml({
    service: { flush: SERVICE.entries["flush"], log_level: SERVICE.entries["log_level"] },
    multiline_parsers: MULTILINE_PARSERS,
    pipeline: { inputs: [yamlSection(INPUT)], filters: filters(LUA_SCRIPT).map(yamlSection), outputs: [yamlSection(OUTPUT)] },
  });
  return `${notes.map((l) => `# ${l}\n`).join("")}${body}`;
}

/** Helm values for the fluent/fluent-bit chart: the input and filters the redaction needs and the
 * multiline parser as the chart's custom parsers (the chart keeps the user's service and outputs),
 * redact.lua mounted from the ConfigMap, and the HMAC key from the Secret when a service hashes a
 * field. Not luaScripts: the chart runs `tpl` over those values (a `{{` in a pattern's replacement
 * would be templated) and the script would be copied a second time. */
export function helmValues(model: Model, script: string, levels = levelsLua(model)): string {
  const hashing = model.services.filter((s) => s.pii.fields.some((f) => f.action === "hash")).map((s) => s.name);
  const namespace = model.organization.platform.namespaces.logging;
  const paragraphs: string[][] = [
    [
      `Helm values for the fluent/fluent-bit chart: config.filters runs ${LUA_SCRIPT} after the multiline and kubernetes filters; the script is`,
      `mounted (extraVolumes, extraVolumeMounts) from the ConfigMap ${CONFIGMAP_NAME} of kubernetes/platform/fluent-bit.configmap.yaml.`,
      `config.inputs is the one input the redaction is proven for (container logs, lines up to ${INPUT.entries["buffer_max_size"]} read whole, longer ones`,
      "truncated and redacted): it replaces the chart's inputs, so add any other input of yours after it in your own copy.",
      `config.customParsers holds the multiline parser ${KEY_PARSER} (the chart's service section loads it).`,
      "Your own values keep the service and outputs; Helm replaces lists and these strings from a later file, so merge",
      "env, the extra volumes and custom parsers by hand if you set them too.",
    ],
    hashing.length
      ? [
          `HMAC key: the field action hash (${hashing.join(", ")}) reads ${HMAC_ENV}, here from the Secret ${HMAC_SECRET_NAME}`,
          `(key ${HMAC_SECRET_KEY}), which svcspec never generates. Create it once from a file that stays out of Git and keep the`,
          "key in your secret manager:",
          ...hmacSecretCommands(namespace).map((c) => `  ${c}`),
          "The pods do not start without the Secret (with no key at all, hashed fields would be masked).",
        ]
      : [`HMAC key: no service hashes a field, so none is needed; ${HMAC_ENV} and its Secret appear here once one does.`],
    [
      "Install into the ConfigMap's namespace (paths relative to out/):",
      "  kubectl apply -f kubernetes/platform/fluent-bit.configmap.yaml",
      `  helm upgrade --install fluent-bit fluent/fluent-bit -n ${namespace} -f <your values> -f fluent-bit/fluent-bit.values.yaml`,
      "The pod annotation holds the script's SHA-256: a changed script rolls the pods on upgrade.",
    ],
  ];
  // prose lines of a paragraph are joined and rewrapped; command lines (indented) stay as they are
  const header = paragraphs.flatMap((p, i) => {
    const out: string[] = i ? [""] : [];
    let prose: string[] = [];
    const flush = () => {
      if (prose.length) out.push(...wrap(prose.join(" "), 100));
      prose = [];
    };
    for (const l of p) {
      if (l.startsWith("  ")) {
        flush();
        out.push(l);
      } else prose.push(l);
    }
    flush();
    return out;
  });
  const values = {
    ...(hashing.length ? { env: [{ name: HMAC_ENV, valueFrom: { secretKeyRef: { name: HMAC_SECRET_NAME, key: HMAC_SECRET_KEY } } }] } : {}),
    extraVolumes: [{ name: "svcspec-redaction", configMap: { name: CONFIGMAP_NAME, items: [LUA_SCRIPT, LEVELS_SCRIPT].map((s) => ({ key: s, path: s })) } }],
    extraVolumeMounts: [{ name: "svcspec-redaction", mountPath: SCRIPT_DIR, readOnly: true }],
    podAnnotations: { "checksum/svcspec-redact-lua": createHash("sha256").update(script).digest("hex"), "checksum/svcspec-levels-lua": createHash("sha256").update(levels).digest("hex") },
    config: { inputs: classic("INPUT", INPUT), filters: filtersConf(`${SCRIPT_DIR}/${LUA_SCRIPT}`), customParsers: parsersConf() },
  };
  return `${header.map((l) => (l ? `# ${l}` : "#")).join("\n")}\n${toYaml(values)}`;
}

/** Words of one line, rewrapped at `width` columns (a word longer than that gets a line of its own). */
function wrap(line: string, width: number): string[] {
  const out: string[] = [];
  let cur = "";
  for (const w of line.split(" ")) {
    if (cur && cur.length + 1 + w.length > width) {
      out.push(cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) out.push(cur);
  return out;
}

export function generateFluentBit(model: Model): TargetOutput {
  // The filter reads the Organization's defaults and the services with a policy of their own; the
  // pipeline configs read nothing of the spec. A service that adds nothing changes no header.
  const listed = new Set(policies(model).services.map((p) => p.name));
  const sources = [model.organization.file ?? "", ...model.services.filter((s) => listed.has(s.name)).map((s) => s.file ?? "")].filter(Boolean);
  const script = redactLua(model);
  const lua = withHeader("dash", sources, script);
  // levels.lua reads the Organization's policy and the services it lists
  const levelSources = [model.organization.file ?? "", ...listedServices(model).map((s) => s.file ?? "")].filter(Boolean);
  const levels = levelsLua(model);
  const allSources = [...new Set([...sources, ...levelSources])];
  const filterText = [
    `# Needs ${PARSERS_FILE} (parsers_file in your [SERVICE]) and the [INPUT] of kubernetes/platform/fluent-bit.configmap.yaml.`,
    "",
    filtersConf(),
  ].join("\n");
  const fullConf = [classic("SERVICE", SERVICE), classic("INPUT", INPUT), filtersConf(), classic("OUTPUT", OUTPUT)].join("\n");
  const files = [
    { path: "fluent-bit/redact.lua", content: lua },
    { path: "fluent-bit/fluent-bit.yaml", content: withHeader("hash", [], yamlConfig()) },
    { path: "fluent-bit/filters.conf", content: withHeader("hash", [], filterText) },
    { path: `fluent-bit/${PARSERS_FILE}`, content: withHeader("hash", [], parsersConf()) },
    { path: `fluent-bit/${LEVELS_SCRIPT}`, content: withHeader("dash", levelSources, levels) },
    { path: "fluent-bit/fluent-bit.values.yaml", content: withHeader("hash", allSources, helmValues(model, script, levels)) },
  ];
  const configMap: ConfigMapRequest = {
    kind: "ConfigMap",
    path: "kubernetes/platform/fluent-bit.configmap.yaml",
    sources: allSources,
    metadata: {
      name: CONFIGMAP_NAME,
      namespace: model.organization.platform.namespaces.logging,
      labels: { "app.kubernetes.io/managed-by": "svcspec", "app.kubernetes.io/component": "fluent-bit" },
    },
    data: [
      { kind: "text", key: "fluent-bit.conf", text: fullConf },
      { kind: "file", key: LUA_SCRIPT, path: "fluent-bit/redact.lua" },
      { kind: "file", key: LEVELS_SCRIPT, path: `fluent-bit/${LEVELS_SCRIPT}` },
      { kind: "text", key: PARSERS_FILE, text: parsersConf() },
    ],
  };
  return { files, packages: [configMap] };
}
