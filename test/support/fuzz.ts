/** Issue #16's injection fuzz suite, judged by the real consumers: a seeded generator of hostile
 * strings put into every string a user controls (every string leaf and free map key of a base spec,
 * matched against the schema's string-typed places), each case compiled in-process and either
 * rejected by located diagnostics or accepted and its outputs read by promtool, opa, LuaJIT, node,
 * k6, amtool, js-yaml, yaml and Go's YAML, the planted value read back where it belongs. Used by
 * test/consumer/fuzz.test.ts (a few hundred cases) and test/support/fuzz-cli.ts (`npm run fuzz`). */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import * as vm from "node:vm";
import jsyaml from "js-yaml";
import YAML from "yaml";
import { compile } from "../../src/compile.js";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import type { SourceFile } from "../../src/load/source.js";
import { templateLiteral } from "../../src/render/go-template.js";
import { localTool } from "../../src/tools/discover.js";
import { checkPromql } from "../../src/validate/promql.js";
import { ROOT, sourcesOf } from "../helpers.js";
import { unsafeIn } from "./hostile.js";

// ---------------------------------------------------------------------------------------------
// Seeded randomness and hostile strings.

/** mulberry32: 32-bit integer arithmetic, the same sequence on every machine. */
export function rng(seed: number): (n: number) => number {
  let s = seed | 0;
  return (n) => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
}

/** The pieces hostile strings are made of: every quote, backslashes, line breaks of every family,
 * NUL and other controls, Lua long brackets, JavaScript template syntax, Go templates, YAML
 * indicators, anchors, aliases, tags and document markers, comment starts and ends of each output
 * language, PromQL's `$window`, and non-ASCII text. */
export const PIECES: readonly string[] = [
  "'", '"', "`", "\\", "\\\\", "\\n", "\\u0000", "\\x", "\n", "\r", "\r\n", "\t", "\u000b", "\u000c", "\u2028", "\u2029", "\u0085", "\u0000", "\u0001", "\u001b", "\u007f", "\u009f", "\ufeff", "\u00a0",
  "]]", "]=]", "[[", "[==[", "--", "--[[", "${", "${x}", "`${1}`", "{{", "}}", "{{ .Status }}", "{{ end }}", "#", " #", "# x", ": ", "- ", "? ", "&a", "*a", "!!str", "!!binary", "!<tag:x>", "%YAML 1.1",
  "---", "...", "|", ">-", "{", "}", "[", "]", ",", "%", "@", "<!--", "-->", "*/", "/*", "</script>", "$window", "$1", "%s", "\u00e9t\u00e9", "\u{1F600}", "\u0130", "\u212a", "=", ";", "&", "?", "/", ".", " ", "  ",
  "os.exit(3)", "\"; os.exit(3) --", "')+process.exit(3)//", "\"}\n  pwned: 1\n", "x\u2028  pwned: 1",
];

const ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789-_.";

/** A hostile string: 1 to 6 pieces with short word runs between them; one in 25 repeated up to
 * about 10 KB. */
export function hostileString(r: (n: number) => number): string {
  const parts: string[] = [];
  const n = 1 + r(6);
  for (let i = 0; i < n; i++) {
    if (r(2)) parts.push(Array.from({ length: 1 + r(5) }, () => ALNUM[r(ALNUM.length)]).join(""));
    parts.push(PIECES[r(PIECES.length)]!);
  }
  let s = parts.join("");
  if (r(25) === 0) s = s.repeat(Math.ceil(10_240 / s.length));
  return s;
}

// ---------------------------------------------------------------------------------------------
// The schema's string places, and the base spec's strings matched to them.

type Schema = Record<string, unknown>;
const SCHEMA = JSON.parse(readFileSync(join(ROOT, "schemas", "svcspec.v1.schema.json"), "utf8")) as Schema;

function deref(s: unknown): Schema | null {
  if (!s || typeof s !== "object") return null;
  const ref = (s as Schema)["$ref"];
  if (typeof ref === "string") return deref((SCHEMA["definitions"] as Record<string, unknown>)[ref.replace("#/definitions/", "")]);
  return s as Schema;
}

/** A schema and every subschema that applies with it (allOf, anyOf, oneOf, then, else). */
function expand(s: unknown, out: Schema[] = []): Schema[] {
  const d = deref(s);
  if (!d || out.includes(d)) return out;
  out.push(d);
  for (const k of ["allOf", "anyOf", "oneOf"]) for (const x of (d[k] as unknown[] | undefined) ?? []) expand(x, out);
  for (const k of ["then", "else"]) if (d[k]) expand(d[k], out);
  return out;
}

const isStringSchema = (set: Schema[]) =>
  set.some((s) => s["type"] === "string" || (Array.isArray(s["type"]) && s["type"].includes("string")) || typeof s["const"] === "string" || (Array.isArray(s["enum"]) && s["enum"].some((e) => typeof e === "string")));

/** The schemas of a member `key` of an object of `set`, and whether the key is a declared property
 * (`free` when it comes from additionalProperties or patternProperties: a key the user names). */
