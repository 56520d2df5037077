/** Hostile text for both tiers: the strings that break out of literals when an escaper misses one,
 * and the example spec with the three breakouts of issue #18 spliced in (a Slack channel, an alert
 * label value and an access subject id holding Unicode line breaks). */
import { compile } from "../../src/compile.js";
import type { SourceFile } from "../../src/load/source.js";
import type { FileSet } from "../../src/output/fileset.js";
import { UNSAFE_CHAR } from "../../src/render/chars.js";
import { ROOT, sourcesOf } from "../helpers.js";

/** Every string a consumer's parser might read differently: line breaks of every family, controls,
 * YAML indicators, quotes and escapes, and the edges (leading, trailing, alone). */
export const HOSTILE: readonly string[] = (() => {
  const core = ["\u0085", "\u2028", "\u2029", "\u0000", "\u007f", "\r", "\r\n", "\t", "\u000b", "\u000c", "\u001b", "\u0090", "\u009f", "\ufeff", "\ufffe", "\uffff", ": ", "#", " #", "'", '"', "\\", "\\n", "{{", "-->", "]]", "\u00a0", "\u{1F600}"];
  const out = new Set<string>();
  for (const c of core) for (const s of [c, `a${c}b`, `${c}x`, `x${c}`, `line1\n${c}\nline2`, `${c}\n`]) out.add(s);
  out.add("x\u2028        http_config:\u2028          proxy_url:\u2028            http://127.0.0.1:9/");
  out.add("#c\u2028pwned: 1");
  out.add("--- \u2028...\u2028%YAML 1.1");
  return [...out];
})();

const UNSAFE_ANYWHERE = new RegExp(UNSAFE_CHAR.source, "gu");

/** The unsafe characters (src/render/chars.ts) a text holds raw, as `U+XXXX`. */
export function unsafeIn(text: string): string[] {
  return [...text.matchAll(UNSAFE_ANYWHERE)].map((m) => `U+${m[0].charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Lone surrogates: no UTF-8 file can hold them; validation rejects them (SVC006). */
export const LONE_SURROGATES: readonly string[] = ["\ud800", "a\udfffb", "\udc00\ud800"];

/** A spec file name that ends a comment line in every syntax: LF, then Lua code that runs at load
 * and a Lua comment for the rest of the line; U+2028 (a JavaScript line break), the ends of a Lua
 * long bracket and of an HTML comment, the start of another, a backslash, NEL, tab, and CR (a
 * line break to Lua and YAML). A valid name on disk (no slash). */
export const hostileFileName = (stem: string) => `${stem}\nos.exit(3) --\u2028 ]] --> <!-- \u2029 \\ \u0085 \t\r--.yaml`;
export const HOSTILE_FILE_NAME = hostileFileName("checkout");

/** The three breakouts of issue #18, each as found: it changes the structure Go's YAML reads. */
export const BREAKOUTS = {
  /** Slack channel: Go reads `http_config.proxy_url` into the Slack config (alertmanager.yaml). */
  slackChannel: "alerts\u2028        http_config:\u2028          proxy_url:\u2028            http://127.0.0.1:9/",
  /** Alert label value: Go reads a label `pwned` into every alert of the SLO (rule files). */
  labelValue: "relevance\u2029          pwned:\u2029            x",
  /** Access subject id: Go reads a key `injected.rego` into the OPA ConfigMap, data.json cut short. */
  subjectId: "u-incident-commander\u2028  injected.rego: |\u2028    package evil",
};

/** A YAML double-quoted scalar of any string (every non-ASCII character escaped): how the hostile
 * values are written into spec files. */
export function yamlQuoted(s: string): string {
  return JSON.stringify(s).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function replaceIn(sources: SourceFile[], file: string, from: string, to: string): SourceFile[] {
  let hits = 0;
  const out = sources.map((s) => {
    if (s.name !== file) return s;
    const text = s.text.replace(from, () => (hits++, to));
    return { ...s, text };
  });
  if (hits !== 1) throw new Error(`test setup: \`${from}\` not found in ${file}`);
  return out;
}

/** The example spec with the three breakout strings in place. */
export function breakoutSources(): SourceFile[] {
  let s = sourcesOf("spec", ROOT);
  s = replaceIn(s, "spec/organization.yaml", 'slack: { channel: "#payments-alerts",', `slack: { channel: ${yamlQuoted(BREAKOUTS.slackChannel)},`);
  s = replaceIn(s, "spec/services/search.yaml", "labels: { component: relevance }", `labels: { component: ${yamlQuoted(BREAKOUTS.labelValue)} }`);
  s = replaceIn(s, "spec/services/payments-api.yaml", "subjects: { ids: [u-incident-commander] }", `subjects: { ids: [${yamlQuoted(BREAKOUTS.subjectId)}] }`);
  // the access test of that rule asks as the same subject (validate runs access tests)
  s = replaceIn(s, "spec/services/payments-api.yaml", "subject: { id: u-incident-commander,", `subject: { id: ${yamlQuoted(BREAKOUTS.subjectId)},`);
  return s;
}

/** What the example with the breakouts compiles to (it is a valid spec: the strings are free text). */
export function compileBreakouts(): FileSet {
  const r = compile(breakoutSources());
  if (!r.files) throw new Error(`the breakout spec does not compile:\n${r.diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.code} ${d.message}`).join("\n")}`);
  return r.files;
}
