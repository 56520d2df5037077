/** `svcspec setup-tools [--check]`: runs the package's scripts/setup-tools.sh, which installs the
 * real validators `svcspec verify` runs into the package's `.tools` (or $SVCSPEC_TOOLS), where
 * verify looks for them. The same script a clone's `npm test` runs. */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../util/package-root.js";
import { EXIT, type ExitCode, type Io } from "../io.js";

export function setupScript(): string {
  return join(packageRoot(), "scripts", "setup-tools.sh");
}

export function runSetupTools(io: Io, opts: { check: boolean }): Promise<ExitCode> {
  const script = setupScript();
  if (!existsSync(script)) {
    io.err(`✖ ${script} is missing: this svcspec package is incomplete\n  hint: reinstall svcspec\n`);
    return Promise.resolve(EXIT.usage);
  }
  return new Promise((done) => {
    const child = spawn("bash", [script, ...(opts.check ? ["--check"] : [])], { cwd: io.cwd, env: io.env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (d: Buffer) => io.out(d.toString()));
    child.stderr.on("data", (d: Buffer) => io.err(d.toString()));
    child.on("error", (e) => {
      io.err(`✖ cannot run bash: ${e.message}\n`);
      done(EXIT.usage);
    });
    child.on("close", (code) => done(code === 0 ? EXIT.ok : EXIT.invalid));
  });
}