function member(set: Schema[], key: string): { set: Schema[]; free: boolean } {
  const out: Schema[] = [];
  let declared = false;
  for (const s of set) {
    const props = s["properties"] as Record<string, unknown> | undefined;
    if (props && key in props) {
      declared = true;
      expand(props[key], out);
      continue;
    }
    const pattern = s["patternProperties"] as Record<string, unknown> | undefined;
    let matched = false;
    for (const [re, sub] of Object.entries(pattern ?? {})) if (new RegExp(re, "u").test(key)) (matched = true), expand(sub, out);
    if (!matched && s["additionalProperties"] && typeof s["additionalProperties"] === "object") expand(s["additionalProperties"], out);
  }
  return { set: out, free: !declared };
}

const itemsOf = (set: Schema[]) => set.flatMap((s) => (s["items"] && typeof s["items"] === "object" && !Array.isArray(s["items"]) ? expand(s["items"]) : []));

const ROOTS = { Organization: "organization", Service: "service" } as const;

/** Every place of the schema that holds a string a user writes, as a pattern (`Service.spec.slos[].name`,
 * `{}` for a key the user names, `{}@key` for that key itself). Constants (`apiVersion`, `kind`) aside. */
export function schemaStringPlaces(): string[] {
  const out = new Set<string>();
  const walk = (set: Schema[], path: string, stack: Schema[]) => {
    if (stack.length > 24) return;
    if (isStringSchema(set) && !set.some((s) => "const" in s)) out.add(path);
    const next = [...stack, ...set];
    for (const s of set) {
      if (stack.includes(s)) continue;
      for (const [k, sub] of Object.entries((s["properties"] as Record<string, unknown> | undefined) ?? {})) walk(expand(sub), `${path}.${k}`, next);
      const free = [...Object.values((s["patternProperties"] as Record<string, unknown> | undefined) ?? {}), ...(s["additionalProperties"] && typeof s["additionalProperties"] === "object" ? [s["additionalProperties"]] : [])];
      for (const sub of free) {
        out.add(`${path}.{}@key`);
        walk(expand(sub), `${path}.{}`, next);
      }
      if (s["items"] && typeof s["items"] === "object") walk(expand(s["items"]), `${path}[]`, next);
    }
  };
  for (const [kind, def] of Object.entries(ROOTS)) walk(expand({ $ref: `#/definitions/${def}` }), kind, []);
  for (const p of [...out]) if (/\.(apiVersion|kind)$/.test(p)) out.delete(p);
  return [...out].sort();
}

type Path = (string | number)[];

/** A string a user controls in the base spec: a value, or a key the user names. */
export interface Site {
  file: string;
  doc: number;
  path: Path;
  key: boolean;
  place: string;
}

