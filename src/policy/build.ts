/** Compiling a folder of Rego policies to wasm with opa, cached by content hash: the part of
 * policy checking that touches the disk and runs a tool. The CLI calls it and hands the bytes to
 * compile() (src/policy/evaluate.ts evaluates them). */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { readTarGz, wasmCapabilities } from "../access/wasm.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { builtinDir } from "./builtin.js";
import { ENTRY_MODULE, POLICIES_ENTRYPOINT, type RegoSource, sourceHash } from "./pack.js";

export { policyModules, regoFiles } from "./pack.js";

/** A Rego problem as opa reports it: `file` is a path inside the policies folder. */
export interface RegoProblem {
  file: string;
  line: number;
  col: number;
  code: string;
  message: string;
}

export type BuildResult = { wasm: Buffer } | { problems: RegoProblem[]; output: string };

/** The entrypoint module (policies/entry.rego) as an organisation's pack is built with it: under a
 * dot folder, which no policies folder of its own can hold (regoFiles skips them). */
export function entryModule(): RegoSource {
  return { path: `.svcspec/${ENTRY_MODULE}`, text: readFileSync(join(builtinDir(), ENTRY_MODULE), "utf8") };
}

/** `opa check` (for located errors) then `opa build -t wasm`, with the capabilities of the wasm
 * SDK plus svcspec's time built-ins: a policy calling a built-in Node cannot run is refused here,
 * at its line, not when it is evaluated. The modules are built from a copy: what is hashed is
 * what is built. */
export function buildPolicies(opa: string, modules: readonly RegoSource[]): BuildResult {
  const tmp = mkdtempSync(join(tmpdir(), "svcspec-policies-"));
  try {
    const caps = join(tmp, "capabilities.json");
    writeFileSync(caps, JSON.stringify(wasmCapabilities(opa)));
    const dir = join(tmp, "src");
    for (const m of modules) {
      mkdirSync(dirname(join(dir, m.path)), { recursive: true });
      writeFileSync(join(dir, m.path), m.text);
    }
    const files = modules.map((m) => m.path);
    const check = spawnSync(opa, ["check", "--format", "json", "--capabilities", caps, ...files], { cwd: dir, encoding: "utf8", timeout: 120_000 });
    // opa check writes its JSON report to stderr.
    if (check.status !== 0) return { problems: checkProblems(check.stderr || check.stdout), output: (check.stdout ?? "") + (check.stderr ?? "") + (check.error ? String(check.error) : "") };
    const archive = join(tmp, "bundle.tar.gz");
    const build = spawnSync(opa, ["build", "-t", "wasm", "-e", POLICIES_ENTRYPOINT, "--capabilities", caps, "-o", archive, ...files], { cwd: dir, encoding: "utf8", timeout: 300_000 });
    const output = (build.stdout ?? "") + (build.stderr ?? "") + (build.error ? String(build.error) : "");
    if (build.status !== 0) return { problems: [], output };
    const wasm = readTarGz(readFileSync(archive)).get("policy.wasm");
    return wasm ? { wasm } : { problems: [], output: "opa build -t wasm wrote no policy.wasm" };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function checkProblems(stdout: string | null): RegoProblem[] {
  try {
    const errors = (JSON.parse(stdout ?? "") as { errors?: { message?: string; code?: string; location?: { file?: string; row?: number; col?: number } }[] }).errors ?? [];
    return errors.map((e) => ({ file: e.location?.file ?? "", line: e.location?.row ?? 0, col: e.location?.col ?? 0, code: e.code ?? "rego_error", message: e.message ?? "" }));
  } catch {
    return [];
  }
}

/** The folder compiled policies are cached in (`$SVCSPEC_CACHE` or `.svcspec-cache` in the working
 * directory): `policies/<content hash>.wasm`. It ignores itself in Git. */
export function cacheDir(cwd: string, env: Record<string, string | undefined>): string {
  return env["SVCSPEC_CACHE"] || join(cwd, ".svcspec-cache");
}

export function cachedWasm(cache: string, modules: readonly RegoSource[]): Buffer | null {
  const file = join(cache, "policies", `${sourceHash(modules)}.wasm`);
  return existsSync(file) ? readFileSync(file) : null;
}

/** Stores a build (atomically: a reader never sees half a file). A cache that cannot be written
 * costs the next run a compile, nothing more. */
export function storeWasm(cache: string, modules: readonly RegoSource[], wasm: Uint8Array): void {
  try {
    mkdirSync(join(cache, "policies"), { recursive: true });
    const ignore = join(cache, ".gitignore");
    if (!existsSync(ignore)) writeFileSync(ignore, "# svcspec's cache of compiled policies: safe to delete\n*\n");
    const file = join(cache, "policies", `${sourceHash(modules)}.wasm`);
    const part = `${file}.${process.pid}.part`;
    writeFileSync(part, wasm);
    renameSync(part, file);
  } catch {
    // read-only checkout: compile again next time
  }
}

/** A Rego problem as a diagnostic at its file, line and column (`folder` as the user named it). */
export function regoDiagnostic(folder: string, p: RegoProblem): Diagnostic {
  return { code: "SVC005", severity: "error", message: `${p.code}: ${p.message}`, file: posix.join(folder.split("\\").join("/"), p.file), line: p.line, col: p.col, hint: p.code === "rego_type_error" && /undefined function/.test(p.message) ? "policies run in wasm: only the built-ins of @open-policy-agent/opa-wasm and time.parse_rfc3339_ns, time.clock, time.weekday are available" : "fix the policy; `opa check` and `svcspec policy test` show the same" };
}
