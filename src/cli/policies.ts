/** The policy packs a command checks the spec with: the built-in pack (precompiled, shipped) and
 * the organisation's `policies/` folder, compiled with opa on first use and then read from the
 * cache (by content hash), so `validate` needs opa only after the policies change. */
import { existsSync, realpathSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { builtinDir, builtinPack } from "../policy/builtin.js";
import { buildPolicies, cachedWasm, cacheDir, entryModule, policyModules, regoDiagnostic, storeWasm } from "../policy/build.js";
import { POLICY_FAILURE } from "../policy/evaluate.js";
import { type PolicyPack, readsServices } from "../policy/pack.js";
import { findTool, toolDirs } from "../tools/discover.js";
import type { Io } from "./io.js";

/** Where an organisation keeps its policies unless `--policies` says otherwise. */
export const DEFAULT_POLICIES = "policies";

export const OPA_INSTALL_HINT = "install opa 1.x onto the PATH (https://www.openpolicyagent.org/docs#running-opa; in a clone of svcspec, scripts/setup-tools.sh)";

export function readPolicyPacks(io: Io, dir: string | undefined): { packs: PolicyPack[]; problems: Diagnostic[] } {
  const packs = [builtinPack()];
  const folder = (dir ?? DEFAULT_POLICIES).replace(/[/\\]+$/, "") || ".";
  const abs = resolve(io.cwd, folder);
  const problem = (message: string, hint: string) => ({ packs, problems: [{ code: POLICY_FAILURE, severity: "error" as const, message, file: folder, line: 0, col: 0, hint }] });
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    // Without --policies the folder is optional: most spec folders have none.
    return dir === undefined ? { packs, problems: [] } : problem(`policies folder ${folder} does not exist`, "pass --policies <dir>, a folder of Rego modules (docs/policies.md)");
  }
  // svcspec's own repository: its policies/ is the source of the built-in pack, already in packs.
  if (realpathSync(abs) === realpathSync(builtinDir())) return { packs, problems: [] };
  const own = policyModules(abs);
  if (!own.length) return { packs, problems: [] };
  const modules = [...own, entryModule()];
  const cache = cacheDir(io.cwd, io.env);
  const cached = cachedWasm(cache, modules);
  const pack = (wasm: Uint8Array): PolicyPack => ({ source: folder, builtin: false, wasm, readsServices: readsServices(modules) });
  if (cached) return { packs: [...packs, pack(cached)], problems: [] };
  const opa = findTool("opa", toolDirs(io));
  if (!opa) {
    return problem(
      `the policies in ${folder}/ are not compiled yet (or changed since), and compiling them needs opa, which is not installed`,
      `${OPA_INSTALL_HINT}; each compile is cached in ${cache === resolve(io.cwd, ".svcspec-cache") ? ".svcspec-cache/" : cache}, so opa is needed again only when the policies change`,
    );
  }
  const built = buildPolicies(opa, modules);
  if (!("wasm" in built)) {
    if (built.problems.length) return { packs, problems: built.problems.map((p) => regoDiagnostic(folder, p)) };
    return problem(`opa could not compile the policies in ${folder}/: ${built.output.trim().split("\n").slice(0, 5).join(" ")}`, "fix the policy; `opa build -t wasm -e svcspec/entry` shows the same");
  }
  storeWasm(cache, modules, built.wasm);
  return { packs: [...packs, pack(built.wasm)], problems: [] };
}
