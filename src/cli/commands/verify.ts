/** Runs the real consumers of each output over the output folder: the proof that Prometheus,
 * Alertmanager, OPA, LuaJIT, k6 and Kubernetes accept what svcspec wrote. */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import jsyaml from "js-yaml";
import { dirname, join, relative, resolve } from "node:path";
import { deployCases } from "../../access/cases.js";
import { buildWasmBundle, loadAccessWasm } from "../../access/wasm.js";
import type { Model } from "../../model/model.js";
import { toJson } from "../../render/json.js";
import { convertCrds, schemaLocation } from "../../tools/crd-schemas.js";
import { findTool, kubeSchemas, toolDirs } from "../../tools/discover.js";
import { packageRoot } from "../../util/package-root.js";
import { pool } from "../../util/pool.js";
import { compileFolder, parseTargets } from "../shared.js";
import { EXIT, type ExitCode, type Io } from "../io.js";

export interface VerifyOptions {
  out: string;
  /** The spec folder, for the access tests run through the wasm. */
  spec: string;
  tools?: string;
  /** A folder of CustomResourceDefinitions (`kubectl get crd ... -o yaml`), converted on the fly. */
  crds?: string;
  /** Exit 0 although a validator that applies is missing (by default that is exit 3). */
  allowMissing: boolean;
  format: "text" | "json";
  /** `--only <targets>`: run only the checks of these targets' outputs, comma-separated. */
  only?: string;
}

/** Where a check runs: the folder of custom-resource schemas kubeconform reads (null: none). */
interface CheckContext {
  kubeSchemas: KubeSchemas;
}

/** Where the custom-resource schemas come from, and whether there are any. */
interface KubeSchemas {
  dir: string | null;
  /** Why there are none (then kubeconform counts as missing), or how they were found. */
  why: string;
}

interface Check {
  /** The target (`build --only` name) whose output the check reads. */
  target: string;
  tool: string;
  what: string;
  /** It runs tests svcspec generates (absent when the Organization's outputs.tests is off). */
  generatedTests?: boolean;
  /** Files (relative to the output folder) this check applies to. */
  select(files: string[]): string[];
  /** Why the check cannot run although its tool is installed (it then counts as missing), or null. */
  unavailable?(ctx: CheckContext): string | null;
  /** Command lines to run, each [args] for the tool, run in the output folder. */
  commands(files: string[], outDir: string, ctx: CheckContext): string[][];
}

const CHECKS: Check[] = [
  { target: "prometheus", tool: "promtool", what: "check rules", select: (f) => f.filter((p) => /^prometheus\/[^/]+\.rules\.yaml$/.test(p)), commands: (f) => [["check", "rules", ...f]] },
  { target: "prometheus", tool: "promtool", what: "test rules", generatedTests: true, select: (f) => f.filter((p) => /^prometheus\/[^/]+\.rules\.test\.yaml$/.test(p)), commands: (f) => f.map((p) => ["test", "rules", p]) },
  { target: "alertmanager", tool: "amtool", what: "check-config", select: (f) => f.filter((p) => p === "alertmanager/alertmanager.yaml"), commands: (f) => [["check-config", ...f]] },
  {
    target: "alertmanager",
    tool: "amtool",
    what: "config routes test",
    select: (f) => f.filter((p) => p === "alertmanager/routes.test.yaml"),
    // One `amtool config routes test --verify.receivers` per row of the generated routing table.
    commands: (f, outDir) => f.flatMap((p) => routingRows(join(outDir, p)).map((row) => ["config", "routes", "test", `--config.file=${join(dirname(p), row.config)}`, `--verify.receivers=${row.receivers.join(",")}`, ...Object.entries(row.labels).map(([k, v]) => `${k}=${v}`)])),
  },
  { target: "opa", tool: "opa", what: "check --strict", select: (f) => (f.includes("opa/.manifest") ? ["opa"] : []), commands: () => [["check", "--strict", "opa"]] },
  { target: "opa", tool: "opa", what: "test", generatedTests: true, select: (f) => (f.some((p) => p.startsWith("opa-tests/")) ? ["opa", "opa-tests"] : []), commands: () => [["test", "--fail-on-empty", "opa", "opa-tests"]] },
  { target: "fluent-bit", tool: "luajit", what: "compile", select: (f) => f.filter((p) => /^fluent-bit\/.*\.lua$/.test(p)), commands: (f) => f.map((p) => ["-b", p, "/dev/null"]) },
  // Scripts only (a DNS-label name): the runtime module beside them (svcspec.runtime.js) has no default function.
  { target: "k6", tool: "k6", what: "inspect", select: (f) => f.filter((p) => /^k6\/[^/]+\/[^./]+\.js$/.test(p)), commands: (f) => f.map((p) => ["inspect", "--execution-requirements", p]) },
  {
    target: "kubernetes",
    tool: "kubeconform",
    what: "-strict",
    select: (f) => f.filter((p) => /^kubernetes\/.*\.ya?ml$/.test(p) && !p.endsWith("kustomization.yaml")),
    // Without the schemas every custom resource would fail with "could not find schema": say what is missing instead.
    unavailable: ({ kubeSchemas }) => (kubeSchemas.dir ? null : kubeSchemas.why),
    // Offline: custom resources from schemas converted from the CRDs; the core kinds, for which no
    // schema is at hand offline, are checked by kubernetes-models below.
    commands: (f, _out, { kubeSchemas }) => [["-strict", "-summary", "-skip", CORE_KINDS.join(","), "-schema-location", schemaLocation(kubeSchemas.dir ?? ""), ...f]],
  },
];

