/** Runs the real consumers of each output over the output folder: the proof that Prometheus,
 * Alertmanager, OPA, LuaJIT, k6 and Kubernetes accept what svcspec wrote. */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import jsyaml from "js-yaml";
import { dirname, join, relative, resolve } from "node:path";
import { deployCases } from "../../access/cases.js";
import { buildWasmBundle, loadAccessWasm } from "../../access/wasm.js";
import type { Model } from "../../model/model.js";
import { toJson } from "../../render/json.js";
import { findTool, kubeSchemas, toolDirs } from "../../tools/discover.js";
import { compileFolder } from "../shared.js";
import { EXIT, type ExitCode, type Io } from "../io.js";

export interface VerifyOptions {
  out: string;
  /** The spec folder, for the access tests run through the wasm. */
  spec: string;
  tools?: string;
  /** Fail when a validator that applies is not installed (CI sets this). */
  requireTools: boolean;
}

/** Where a check runs: the tools folder of the binary found (the one holding its bin/) and the
 * environment, which may point at other schemas. */
interface CheckContext {
  toolsRoot: string;
  env: Io["env"];
}

interface Check {
  tool: string;
  what: string;
  /** Files (relative to the output folder) this check applies to. */
  select(files: string[]): string[];
  /** Why the check cannot run although its tool is installed (it then counts as missing), or null. */
  unavailable?(ctx: CheckContext): string | null;
  /** Command lines to run, each [args] for the tool, run in the output folder. */
  commands(files: string[], outDir: string, ctx: CheckContext): string[][];
}

