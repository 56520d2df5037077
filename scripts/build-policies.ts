/** Compiles the built-in policy pack (policies/*.rego, tests left out) to policies/builtin.wasm and
 * records its source hash and rules in policies/builtin.json. Run after editing a built-in rule:
 * `npm run policies:build` (needs opa: scripts/setup-tools.sh installs it). */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { builtinDir, type BuiltinManifest } from "../src/policy/builtin.js";
import { buildPolicies, policyModules } from "../src/policy/build.js";
import { packageNames, sourceHash } from "../src/policy/pack.js";
import { localTool } from "../src/tools/discover.js";

const opa = localTool("opa");
if (!opa) {
  console.error("opa is not installed: run scripts/setup-tools.sh");
  process.exit(2);
}
const dir = builtinDir();
const modules = policyModules(dir);
const built = buildPolicies(opa, modules);
if (!("wasm" in built)) {
  console.error(built.problems.map((p) => `policies/${p.file}:${p.line}:${p.col}: ${p.code}: ${p.message}`).join("\n") || built.output);
  process.exit(1);
}
const manifest: BuiltinManifest = { sourceHash: sourceHash(modules), rules: packageNames(modules) };
writeFileSync(join(dir, "builtin.wasm"), built.wasm);
writeFileSync(join(dir, "builtin.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(`policies/builtin.wasm: ${built.wasm.length} bytes, ${manifest.rules.length} rules`);
