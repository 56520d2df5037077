/** A policy pack: Rego modules compiled to one wasm (`opa build -t wasm -e svcspec/policies`), the
 * built-in pack svcspec ships or an organisation's own `policies/` folder. */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, posix } from "node:path";

export interface PolicyPack {
  /** Where the policies come from, for diagnostics: `built-in` or the folder (`policies`). */
  source: string;
  builtin: boolean;
  wasm: Uint8Array;
  /** Whether its Rego may read `data.svcspec.services` (readsServices); absent: it may. */
  readsServices?: boolean;
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

/** Every .rego file under a folder (dot entries skipped), by POSIX path inside it, sorted. */
export function regoFiles(dir: string): RegoSource[] {
  const out: RegoSource[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      if (e.name.startsWith(".")) continue;
      const path = rel ? posix.join(rel, e.name) : e.name;
      if (e.isDirectory()) walk(path);
      else if (e.isFile() && e.name.endsWith(".rego")) out.push({ path, text: readFileSync(join(dir, path), "utf8") });
    }
  };
  walk("");
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The modules a policies folder builds into its wasm (its tests left out). */
export function policyModules(dir: string): RegoSource[] {
  return regoFiles(dir).filter((s) => isPolicyModule(s.path));
}

/** Whether Rego modules may read `data.svcspec.services`, judged from their text without strings
 * and comments: they do when they name `services`, or read `data` or `data.svcspec` as a whole or
 * by a computed key (`data[k]`, `data.svcspec[k]`, `import data.svcspec`). A pack that cannot is
 * given no services: OPA's wasm takes time superlinear in the size of the data it is handed
 * (setting the Service documents of 10,000 services took ~20 s), and the built-in pack reads none. */
export function readsServices(sources: readonly RegoSource[]): boolean {
  return sources.some((s) => {
    const code = withoutStringsAndComments(s.text);
    return /\bservices\b/.test(code) || /(?<![\w.])data\b(?!\s*\.\s*svcspec\s*\.)/.test(code);
  });
}

/** Rego text with every string ("..." with escapes, `...` raw) and comment (# to the end of the line) blanked. */
function withoutStringsAndComments(text: string): string {
  return text.replace(/"(?:[^"\\\n]|\\.)*"|`[^`]*`|#[^\n]*/g, " ");
}