/** Every string leaf and every user-named key of the documents, with its schema place. */
export function sitesOf(file: string, docs: unknown[]): Site[] {
  const out: Site[] = [];
  docs.forEach((value, doc) => {
    const kind = (value as { kind?: string }).kind as keyof typeof ROOTS;
    if (!(kind in ROOTS)) return;
    const walk = (v: unknown, set: Schema[], path: Path, place: string) => {
      if (typeof v === "string") {
        if (!/\.(apiVersion|kind)$/.test(place)) out.push({ file, doc, path, key: false, place });
      } else if (Array.isArray(v)) {
        const items = itemsOf(set);
        v.forEach((x, i) => walk(x, items, [...path, i], `${place}[]`));
      } else if (v && typeof v === "object") {
        for (const [k, x] of Object.entries(v)) {
          const m = member(set, k);
          const p = m.free ? `${place}.{}` : `${place}.${k}`;
          if (m.free) out.push({ file, doc, path: [...path, k], key: true, place: `${place}.{}@key` });
          walk(x, m.set, [...path, k], p);
        }
      }
    };
    walk(value, expand({ $ref: `#/definitions/${ROOTS[kind]}` }), [], kind);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Cases: a base spec, one string replaced.

export type Mode = "replace" | "append" | "prepend";

export interface Case {
  id: number;
  site: Site;
  mode: Mode;
  value: string;
}

/** The base: the example spec, split into the Organization and one source per service. */
export interface Base {
  organization: SourceFile;
  services: SourceFile[];
  docs: Map<string, unknown[]>;
  sites: Site[];
}

export function exampleBase(): Base {
  const sources = sourcesOf("spec", ROOT);
  const organization = sources.find((s) => s.name.endsWith("organization.yaml"))!;
  const services = sources.filter((s) => s !== organization);
  const docs = new Map(sources.map((s) => [s.name, jsyaml.loadAll(s.text, undefined, { schema: jsyaml.CORE_SCHEMA }).filter((d) => d != null)]));
  widen(docs.get(organization.name)![0] as Record<string, Record<string, unknown>>, docs.get("spec/services/checkout.yaml")![0] as Record<string, Record<string, unknown>>);
  const sites = sources.flatMap((s) => sitesOf(s.name, docs.get(s.name)!));
  return { organization, services, docs, sites };
}

/** The example with the strings it leaves out: every receiver kind at every place one goes, the
 * platform namespaces, a disabled policy rule, per-severity alert labels and annotations and an
 * alert name (the schema's string places the fuzz cases reach; `coverage` lists the rest). */
function widen(org: Record<string, Record<string, unknown>>, checkout: Record<string, Record<string, unknown>>): void {
  const every = (page: boolean) => ({
    slack: { channel: "#fuzz", apiUrlFile: "/etc/alertmanager/secrets/slack" },
    email: { to: "oncall@example.com", from: "am@example.com", smarthost: "smtp.example.com:587", authUsername: "am", authPasswordFile: "/etc/alertmanager/secrets/smtp" },
    opsgenie: { apiKeyFile: "/etc/alertmanager/secrets/opsgenie", responders: [{ type: "team", name: "fuzz" }] },
    pagerduty: { routingKeyFile: "/etc/alertmanager/secrets/pd", severity: page ? "critical" : "warning" },
    webhook: { url: "http://alert-sink.monitoring.svc:8080/fuzz" },
  });
  const spec = org["spec"]!;
  (spec["alerting"] as Record<string, unknown>)["defaultReceiver"] = every(true);
  (spec["teams"] as Record<string, unknown>)["fuzz"] = { receivers: { page: every(true), ticket: every(false) } };
  spec["platform"] = { ...(spec["platform"] as object), namespaces: { monitoring: "monitoring", logging: "logging", opa: "opa" } };
  spec["policies"] = { disable: ["chaos_in_business_hours"] };
  const slo = (checkout["spec"]!["slos"] as Record<string, unknown>[])[0]!;
  slo["alerting"] = { ...(slo["alerting"] as object), name: "FuzzBurn", bySeverity: { page: { labels: { fuzz: "page" }, annotations: { fuzz: "page" } }, ticket: { labels: { fuzz: "ticket" }, annotations: { fuzz: "ticket" } } } };
}

/** The spec text of documents: pretty JSON (YAML 1.2 flow style) with every non-ASCII and control
 * character escaped, so that the value the loader reads is exactly the planted one. */
export function specText(docs: unknown[]): string {
  return `${docs.map((d) => JSON.stringify(d, null, 2).replace(/[^\x20-\x7e\n]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)).join("\n---\n")}\n`;
}

function planted(original: string, mode: Mode, value: string): string {
  return mode === "replace" ? value : mode === "append" ? original + value : value + original;
}

function setAt(docs: unknown[], site: Site, mode: Mode, value: string): unknown[] {
  const copy = structuredClone(docs);
  let parent: unknown = copy[site.doc];
  for (const k of site.path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[k];
  const last = site.path[site.path.length - 1]!;
  const obj = parent as Record<string | number, unknown>;
  if (site.key) {
    const entries = Object.entries(obj).map(([k, v]) => [k === last ? planted(k, mode, value) : k, v] as const);
    for (const k of Object.keys(obj)) delete obj[k];
    for (const [k, v] of entries) obj[k] = v;
  } else obj[last] = planted(obj[last] as string, mode, value);
  return copy;
}

/** The sources of a case: the Organization and the one service the site is in (the first service
 * when the site is in the Organization). */
export function caseSources(base: Base, site: Site, mode: Mode, value: string): SourceFile[] {
  const service = base.services.find((s) => s.name === site.file) ?? base.services[0]!;
  const text = (s: SourceFile) => (s.name === site.file ? specText(setAt(base.docs.get(s.name)!, site, mode, value)) : specText(base.docs.get(s.name)!));
  return [base.organization, service].map((s) => ({ path: s.name, name: s.name, text: text(s) }));
}

export function makeCases(base: Base, runs: number, seed: number): Case[] {
  const r = rng(seed);
  const modes: Mode[] = ["replace", "replace", "append", "prepend"];
  // a place of the schema first, then one of its strings: rare places get as many cases as common ones
  const byPlace = new Map<string, Site[]>();
  for (const s of base.sites) byPlace.set(s.place, [...(byPlace.get(s.place) ?? []), s]);
  const places = [...byPlace.values()];
  return Array.from({ length: runs }, (_, id) => {
    const sites = places[r(places.length)]!;
    return { id, site: sites[r(sites.length)]!, mode: modes[r(modes.length)]!, value: hostileString(r) };
  });
}

// ---------------------------------------------------------------------------------------------
// Reading outputs back: every string of every structured output, with where it is.

interface Leaf {
  file: string;
  path: Path;
  key: boolean;
  value: string;
}

const leafId = (file: string, path: Path, key: boolean) => JSON.stringify([file, path, key]);

function leavesOfValue(file: string, v: unknown, path: Path, out: Leaf[]): void {
  if (typeof v === "string") {
    out.push({ file, path, key: false, value: v });
    if (/\.(json)$/.test(String(path[path.length - 1] ?? "")))
      try {
        leavesOfValue(`${file}#${String(path[path.length - 1])}`, JSON.parse(v), [], out);
      } catch {
        /* not JSON: the file's own consumer says so */
      }
    if (/\.(ya?ml)$/.test(String(path[path.length - 1] ?? "")))
      try {
        YAML.parseAllDocuments(v).forEach((d, i) => leavesOfValue(`${file}#${String(path[path.length - 1])}`, d.toJS(), [i], out));
      } catch {
        /* judged below */
      }
  } else if (Array.isArray(v)) v.forEach((x, i) => leavesOfValue(file, x, [...path, i], out));
  else if (v && typeof v === "object")
    for (const [k, x] of Object.entries(v)) {
      out.push({ file, path: [...path, k], key: true, value: k });
      leavesOfValue(file, x, [...path, k], out);
    }
}

/** k6 scripts: the SCENARIO constant as node's V8 evaluates it (the imports and exports removed). */
function k6Scenario(text: string): unknown {
  const body = text.replace(/^import .*$/gm, "").replace(/^export .*$[\s\S]*/m, "");
  return vm.runInNewContext(`${body}\n;SCENARIO`, {}, { timeout: 1000 });
}

// ---------------------------------------------------------------------------------------------
// The consumers, each run once over a batch of distinct files.

const tool = (name: string) => localTool(name, ROOT);

export interface Tools {
  promtool: string | null;
  amtool: string | null;
  opa: string | null;
  luajit: string | null;
  k6: string | null;
  goyaml: string | null;
}

export function findTools(): Tools {
  return { promtool: tool("promtool"), amtool: tool("amtool"), opa: tool("opa"), luajit: tool("luajit"), k6: tool("k6"), goyaml: tool("goyaml") };
}

const sha = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 16);

export const CONSUMERS = ["compile", "escapes", "yaml+js-yaml", "json", "go-yaml", "promtool check", "promtool test", "amtool", "opa check", "opa data", "luajit", "node", "k6 inspect", "round-trip"] as const;
export type Consumer = (typeof CONSUMERS)[number];

export interface Stats {
  cases: number;
  accepted: number;
  rejected: number;
  failures: number;
  perConsumer: Record<Consumer, { files: number; cases: number; failures: number }>;
  failed: { id: number; place: string; mode: Mode; value: string; consumer: Consumer; message: string }[];
  places: { covered: number; total: number; uncovered: string[] };
  promqlDifferential: { cases: number; bothAccept: number; bothReject: number; stricter: number; failures: number; failed: string[] };
}

/** Runs `check` over the files at once; on a failure, file by file to say which. */
function batched(files: string[], check: (files: string[]) => { ok: boolean; message: string }, size = 200): Map<string, string> {
  const bad = new Map<string, string>();
  for (let i = 0; i < files.length; i += size) {
    const chunk = files.slice(i, i + size);
    if (check(chunk).ok) continue;
    for (const f of chunk) {
      const r = check([f]);
      if (!r.ok) bad.set(f, r.message);
    }
  }
  return bad;
}

/** Wall time spent in each external consumer, by executable name. */
export const TIMINGS = new Map<string, number>();

const spawnOk = (cmd: string, args: string[], opts: { cwd?: string; input?: string } = {}) => {
  const started = Date.now();
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 300_000, maxBuffer: 256 << 20, ...opts, env: { ...process.env, K6_NO_USAGE_REPORT: "true" } });
  const name = `${cmd.split("/").pop()} ${args[0] ?? ""}`;
  TIMINGS.set(name, (TIMINGS.get(name) ?? 0) + Date.now() - started);
  return { ok: r.status === 0, message: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}`.slice(0, 2000), stdout: r.stdout ?? "" };
};

/** JSON with object keys sorted: the values two readers read compared as data. */
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_, x: unknown) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));

interface CaseFiles {
  id: number;
  files: Map<string, string>;
}

/** What the consumers said about files by content hash (a file judged once per run). */
class Judge {
  readonly dir = mkdtempSync(join(tmpdir(), "svcspec-fuzz-"));
  private readonly verdicts = new Map<string, Map<Consumer, string | null>>();
  private readonly luaData = new Map<string, unknown>();
  private promtoolTests = 0;
  constructor(
    private readonly tools: Tools,
    private readonly maxPromtoolTests: number,
  ) {}

  verdict(hash: string, c: Consumer): string | null | undefined {
    return this.verdicts.get(hash)?.get(c);
  }
  private set(hash: string, c: Consumer, v: string | null) {
    let m = this.verdicts.get(hash);
    if (!m) this.verdicts.set(hash, (m = new Map()));
    m.set(c, v);
  }
  lua(hash: string): unknown {
    return this.luaData.get(hash);
  }
  cleanup() {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Writes every file not judged yet under dir/<hash>/<path> and runs each consumer once over them. */
  run(cases: CaseFiles[]): void {
    const pending = new Map<string, { path: string; content: string; siblings: Map<string, string> }>();
    for (const c of cases)
      for (const [path, content] of c.files) {
        const h = Judge.hashOf(c.files, path);
        if (!this.verdicts.has(h) && !pending.has(h)) pending.set(h, { path, content, siblings: c.files });
      }
    const at = (h: string, path: string) => join(this.dir, h, path);
    for (const [h, f] of pending) {
      mkdirSync(dirname(at(h, f.path)), { recursive: true });
      writeFileSync(at(h, f.path), f.content);
      this.verdicts.set(h, new Map());
    }
    const of = (test: (p: string) => boolean) => [...pending].filter(([, f]) => test(f.path));
    const record = (c: Consumer, entries: [string, { path: string }][], bad: Map<string, string>) => {
      for (const [h, f] of entries) this.set(h, c, bad.get(at(h, f.path)) ?? null);
    };
    const t = this.tools;
    // promtool: rule files, and the generated tests with their rule files beside them
    const rules = of((p) => /^prometheus\/.*\.rules\.yaml$/.test(p));
    if (t.promtool) record("promtool check", rules, batched(rules.map(([h, f]) => at(h, f.path)), (fs) => spawnOk(t.promtool!, ["check", "rules", ...fs])));
    // the generated tests evaluate hours of series (seconds each): the first distinct ones only
    const tests = of((p) => /^prometheus\/.*\.rules\.test\.yaml$/.test(p)).slice(0, Math.max(0, this.maxPromtoolTests - this.promtoolTests));
    this.promtoolTests += tests.length;
    for (const [h, f] of tests)
      for (const rulesPath of ruleFilesOf(f.path, f.content)) writeFileSync(at(h, rulesPath), f.siblings.get(rulesPath) ?? "");
    if (t.promtool) record("promtool test", tests, batched(tests.map(([h, f]) => at(h, f.path)), (fs) => spawnOk(t.promtool!, ["test", "rules", ...fs]), 50));
    const am = of((p) => p === "alertmanager/alertmanager.yaml");
    if (t.amtool) record("amtool", am, batched(am.map(([h, f]) => at(h, f.path)), (fs) => spawnOk(t.amtool!, ["check-config", ...fs])));
    // opa: each distinct Rego file checked with its bundle's other files (packages repeat across
    // cases, so one folder per case); every data.json loaded by OPA at once under its hash
    const rego = of((p) => p.endsWith(".rego"));
    if (t.opa)
      for (const [h, f] of rego) {
        const r = spawnOk(t.opa, ["check", "--strict", at(h, f.path)]);
        this.set(h, "opa check", r.ok ? null : r.message);
      }
    const data = of((p) => p.startsWith("opa/") && p.endsWith("data.json"));
    if (t.opa && data.length) {
      const root = join(this.dir, "opa-data", sha(data.map(([h]) => h).join()));
      for (const [h, f] of data) {
        mkdirSync(join(root, `h${h}`), { recursive: true });
        writeFileSync(join(root, `h${h}`, "data.json"), f.content);
      }
      const r = spawnOk(t.opa, ["eval", "--format", "json", "-d", root, "data"]);
      const read = r.ok ? ((JSON.parse(r.stdout) as { result: { expressions: { value: Record<string, unknown> }[] }[] }).result[0]!.expressions[0]!.value) : {};
      for (const [h, f] of data) {
        const got = read[`h${h}`];
        this.set(h, "opa data", got !== undefined && canonical(got) === canonical(JSON.parse(f.content)) ? null : r.ok ? "OPA reads data.json differently from JSON.parse" : r.message);
      }
    }
    const lua = of((p) => p.endsWith(".lua"));
    if (t.luajit && lua.length) {
      const driver = join(ROOT, "test", "support", "fuzz-lua-data.lua");
      const r = spawnOk(t.luajit, [driver, ...lua.map(([h, f]) => at(h, f.path))]);
      const lines = r.stdout.split("\n");
      lua.forEach(([h], i) => {
        const line = lines[i] ?? "";
        if (line.startsWith("ok ")) {
          this.luaData.set(h, fromLuaDump(JSON.parse(line.slice(3))));
          this.set(h, "luajit", null);
        } else this.set(h, "luajit", line || r.message);
      });
    }
    const js = of((p) => p.endsWith(".js"));
    const nodeCheck = (fs: string[]) => spawnOk(process.execPath, ["--experimental-vm-modules", "--no-warnings", "--input-type=module", "-e", NODE_CHECK, ...fs]);
    record("node", js, batched(js.map(([h, f]) => at(h, f.path)), nodeCheck));
    const scripts = js.filter(([, f]) => !f.path.endsWith("svcspec.runtime.js"));
    // k6 resolves the script's import of the runtime beside it: the case's own
    for (const [h, f] of scripts) {
      const runtime = join(dirname(f.path), "svcspec.runtime.js");
      writeFileSync(at(h, runtime), f.siblings.get(runtime) ?? "");
    }
    if (t.k6)
      for (const [h, f] of scripts) {
        const r = spawnOk(t.k6, ["inspect", at(h, f.path)]);
        this.set(h, "k6 inspect", r.ok ? null : r.message);
      }
    // Go's yaml.v2 and yaml.v3 read every YAML file as the JavaScript reader does
    const yamls = of((p) => /\.ya?ml$/.test(p));
    if (t.goyaml) {
      const goCheck = (fs: string[]) => {
        const texts = fs.map((f) => readFileSync(f, "utf8"));
        const ours = texts.flatMap((x) => YAML.parseAllDocuments(x, { version: "1.1" }).map((d) => d.toJS() as unknown));
        for (const v of ["v2", "v3"]) {
          const r = spawnOk(t.goyaml!, [v], { input: texts.join("\n---\n") });
          if (!r.ok) return { ok: false, message: `yaml.${v}: ${r.message}` };
          const go = JSON.parse(r.stdout) as unknown[];
          if (canonical(go) !== canonical(ours)) return { ok: false, message: `Go's yaml.${v} reads a different value` };
        }
        return { ok: true, message: "" };
      };
      record("go-yaml", yamls, batched(yamls.map(([h, f]) => at(h, f.path)), goCheck, 100));
    }
  }

  /** The hash a case's file is judged under (as `run` computed it). */
  static hashOf(files: Map<string, string>, path: string): string {
    const content = files.get(path)!;
    const rules = ruleFilesOf(path, content).map((p) => files.get(p) ?? "");
    return sha([path, content, ...rules].join("\0"));
  }
}

