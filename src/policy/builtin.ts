/** The built-in policy pack: the Rego under the package's policies/ folder, compiled to
 * policies/builtin.wasm when it changes (`npm run policies:build`) and shipped precompiled, so it
 * runs where opa is not installed. policies/builtin.json records what it was built from: a unit
 * test fails when the Rego and the wasm drift apart. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../util/package-root.js";
import { type PolicyPack, policyModules, readsServices } from "./pack.js";

export interface BuiltinManifest {
  /** sourceHash() of the modules builtin.wasm was built from. */
  sourceHash: string;
  /** The rules (package names under svcspec.policies), sorted. */
  rules: string[];
}

export function builtinDir(): string {
  return join(packageRoot(), "policies");
}

let cached: PolicyPack | null = null;

/** Read once per process. */
export function builtinPack(): PolicyPack {
  cached ??= { source: "built-in", builtin: true, wasm: readFileSync(join(builtinDir(), "builtin.wasm")), readsServices: readsServices(policyModules(builtinDir())) };
  return cached;
}

export function builtinManifest(): BuiltinManifest {
  return JSON.parse(readFileSync(join(builtinDir(), "builtin.json"), "utf8")) as BuiltinManifest;
}