const CHECKS: Check[] = [
  { tool: "promtool", what: "check rules", select: (f) => f.filter((p) => /^prometheus\/[^/]+\.rules\.yaml$/.test(p)), commands: (f) => [["check", "rules", ...f]] },
  { tool: "promtool", what: "test rules", select: (f) => f.filter((p) => /^prometheus\/[^/]+\.rules\.test\.yaml$/.test(p)), commands: (f) => f.map((p) => ["test", "rules", p]) },
  { tool: "amtool", what: "check-config", select: (f) => f.filter((p) => p === "alertmanager/alertmanager.yaml"), commands: (f) => [["check-config", ...f]] },
  {
    tool: "amtool",
    what: "config routes test",
    select: (f) => f.filter((p) => p === "alertmanager/routes.test.yaml"),
    // One `amtool config routes test --verify.receivers` per row of the generated routing table.
    commands: (f, outDir) => f.flatMap((p) => routingRows(join(outDir, p)).map((row) => ["config", "routes", "test", `--config.file=${join(dirname(p), row.config)}`, `--verify.receivers=${row.receivers.join(",")}`, ...Object.entries(row.labels).map(([k, v]) => `${k}=${v}`)])),
  },
  { tool: "opa", what: "check --strict", select: (f) => (f.includes("opa/.manifest") ? ["opa"] : []), commands: () => [["check", "--strict", "opa"]] },
  { tool: "opa", what: "test", select: (f) => (f.some((p) => p.startsWith("opa-tests/")) ? ["opa", "opa-tests"] : []), commands: () => [["test", "--fail-on-empty", "opa", "opa-tests"]] },
  { tool: "luajit", what: "compile", select: (f) => f.filter((p) => /^fluent-bit\/.*\.lua$/.test(p)), commands: (f) => f.map((p) => ["-b", p, "/dev/null"]) },
  // Scripts only (a DNS-label name): the runtime module beside them (svcspec.runtime.js) has no default function.
  { tool: "k6", what: "inspect", select: (f) => f.filter((p) => /^k6\/[^/]+\/[^./]+\.js$/.test(p)), commands: (f) => f.map((p) => ["inspect", "--execution-requirements", p]) },
  {
    tool: "kubeconform",
    what: "-strict",
    select: (f) => f.filter((p) => /^kubernetes\/.*\.ya?ml$/.test(p) && !p.endsWith("kustomization.yaml")),
    // Without the schemas every custom resource would fail with "could not find schema": say what is missing instead.
    unavailable: ({ toolsRoot, env }) => {
      const schemas = kubeSchemas(env, toolsRoot);
      return schemas.present ? null : `no custom-resource schemas in ${schemas.dir} (scripts/setup-tools.sh converts them from ../shared/crds or $SVCSPEC_CRDS)`;
    },
    // Offline: custom resources from the schemas scripts/setup-tools.sh converts from the CRDs;
    // the core kinds, for which no schema is at hand offline, are checked by kubernetes-models below.
    commands: (f, _out, { toolsRoot, env }) => [["-strict", "-summary", "-skip", CORE_KINDS.join(","), "-schema-location", `${kubeSchemas(env, toolsRoot).dir}/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json`, ...f]],
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

export async function runVerify(io: Io, opts: VerifyOptions): Promise<ExitCode> {
  const outDir = resolve(io.cwd, opts.out);
  if (!existsSync(outDir)) {
    io.err(`✖ output folder ${opts.out} does not exist\n  hint: run \`svcspec build\` first\n`);
    return EXIT.invalid;
  }
  const files = listFiles(outDir).sort();
  const dirs = toolDirs(io, opts.tools);
  let failed = 0;
  let missing = 0;
  let ran = 0;
  for (const check of CHECKS) {
    const selected = check.select(files);
    const label = `${check.tool} ${check.what}`.padEnd(24);
    if (!selected.length) {
      io.err(`  -  ${label} nothing to check\n`);
      continue;
    }
    const bin = findTool(check.tool, dirs);
    if (!bin) {
      missing++;
      io.err(`  ?  ${label} MISSING: ${check.tool} is not installed (run scripts/setup-tools.sh)\n`);
      continue;
    }
    const ctx: CheckContext = { toolsRoot: dirname(dirname(bin)), env: io.env };
    const why = check.unavailable?.(ctx) ?? null;
    if (why !== null) {
      missing++;
      io.err(`  ?  ${label} MISSING: ${why}\n`);
      continue;
    }
    const problems: string[] = [];
    for (const args of check.commands(selected, outDir, ctx)) {
      const r = spawnSync(bin, args, { cwd: outDir, encoding: "utf8", timeout: 120_000, env: { ...io.env, NO_COLOR: "1" } as NodeJS.ProcessEnv });
      if (r.status !== 0) problems.push(`$ ${check.tool} ${args.join(" ")}\n${(r.stdout ?? "") + (r.stderr ?? "")}${r.error ? String(r.error) : ""}`.trimEnd());
    }
    ran++;
    if (problems.length) {
      failed++;
      io.err(`  ✖  ${label} FAILED on ${selected.length} file(s)\n${problems.map((p) => p.replace(/^/gm, "       ")).join("\n")}\n`);
    } else io.err(`  ✔  ${label} ok (${selected.length} file${selected.length === 1 ? "" : "s"})\n`);
  }
  const wasm = await checkAccessWasm(io, opts.spec, outDir, files, dirs);
  const wasmLabel = "opa-wasm access.tests".padEnd(24);
  if (wasm.status === "none") io.err(`  -  ${wasmLabel} ${wasm.why}\n`);
  else if (wasm.status === "missing") {
    missing++;
    io.err(`  ?  ${wasmLabel} MISSING: opa is not installed (run scripts/setup-tools.sh)\n`);
  } else {
    ran++;
    if (wasm.problems.length) {
      failed++;
      io.err(`  ✖  ${wasmLabel} FAILED\n${wasm.problems.map((p) => p.replace(/^/gm, "       ")).join("\n")}\n`);
    } else io.err(`  ✔  ${wasmLabel} ok (${wasm.summary})\n`);
  }
  const core = await checkCoreKinds(outDir, files);
  const coreLabel = "kubernetes-models core".padEnd(24);
  if (!core.checked) io.err(`  -  ${coreLabel} nothing to check\n`);
  else {
    ran++;
    if (core.problems.length) {
      failed++;
      io.err(`  ✖  ${coreLabel} FAILED\n${core.problems.map((p) => `       ${p}`).join("\n")}\n`);
    } else io.err(`  ✔  ${coreLabel} ok (${core.checked} object${core.checked === 1 ? "" : "s"})\n`);
  }
  const summary = `${ran} ran, ${failed} failed, ${missing} missing`;
  if (failed || (missing && opts.requireTools)) {
    io.err(`✖ verify: ${summary}\n`);
    return EXIT.invalid;
  }
  io.err(`✔ verify: ${summary}\n`);
  return EXIT.ok;
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