/** The rule files a generated promtool test loads (its `rule_files`, beside it), by path in the
 * output: a service has two test files (`<svc>.rules.test.yaml`, `<svc>.history.rules.test.yaml`)
 * over one rule file, so the name alone does not say which. */
export function ruleFilesOf(path: string, content: string): string[] {
  if (!path.endsWith(".rules.test.yaml")) return [];
  // the list is generated at the top as plain `  - name` lines; the files are large, so no YAML parse
  const list = /^rule_files:\n((?:  - [^\n]+\n)+)/m.exec(content)?.[1] ?? "";
  return list
    .split("\n")
    .filter(Boolean)
    .map((line) => join(dirname(path), line.slice(4).trim()))
    .filter((p) => p.startsWith("prometheus/"));
}

/** V8 parses each file as an ES module (node --check's parse), in one process. */
const NODE_CHECK = `import vm from "node:vm"; import fs from "node:fs";
let bad = 0;
for (const f of process.argv.slice(1)) { try { new vm.SourceTextModule(fs.readFileSync(f, "utf8")); } catch (e) { bad++; console.error(f + ": " + e.message); } }
process.exit(bad ? 1 : 0);`;

function fromLuaDump(v: unknown): unknown {
  if (typeof v === "string") return Buffer.from(v, "hex").toString("utf8");
  if (!v || typeof v !== "object") return v;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1 && ["number", "boolean", "nil"].includes(keys[0]!)) return o[keys[0]!];
  if (keys.length && keys.every((k) => k.startsWith("#"))) {
    const arr: unknown[] = [];
    for (const k of keys) arr[Number(k.slice(1)) - 1] = fromLuaDump(o[k]);
    return arr;
  }
  return Object.fromEntries(keys.map((k) => [k.startsWith("#") ? k.slice(1) : Buffer.from(k, "hex").toString("utf8"), fromLuaDump(o[k])]));
}

