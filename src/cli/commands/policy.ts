/** `svcspec policy test`: runs an organisation's Rego tests (*_test.rego) with opa and reports as
 * `verify` does. */
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { posix, resolve } from "node:path";
import { regoFiles } from "../../policy/build.js";
import { findTool, toolDirs } from "../../tools/discover.js";
import { EXIT, type ExitCode, type Io } from "../io.js";
import { DEFAULT_POLICIES, OPA_INSTALL_HINT } from "../policies.js";

export interface PolicyTestOptions {
  policies?: string;
  tools?: string;
}

interface TestResult {
  location?: { file?: string; row?: number };
  package?: string;
  name?: string;
  fail?: boolean;
  skip?: boolean;
  error?: { message?: string };
}

export function runPolicyTest(io: Io, opts: PolicyTestOptions): ExitCode {
  const folder = (opts.policies ?? DEFAULT_POLICIES).replace(/[/\\]+$/, "") || ".";
  const abs = resolve(io.cwd, folder);
  const label = "opa test".padEnd(24);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    io.err(`✖ policies folder ${folder} does not exist\n  hint: pass --policies <dir>, a folder of Rego modules and their *_test.rego (docs/policies.md)\n`);
    return EXIT.invalid;
  }
  const files = regoFiles(abs).map((f) => posix.join(folder.split("\\").join("/"), f.path));
  const opa = findTool("opa", toolDirs(io, opts.tools));
  if (!opa) {
    io.err(`  ?  ${label} MISSING: opa is not installed\n✖ policy test: 0 ran, 0 failed, 1 missing\n  hint: ${OPA_INSTALL_HINT}\n`);
    return EXIT.invalid;
  }
  // Empty of tests fails: a policy folder whose tests went missing must not pass silently.
  const r = spawnSync(opa, ["test", "--format", "json", "--fail-on-empty", ...files], { cwd: io.cwd, encoding: "utf8", timeout: 300_000, env: { ...io.env, NO_COLOR: "1" } as NodeJS.ProcessEnv });
  const results = parseResults(r.stdout);
  if (results === null) {
    const output = `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}`.trim();
    io.err(`  ✖  ${label} FAILED\n${output.replace(/^/gm, "       ")}\n✖ policy test: 1 ran, 1 failed, 0 missing\n`);
    return EXIT.invalid;
  }
  const failed = results.filter((t) => t.fail || t.error);
  const where = (t: TestResult) => `${t.location?.file ?? folder}:${t.location?.row ?? 0}: ${t.package ?? "data"}.${t.name ?? "?"}`;
  if (failed.length || r.status !== 0) {
    const lines = failed.map((t) => `       ${where(t)}: ${t.error ? `ERROR ${t.error.message ?? ""}`.trim() : "FAIL"}`);
    io.err(`  ✖  ${label} FAILED: ${failed.length} of ${results.length} test${results.length === 1 ? "" : "s"} in ${folder}/\n${lines.join("\n")}${lines.length ? "\n" : ""}✖ policy test: 1 ran, 1 failed, 0 missing\n`);
    return EXIT.invalid;
  }
  io.err(`  ✔  ${label} ok (${results.length} test${results.length === 1 ? "" : "s"} in ${folder}/)\n✔ policy test: 1 ran, 0 failed, 0 missing\n`);
  return EXIT.ok;
}

/** opa test --format json prints an array of results; anything else (a compile error) is null. */
function parseResults(stdout: string | null): TestResult[] | null {
  try {
    const v = JSON.parse(stdout ?? "") as unknown;
    return Array.isArray(v) ? (v as TestResult[]) : null;
  } catch {
    return null;
  }
}
