/** The real validators must be installed (scripts/setup-tools.sh): a missing one fails here
 * instead of silently skipping the proofs that depend on it. */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { findTool, toolDirs } from "../src/cli/commands/verify.js";
import { processIo } from "../src/cli/io.js";
import { ROOT, run } from "./helpers.js";

const dirs = toolDirs({ ...processIo, cwd: ROOT });

const TOOLS: [string, string[], RegExp][] = [
  ["promtool", ["--version"], /promtool, version 2\.42\./],
  ["amtool", ["--version"], /amtool, version 0\.25\./],
  ["alertmanager", ["--version"], /alertmanager, version 0\.25\./],
  ["luajit", ["-v"], /LuaJIT 2\.1/],
  ["opa", ["version"], /Version: 1\./],
  ["k6", ["version"], /k6 v2\./],
  ["kubeconform", ["-v"], /v0\.7\./],
];

describe("real validators", () => {
  it.each(TOOLS)("%s is installed at the pinned version", (tool, args, version) => {
    const bin = findTool(tool, dirs);
    expect(bin, `${tool} is missing: run scripts/setup-tools.sh`).not.toBeNull();
    const r = spawnSync(bin!, args, { encoding: "utf8", timeout: 30_000 });
    expect((r.stdout ?? "") + (r.stderr ?? "")).toMatch(version);
  });

  it("svcspec verify runs every applicable validator over out/ and reports it", async () => {
    const r = await run(["verify", "--require-tools"], ROOT);
    // Every consumer of the example's outputs ran and passed; none was skipped as "nothing to check".
    for (const check of ["promtool check rules", "promtool test rules", "amtool check-config", "amtool config routes test", "opa check --strict", "opa test", "luajit compile", "k6 inspect", "kubeconform -strict", "kubernetes-models core"]) {
      expect(r.err, check).toMatch(new RegExp(`✔  ${check.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&")}\\s+ok \\(\\d+`));
    }
    expect(r.err).toMatch(/verify: 10 ran, 0 failed, 0 missing/);
    expect(r.code).toBe(0);
  });

  it("svcspec verify fails when a validator rejects an output", async () => {
    const { mkdirSync, writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tempDir } = await import("./helpers.js");
    const t = tempDir();
    try {
      mkdirSync(join(t.path, "prometheus"));
      writeFileSync(join(t.path, "prometheus", "bad.rules.yaml"), "groups:\n  - name: x\n    rules:\n      - record: job:x:rate5m\n        expr: sum(rate(x[5m]) by (\n");
      mkdirSync(join(t.path, "fluent-bit"));
      writeFileSync(join(t.path, "fluent-bit", "redact.lua"), "function cb_redact(tag, ts, record)\n  return 0, ts, record\n"); // missing `end`
      const r = await run(["verify", "--out", t.path], ROOT);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/promtool check rules\s+FAILED/);
      expect(r.err).toMatch(/luajit compile\s+FAILED/);
      expect(r.err).toMatch(/verify: 2 ran, 2 failed/);
    } finally {
      t.cleanup();
    }
  });
});