// ---------------------------------------------------------------------------------------------
// Judging cases.

const MARK = (n: number) => `zqmark${n.toString(36)}x`;

/** A located diagnostic: a code of the catalogue, a file of the case, a line and column inside it,
 * a message and a hint. */
function locatedProblem(d: Diagnostic, sources: SourceFile[]): string | null {
  const src = sources.find((s) => s.path === d.file);
  if (!/^SVC\d{3}$/.test(d.code)) return `code ${d.code}`;
  if (!src) return `file ${d.file}`;
  const lines = src.text.split("\n").length;
  if (!(d.line >= 1 && d.line <= lines && d.col >= 1)) return `position ${d.line}:${d.col}`;
  if (!d.message || !d.hint) return "no message or hint";
  return null;
}

function leavesOf(files: Map<string, string>, judge: Judge): Leaf[] {
  const out: Leaf[] = [];
  for (const [path, content] of files) {
    if (/\.ya?ml$/.test(path)) YAML.parseAllDocuments(content).forEach((d, i) => leavesOfValue(path, d.toJS(), [i], out));
    else if (path.endsWith(".json")) leavesOfValue(path, JSON.parse(content), [], out);
    else if (path.endsWith(".lua")) {
      const data = judge.lua(Judge.hashOf(files, path));
      if (data !== undefined) leavesOfValue(`${path}#data`, data, [], out);
    } else if (path.startsWith("k6/") && path.endsWith(".js") && !path.endsWith("svcspec.runtime.js")) {
      try {
        leavesOfValue(`${path}#SCENARIO`, k6Scenario(content), [], out);
      } catch {
        /* node's own check reports it */
      }
    }
  }
  return out;
}

