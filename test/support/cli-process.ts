/** The CLI from source in a child process, bounded in time (SIGKILL) and data size (2 GB): for
 * the tests of hangs, runaway reads and backtracking that, in-process, would block the test
 * runner itself. */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../helpers.js";

export const TSX = join(ROOT, "node_modules", "tsx", "dist", "loader.mjs");
export const CLI = join(ROOT, "test", "support", "cli-main.ts");

export function cliProcess(args: string[], cwd: string, timeout = 30_000): { code: number | null; signal: NodeJS.Signals | null; err: string; out: string } {
  const r = spawnSync("bash", ["-c", 'ulimit -d 2000000; exec "$@"', "cli", process.execPath, "--import", TSX, CLI, ...args], { cwd, encoding: "utf8", timeout, killSignal: "SIGKILL" });
  return { code: r.status, signal: r.signal, err: r.stderr, out: r.stdout };
}
