/** Where the real validators (promtool, amtool, alertmanager, opa, k6, kubeconform, luajit) are
 * found: one search order for the CLI, the tests and the benchmarks. */
import { existsSync, readdirSync, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { packageRoot } from "../util/package-root.js";

/** What discovery reads of the environment: a subset of the CLI's Io. */
export interface ToolEnv {
  cwd: string;
  env: Record<string, string | undefined>;
}

/** Search order: `--tools <dir>`, `$SVCSPEC_TOOLS/bin`, the package's `.tools/bin` (what
 * scripts/setup-tools.sh installs), `./.tools/bin`, then the PATH. */
export function toolDirs(io: ToolEnv, tools?: string): string[] {
  const dirs = [tools, io.env["SVCSPEC_TOOLS"] ? join(io.env["SVCSPEC_TOOLS"], "bin") : undefined, join(packageRoot(), ".tools", "bin"), join(io.cwd, ".tools", "bin")];
  return [...dirs.filter((d): d is string => !!d), ...(io.env["PATH"] ?? "").split(delimiter)];
}

export function findTool(name: string, dirs: string[]): string | null {
  for (const d of dirs) {
    const p = join(d, name);
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  return null;
}

/** A validator for this process (tests, benchmarks), found from `cwd`. */
export function localTool(name: string, cwd: string = process.cwd()): string | null {
  return findTool(name, toolDirs({ cwd, env: process.env }));
}

/** Where kubeconform reads the custom resources' JSON schemas: `$SVCSPEC_KUBE_SCHEMAS`, else
 * `kube-schemas` in the tools folder that holds `bin/` (scripts/setup-tools.sh converts them there
 * from the CRDs in ../shared/crds or `$SVCSPEC_CRDS`). `present` is false when the folder holds no
 * schema, as on a clone without those CRDs: then the custom resources cannot be checked. */
export function kubeSchemas(env: ToolEnv["env"], toolsRoot: string): { dir: string; present: boolean } {
  const dir = env["SVCSPEC_KUBE_SCHEMAS"] || join(toolsRoot, "kube-schemas");
  return { dir, present: holdsSchema(dir) };
}

function holdsSchema(dir: string): boolean {
  try {
    return readdirSync(dir, { recursive: true, encoding: "utf8" }).some((f) => f.endsWith(".json"));
  } catch {
    return false;
  }
}