/** Where a marker lands in the outputs: each place, the text around it, and the marker. */
interface Place {
  file: string;
  path: Path;
  key: boolean;
  value: string;
  mark: string;
}

/** A file carried whole as a string (a script in a ConfigMap): its own consumers judge it, and the
 * planted value sits in it escaped for its language (YAML and JSON texts are read as values too). */
const isCodeText = (l: Leaf) => !l.key && /\.(js|lua|rego|conf|md|ya?ml|json)$/.test(String(l.path[l.path.length - 1] ?? ""));

/** A JSON text holding the marker (a request body): the planted value must sit where the marker
 * did, in the parsed JSON. */
function sameJson(got: string | undefined, withMark: string, mark: string, value: string): boolean {
  if (got === undefined) return false;
  const swap = (v: unknown): unknown =>
    typeof v === "string" ? v.split(mark).join(value) : Array.isArray(v) ? v.map(swap) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [swap(k) as string, swap(x)])) : v;
  try {
    return canonical(JSON.parse(got)) === canonical(swap(JSON.parse(withMark)));
  } catch {
    return false;
  }
}

const TEMPLATED = /^(alertmanager\/|kubernetes\/platform\/alertmanager|prometheus\/.*\.rules\.yaml$|kubernetes\/[^/]+\/prometheusrule\.yaml)/;

