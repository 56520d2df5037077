/** A policy pack: Rego modules compiled to one wasm (`opa build -t wasm -e svcspec/policies`), the
 * built-in pack svcspec ships or an organisation's own `policies/` folder. */
import { createHash } from "node:crypto";

export interface PolicyPack {
  /** Where the policies come from, for diagnostics: `built-in` or the folder (`policies`). */
  source: string;
  builtin: boolean;
  wasm: Uint8Array;
}

/** The one entrypoint, policies/entry.rego: `{deny: {<name>: [...]}, warn: {<name>: [...]}}` over
 * the packages svcspec.policies.<name>. */
export const POLICIES_ENTRYPOINT = "svcspec/entry";

/** The entrypoint module, beside the built-in policies (an organisation's pack is built with it). */
export const ENTRY_MODULE = "entry.rego";

/** Bumped whenever svcspec builds or reads the wasm differently, so a cached build made the old
 * way is never read the new way. */
const BUILD_FORMAT = "svcspec-policies-1";

export interface RegoSource {
  /** Path inside the policies folder, POSIX separators. */
  path: string;
  text: string;
}

/** Whether a file is a policy module the wasm is built from (tests are run by `svcspec policy test`
 * only: built in, their `test_` rules would be evaluated as the package's own). */
export function isPolicyModule(path: string): boolean {
  return path.endsWith(".rego") && !path.endsWith("_test.rego");
}

/** The content hash a built wasm is cached under: the modules' paths and bytes, in path order. */
export function sourceHash(sources: readonly RegoSource[]): string {
  const h = createHash("sha256").update(BUILD_FORMAT + "\n");
  for (const s of [...sources].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    h.update(`${s.path}\0${s.text.length}\0${s.text}\0`);
  }
  return h.digest("hex");
}

/** The policies the modules declare: the names of their `package svcspec.policies.<name>`, sorted. */
export function packageNames(sources: readonly RegoSource[]): string[] {
  const names = sources.flatMap((s) => [...s.text.matchAll(/^package\s+svcspec\.policies\.([A-Za-z_][A-Za-z0-9_]*)\s*$/gm)].map((m) => m[1]!));
  return [...new Set(names)].sort();
}