interface RoutingRow {
  config: string;
  labels: Record<string, string>;
  receivers: string[];
}

export function routingRows(file: string): RoutingRow[] {
  const doc = jsyaml.load(readFileSync(file, "utf8"), { schema: jsyaml.CORE_SCHEMA }) as { config: string; cases: Omit<RoutingRow, "config">[] };
  return doc.cases.map((c) => ({ config: doc.config, labels: c.labels, receivers: c.receivers }));
}

/** Core kinds svcspec emits, validated in-process by kubernetes-models (no JSON schema offline). */
const CORE_KINDS = ["ConfigMap", "Secret"];

/** Validates the core-kind documents of the Kubernetes outputs; returns one message per problem. */
export async function checkCoreKinds(outDir: string, files: string[]): Promise<{ checked: number; problems: string[] }> {
  const v1 = await import("kubernetes-models/v1");
  const models: Record<string, new (data: never) => { validate(): void }> = { ConfigMap: v1.ConfigMap as never, Secret: v1.Secret as never };
  let checked = 0;
  const problems: string[] = [];
  for (const f of files.filter((p) => /^kubernetes\/.*\.ya?ml$/.test(p))) {
    for (const doc of jsyaml.loadAll(readFileSync(join(outDir, f), "utf8"), undefined, { schema: jsyaml.CORE_SCHEMA }) as { apiVersion?: string; kind?: string }[]) {
      const Model = doc?.apiVersion === "v1" && doc.kind ? models[doc.kind] : undefined;
      if (!Model) continue;
      checked++;
      try {
        new Model(doc as never).validate();
      } catch (e) {
        problems.push(`${f}: ${doc.kind}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
  return { checked, problems };
}

function listFiles(root: string, dir = root): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const abs = join(dir, e.name);
    return e.isDirectory() ? listFiles(root, abs) : [relative(root, abs).split("\\").join("/")];
  });
}

/** One line of the report. */
interface Result {
  check: string;
  status: "ok" | "failed" | "missing" | "none";
  /** Files checked (ok, failed), or why nothing ran (missing, none). */
  detail: string;
  problems: string[];
}

/** The custom-resource schemas: `--crds <dir>` (converted now), `$SVCSPEC_KUBE_SCHEMAS` (converted
 * before), `$SVCSPEC_CRDS` (converted now), the tools folder of the kubeconform found, then the
 * package's own `.tools/kube-schemas` (what `svcspec setup-tools` converts). `cleanup` removes
 * what was converted for this run. */
function findKubeSchemas(io: Io, crds: string | undefined, kubeconform: string | null): KubeSchemas & { cleanup(): void } {
  const none = () => undefined;
  const convert = (dir: string, from: string): KubeSchemas & { cleanup(): void } => {
    const abs = resolve(io.cwd, dir);
    if (!existsSync(abs)) return { dir: null, why: `no CRD folder ${dir} (${from})`, cleanup: none };
    const out = mkdtempSync(join(tmpdir(), "svcspec-kube-schemas-"));
    const cleanup = () => rmSync(out, { recursive: true, force: true });
    try {
      const n = convertCrds(abs, out);
      if (n) return { dir: out, why: `${n} schemas from ${dir} (${from})`, cleanup };
      cleanup();
      return { dir: null, why: `no CustomResourceDefinition in ${dir} (${from}): save them with \`kubectl get crd <names> -o yaml > ${dir}/crds.yaml\``, cleanup: none };
    } catch (e) {
      cleanup();
      return { dir: null, why: `the CRDs in ${dir} (${from}) do not read: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`, cleanup: none };
    }
  };
  if (crds !== undefined) return convert(crds, "--crds");
  if (io.env["SVCSPEC_KUBE_SCHEMAS"]) {
    const k = kubeSchemas(io.env, "");
    return { dir: k.present ? k.dir : null, why: `no custom-resource schemas in ${k.dir} ($SVCSPEC_KUBE_SCHEMAS); pass --crds <folder of CRDs> or set SVCSPEC_CRDS`, cleanup: none };
  }
  if (io.env["SVCSPEC_CRDS"]) return convert(io.env["SVCSPEC_CRDS"], "$SVCSPEC_CRDS");
  const places = [...new Set([kubeconform ? dirname(dirname(kubeconform)) : null, join(packageRoot(), ".tools")].filter((d): d is string => d !== null))];
  for (const root of places) {
    const k = kubeSchemas({}, root);
    if (k.present) return { dir: k.dir, why: `schemas in ${k.dir}`, cleanup: none };
  }
  return {
    dir: null,
    why: `no custom-resource schemas (looked in ${places.map((p) => join(p, "kube-schemas")).join(", ")}): pass --crds <folder>, a folder of the cluster's CRDs (\`kubectl get crd <names> -o yaml > crds/crds.yaml\`), or set SVCSPEC_CRDS; \`svcspec setup-tools\` converts them once`,
    cleanup: none,
  };
}

export async function runVerify(io: Io, opts: VerifyOptions): Promise<ExitCode> {
  const outDir = resolve(io.cwd, opts.out);
  if (!existsSync(outDir)) {
    io.err(`✖ output folder ${opts.out} does not exist\n  hint: run \`svcspec build\` first\n`);
    return EXIT.invalid;
  }
  const only = parseTargets(opts.only);
  if (only.problem) {
    io.err(only.problem);
    return EXIT.usage;
  }
  // A target left out is not checked at all: no line, not counted (the summary names the targets).
  const wanted = (target: string) => !only.targets || only.targets.includes(target);
  const files = listFiles(outDir).sort();
  const dirs = toolDirs(io, opts.tools);
  const results: Result[] = [];
  const text = opts.format === "text";
  const report = (r: Result) => {
    results.push(r);
    if (text) io.err(resultLine(r));
  };
  // converting the CRDs is work only kubeconform needs
  const schemas = wanted("kubernetes") ? findKubeSchemas(io, opts.crds, findTool("kubeconform", dirs)) : { dir: null, why: "not checked (--only)", cleanup: () => undefined };
  try {
    const ctx: CheckContext = { kubeSchemas: schemas };
    for (const check of CHECKS.filter((c) => wanted(c.target))) {
      const name = `${check.tool} ${check.what}`;
      const selected = check.select(files);
      if (!selected.length) {
        // the target's outputs are there but not their tests: say why a proof is absent
        const untested = check.generatedTests && files.some((p) => p.startsWith(`${check.target}/`));
        report({ check: name, status: "none", detail: untested ? `nothing to check: ${opts.out}/ holds ${check.target} outputs without their generated tests (the Organization's outputs.tests is false)` : "nothing to check", problems: [] });
        continue;
      }
      const bin = findTool(check.tool, dirs);
      if (!bin) {
        report({ check: name, status: "missing", detail: `${check.tool} is not installed (run \`svcspec setup-tools\`, or put it on the PATH)`, problems: [] });
        continue;
      }
      const why = check.unavailable?.(ctx) ?? null;
      if (why !== null) {
        report({ check: name, status: "missing", detail: why, problems: [] });
        continue;
      }
      // one command per file for most checks (each history test file is minutes of promtool): as
      // many at once as there are CPUs, the problems in the commands' order
      const env = { ...io.env, NO_COLOR: "1" } as NodeJS.ProcessEnv;
      const runs = await pool(
        check.commands(selected, outDir, ctx).map((args) => () => runTool(bin, args, outDir, env)),
        availableParallelism(),
      );
      const problems = runs.filter((r) => r.status !== 0).map((r) => `$ ${check.tool} ${r.args.join(" ")}\n${r.output}${r.error}`.trimEnd());
      report({ check: name, status: problems.length ? "failed" : "ok", detail: `${selected.length} file${selected.length === 1 ? "" : "s"}`, problems });
    }
  } finally {
    schemas.cleanup();
  }
  if (wanted("opa")) {
    const wasm = await checkAccessWasm(io, opts.spec, outDir, files, dirs);
    const wasmName = "opa-wasm access.tests";
    if (wasm.status === "none") report({ check: wasmName, status: "none", detail: wasm.why, problems: [] });
    else if (wasm.status === "missing") report({ check: wasmName, status: "missing", detail: "opa is not installed (run `svcspec setup-tools`, or put it on the PATH)", problems: [] });
    else report({ check: wasmName, status: wasm.problems.length ? "failed" : "ok", detail: wasm.summary, problems: wasm.problems });
  }
  if (wanted("kubernetes")) {
    const core = await checkCoreKinds(outDir, files);
    const coreName = "kubernetes-models core";
    if (!core.checked) report({ check: coreName, status: "none", detail: "nothing to check", problems: [] });
    else report({ check: coreName, status: core.problems.length ? "failed" : "ok", detail: `${core.checked} object${core.checked === 1 ? "" : "s"}`, problems: core.problems });
  }

  const count = (status: Result["status"]) => results.filter((r) => r.status === status).length;
  const ran = count("ok") + count("failed");
  const failed = count("failed");
  const missing = count("missing");
  const code: ExitCode = failed ? EXIT.invalid : missing && !opts.allowMissing ? EXIT.missing : EXIT.ok;
  const summary = `${ran} ran, ${failed} failed, ${missing} missing${only.targets ? ` (only ${only.targets.join(", ")})` : ""}`;
  if (!text) {
    io.out(JSON.stringify({ summary: { ran, failed, missing, exitCode: code }, ...(only.targets ? { only: only.targets } : {}), kubeSchemas: schemas.why, checks: results }, null, 2) + "\n");
    return code;
  }
  if (code === EXIT.missing) io.err(`✖ verify: ${summary}\n  hint: install the missing validators (\`svcspec setup-tools\`), or pass --allow-missing to accept them missing\n`);
  else io.err(`${code === EXIT.ok ? "✔" : "✖"} verify: ${summary}\n`);
  return code;
}

/** How long one validator command may take (a history test file takes minutes on a loaded machine). */
const COMMAND_TIMEOUT_MS = 600_000;

/** One validator command in the output folder: its exit status (null when it was killed or did
 * not start), its stdout and stderr, and why it did not start or finish. */
function runTool(bin: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ args: string[]; status: number | null; output: string; error: string }> {
  return new Promise((done) => {
    const p = spawn(bin, args, { cwd, env, timeout: COMMAND_TIMEOUT_MS, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (b: Buffer) => (stdout += b.toString("utf8")));
    p.stderr.on("data", (b: Buffer) => (stderr += b.toString("utf8")));
    // a command that cannot start reports `error` (and may never close); the first report counts
    p.on("error", (e) => done({ args, status: null, output: stdout + stderr, error: String(e) }));
    p.on("close", (code, signal) => done({ args, status: code, output: stdout + stderr, error: signal ? `killed by ${signal} (at most ${COMMAND_TIMEOUT_MS / 1000} s per command)` : "" }));
  });
}

/** `  ✔  promtool check rules     ok (7 files)` and the problems, indented. */
function resultLine(r: Result): string {
  const label = r.check.padEnd(24);
  switch (r.status) {
    case "none":
      return `  -  ${label} ${r.detail}\n`;
    case "missing":
      return `  ?  ${label} MISSING: ${r.detail}\n`;
    case "ok":
      return `  ✔  ${label} ok (${r.detail})\n`;
    case "failed":
      return `  ✖  ${label} FAILED${r.detail ? ` on ${r.detail}` : ""}\n${r.problems.map((p) => p.replace(/^/gm, "       ")).join("\n")}\n`;
  }
}

type WasmCheck = { status: "none"; why: string } | { status: "missing" } | { status: "ran"; problems: string[]; summary: string };

/** Compiles out/opa to wasm and runs every service's access.tests and the deploy gate's boundary
 * cases through it in Node, with the time built-ins svcspec supplies. */
async function checkAccessWasm(io: Io, specDir: string, outDir: string, files: string[], dirs: string[]): Promise<WasmCheck> {
  if (!files.includes("opa/.manifest")) return { status: "none", why: "nothing to check" };
  // The access tests live in the spec: an output folder checked on its own has none to run.
  if (!existsSync(resolve(io.cwd, specDir))) return { status: "none", why: `skipped: no spec folder ${specDir} (pass --spec)` };
  const opa = findTool("opa", dirs);
  if (!opa) return { status: "missing" };
  const compiled = compileFolder(io, { spec: specDir, format: "text" });
  if (!compiled.model) return { status: "ran", problems: [`the spec in ${specDir} does not validate: run \`svcspec validate --spec ${specDir}\``], summary: "" };
  // The tests come from the spec and the policy from the output: they must be one compilation.
  if (bundleRevision(join(outDir, "opa", ".manifest")) !== manifestRevision(compiled.files?.get("opa/.manifest"))) {
    return { status: "ran", problems: [`${relative(io.cwd, join(outDir, "opa")) || "opa"} was not compiled from the spec in ${specDir} (the bundle revision differs): run \`svcspec build\`, or pass the --spec it came from`], summary: "" };
  }
  try {
    return { status: "ran", ...(await runAccessTests(opa, join(outDir, "opa"), compiled.model)) };
  } catch (e) {
    return { status: "ran", problems: [e instanceof Error ? e.message : String(e)], summary: "" };
  }
}

/** The `revision` of a bundle manifest file; null when it is unreadable (then it matches no spec). */
function bundleRevision(manifest: string): unknown {
  try {
    return manifestRevision(readFileSync(manifest, "utf8"));
  } catch {
    return null;
  }
}

/** The `revision` of a manifest's text; undefined when there is none (it matches no file). */
function manifestRevision(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return (JSON.parse(text) as { revision?: unknown }).revision ?? null;
  } catch {
    return undefined;
  }
}

async function runAccessTests(opa: string, bundleDir: string, model: Model): Promise<{ problems: string[]; summary: string }> {
  const services = model.services.filter((s) => s.access);
  const bundle = buildWasmBundle(opa, bundleDir, services.map((s) => s.id));
  const wasm = await loadAccessWasm(bundle.policyWasm, bundle.data);
  const problems: string[] = [];
  let tests = 0;
  for (const s of services) {
    for (const t of s.access!.tests) {
      tests++;
      const d = wasm.access(s.id, t.request);
      const wrong = [
        d === null ? "the decision is undefined" : null,
        d && d.allow !== (t.expect === "allow") ? `expected ${t.expect}, got ${d.allow ? "allow" : "deny"}` : null,
        d && t.maskedFields && toJson(d.maskedFields) !== toJson(t.maskedFields) ? `expected maskedFields ${JSON.stringify(t.maskedFields)}, got ${JSON.stringify(d.maskedFields)}` : null,
        d && t.reason && !d.reasons.includes(t.reason) ? `expected reason ${JSON.stringify(t.reason)} among ${JSON.stringify(d.reasons)}` : null,
      ].filter((x): x is string => x !== null);
      if (wrong.length) problems.push(`${s.name}: ${t.name}: ${wrong.join("; ")}`);
    }
  }
  const gate = deployCases(model.organization.deployPolicy);
  for (const c of gate) {
    const d = wasm.deploy(c.input);
    if (toJson(d) !== toJson(c.expect)) problems.push(`deploy gate: ${c.name}: expected ${JSON.stringify(c.expect)}, got ${JSON.stringify(d)}`);
  }
  return { problems, summary: `${tests} access tests of ${services.length} services, ${gate.length} deploy-gate cases` };
}