/** Runs the cases through compile() and every consumer, in batches; returns the figures. */
export function runFuzz(base: Base, cases: Case[], tools: Tools, opts: { batch?: number; log?: (s: string) => void; differential?: number; seed?: number; promtoolTests?: number } = {}): Stats {
  const judge = new Judge(tools, opts.promtoolTests ?? 40);
  const perConsumer = Object.fromEntries(CONSUMERS.map((c) => [c, { files: 0, cases: 0, failures: 0 }])) as Stats["perConsumer"];
  const stats: Stats = { cases: 0, accepted: 0, rejected: 0, failures: 0, perConsumer, failed: [], places: coverage(base), promqlDifferential: { cases: 0, bothAccept: 0, bothReject: 0, stricter: 0, failures: 0, failed: [] } };
  const baselines = new Map<string, Place[] | null>();
  const seenFiles = new Map<Consumer, Set<string>>();
  let marks = 0;
  const siteKey = (c: { site: Site; mode: Mode }) => `${c.site.file}|${c.site.doc}|${JSON.stringify(c.site.path)}|${c.site.key}|${c.mode}`;
  const fail = (c: Case, consumer: Consumer, message: string) => {
    stats.failed.push({ id: c.id, place: c.site.place, mode: c.mode, value: c.value, consumer, message: message.slice(0, 600) });
    perConsumer[consumer].failures++;
  };
  const size = opts.batch ?? 100;
  try {
    for (let i = 0; i < cases.length; i += size) {
      const chunk = cases.slice(i, i + size);
      // 1. baselines: a marker at each new site, to learn where the site's value belongs
      const fresh = chunk.filter((c) => !baselines.has(siteKey(c)));
      const markerRuns: { key: string; mark: string; files: Map<string, string> }[] = [];
      for (const c of fresh) {
        if (baselines.has(siteKey(c))) continue;
        const mark = MARK(marks++);
        const r = compile(caseSources(base, c.site, c.mode, mark));
        baselines.set(siteKey(c), null);
        if (r.files) markerRuns.push({ key: siteKey(c), mark, files: new Map(r.files) });
      }
      judge.run(markerRuns.map((m, id) => ({ id, files: m.files })));
      for (const m of markerRuns) baselines.set(m.key, leavesOf(m.files, judge).filter((l) => !isCodeText(l) && (l.value.includes(m.mark) || l.path.some((p) => String(p).includes(m.mark)))).map((l) => ({ ...l, mark: m.mark })));
      // 2. the cases
      const accepted: { c: Case; files: Map<string, string> }[] = [];
      for (const c of chunk) {
        stats.cases++;
        const sources = caseSources(base, c.site, c.mode, c.value);
        let r: ReturnType<typeof compile>;
        try {
          r = compile(sources);
        } catch (e) {
          fail(c, "compile", `internal error: ${(e as Error).stack ?? String(e)}`);
          stats.failures++;
          continue;
        }
        perConsumer.compile.cases++;
        if (!r.files) {
          const errors = r.diagnostics.filter((d) => d.severity === "error");
          const bad = errors.map((d) => [d, locatedProblem(d, sources)] as const).filter(([, p]) => p);
          if (!errors.length || bad.length) {
            fail(c, "compile", errors.length ? `unlocated diagnostic ${bad[0]![0].code} ${bad[0]![0].message}: ${bad[0]![1]}` : "rejected without an error diagnostic");
            stats.failures++;
          } else stats.rejected++;
          continue;
        }
        stats.accepted++;
        accepted.push({ c, files: new Map(r.files) });
      }
      judge.run(accepted.map(({ c, files }) => ({ id: c.id, files })));
      for (const { c, files } of accepted) {
        const before = stats.failed.length;
        judgeCase(c, files, judge, baselines.get(siteKey(c)) ?? null, fail, perConsumer, seenFiles);
        if (stats.failed.length > before) stats.failures++;
      }
      opts.log?.(`${Math.min(i + size, cases.length)}/${cases.length} cases: ${stats.accepted} accepted, ${stats.rejected} rejected with located diagnostics, ${stats.failures} failures`);
    }
    if (opts.differential) stats.promqlDifferential = promqlDifferential(opts.differential, opts.seed ?? 1, tools, judge.dir);
  } finally {
    judge.cleanup();
  }
  return stats;
}

function judgeCase(c: Case, files: Map<string, string>, judge: Judge, places: Place[] | null, fail: (c: Case, consumer: Consumer, m: string) => void, perConsumer: Stats["perConsumer"], seen: Map<Consumer, Set<string>>): void {
  const used = new Set<Consumer>();
  const judged = (consumer: Consumer, hash: string) => {
    if (!used.has(consumer)) (used.add(consumer), perConsumer[consumer].cases++);
    let s = seen.get(consumer);
    if (!s) seen.set(consumer, (s = new Set()));
    if (!s.has(hash)) (s.add(hash), perConsumer[consumer].files++);
  };
  for (const [path, content] of files) {
    const h = Judge.hashOf(files, path);
    const raw = unsafeIn(content);
    judged("escapes", h);
    if (raw.length) fail(c, "escapes", `${path}: raw unsafe characters ${raw.slice(0, 5).join(" ")}`);
    if (/\.ya?ml$/.test(path)) {
      judged("yaml+js-yaml", h);
      try {
        const a = YAML.parseAllDocuments(content).map((d) => {
          if (d.errors.length) throw new Error(d.errors[0]!.message);
          return d.toJS() as unknown;
        });
        const b = jsyaml.loadAll(content, undefined, { schema: jsyaml.CORE_SCHEMA });
        if (canonical(a) !== canonical(b)) fail(c, "yaml+js-yaml", `${path}: yaml and js-yaml read different values`);
      } catch (e) {
        fail(c, "yaml+js-yaml", `${path}: ${(e as Error).message}`);
      }
    }
    if (path.endsWith(".json")) {
      judged("json", h);
      try {
        JSON.parse(content);
      } catch (e) {
        fail(c, "json", `${path}: ${(e as Error).message}`);
      }
    }
    for (const consumer of CONSUMERS) {
      const v = judge.verdict(h, consumer);
      if (v === undefined) continue;
      judged(consumer, h);
      if (v !== null) fail(c, consumer, `${path}: ${v}`);
    }
  }
  // round trip: where the marker landed, the planted value must land, unchanged
  if (!places?.length) return;
  perConsumer["round-trip"].cases++;
  const index = new Map(leavesOf(files, judge).map((l) => [leafId(l.file, l.path, l.key), l.value]));
  for (const p of places) {
    const swap = (s: string) => s.split(p.mark).join(c.value);
    const id = leafId(swap(p.file), p.path.map((x) => (typeof x === "string" ? swap(x) : x)), p.key);
    const got = index.get(id);
    const want = swap(p.value);
    if (got === want || (TEMPLATED.test(p.file) && got === templateLiteral(want)) || sameJson(got, p.value, p.mark, c.value)) continue;
    fail(c, "round-trip", `${p.file} ${JSON.stringify(p.path)}${p.key ? " (key)" : ""}: got ${JSON.stringify(got)?.slice(0, 200)}, want ${JSON.stringify(want).slice(0, 200)}`);
    break;
  }
}

/** Which of the schema's string places the base spec holds a string at. */
export function coverage(base: Base): Stats["places"] {
  const all = schemaStringPlaces();
  const held = new Set(base.sites.map((s) => s.place));
  const uncovered = all.filter((p) => !held.has(p));
  return { covered: all.length - uncovered.length, total: all.length, uncovered };
}

// ---------------------------------------------------------------------------------------------
// The PromQL parser differential: svcspec's validating parser against Prometheus's on comments,
// whitespace and control characters. A query svcspec accepts must mean the same to promtool: the
// edits are comments and whitespace only, so its value must stay the base query's.

const BASES = ["sum(rate(errors_total[5m]))", 'sum by (job) (rate(errors_total{job="a"}[5m]))', "sum(rate(errors_total[5m])) / sum(rate(errors_total[5m]))"];
const GAPS = [" ", "\t", "\n", "\r", "\r\n", "\u000b", "\u000c", "\u2028", "\u2029", "\u0085", "\u00a0", "\u0000", "\ufeff", "\u3000"];
const TAILS = [" * 0", ") * 0 (", " # x", " + 1", "", '"', ") or vector(0) #"];

export function differentialCases(n: number, seed: number): string[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const base = BASES[r(BASES.length)]!;
    // split between tokens: after `(`, before `)`, around operators
    const cuts = [...base.matchAll(/[()[\],{}]|\/|by/g)].map((m) => m.index! + (m[0] === "(" || m[0] === "[" || m[0] === "{" || m[0] === "," ? 1 : 0));
    let s = base;
    const edits = 1 + r(3);
    for (let e = 0; e < edits; e++) {
      const at = r(2) ? s.length : cuts[r(cuts.length)]!;
      const gap = GAPS[r(GAPS.length)]!;
      const piece = r(2) ? `#${TAILS[r(TAILS.length)]}${gap}` : gap;
      s = s.slice(0, at) + piece + (r(3) === 0 ? "\n" : "") + s.slice(at);
    }
    return s;
  });
}

function promqlDifferential(n: number, seed: number, tools: Tools, dir: string): Stats["promqlDifferential"] {
  const out: Stats["promqlDifferential"] = { cases: 0, bothAccept: 0, bothReject: 0, stricter: 0, failures: 0, failed: [] };
  if (!tools.promtool) return out;
  const root = join(dir, "promql");
  mkdirSync(root, { recursive: true });
  const texts = differentialCases(n, seed);
  const files = texts.map((expr, i) => {
    const base = BASES.find((b) => expr.replace(/#[^\n]*(\n|$)/g, "").replace(/\s+/g, "") === b.replace(/\s+/g, "")) ?? null;
    const rules = join(root, `q${i}.rules.yaml`);
    writeFileSync(rules, JSON.stringify({ groups: [{ name: "t", rules: [{ record: "q:value", expr: `(${expr}\n)` }] }] }));
    const test = join(root, `q${i}.test.yaml`);
    writeFileSync(
      test,
      JSON.stringify({
        rule_files: [`q${i}.rules.yaml`],
        evaluation_interval: "1m",
        tests: [{ interval: "1m", input_series: [{ series: 'errors_total{job="a"}', values: "0+60x20" }], promql_expr_test: [{ expr: "q:value", eval_time: "10m", exp_samples: [{ labels: base?.includes("by (job)") ? 'q:value{job="a"}' : "q:value", value: base?.includes(" / ") ? 1 : 1 }] }] }],
      }),
    );
    return { expr, rules, test, base };
  });
  const check = batched(files.map((f) => f.rules), (fs) => spawnOk(tools.promtool!, ["check", "rules", ...fs]));
  const ours = files.map((f) => checkPromql(f.expr, "expr") === null);
  const meaning = batched(files.filter((f, i) => ours[i] && !check.has(f.rules)).map((f) => f.test), (fs) => spawnOk(tools.promtool!, ["test", "rules", ...fs], { cwd: root }), 50);
  files.forEach((f, i) => {
    out.cases++;
    const theirs = !check.has(f.rules);
    if (ours[i] && !theirs) {
      out.failures++;
      out.failed.push(`svcspec accepts, promtool rejects: ${JSON.stringify(f.expr)}`);
    } else if (ours[i] && theirs) {
      out.bothAccept++;
      if (f.base === null || meaning.has(f.test)) {
        out.failures++;
        out.failed.push(`svcspec reads ${JSON.stringify(f.expr)} as comments and whitespace around ${f.base ?? "?"}; Prometheus evaluates something else`);
      }
    } else if (!ours[i] && theirs) out.stricter++;
    else out.bothReject++;
  });
  return out;
}
