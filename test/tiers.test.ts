/** The two test tiers (vitest.config.ts): test/*.test.ts runs no external tool, so it passes on any
 * machine in seconds; test/consumer/*.test.ts proves the outputs with the real validators. */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findTool, localTool } from "../src/tools/discover.js";
import { ROOT } from "./helpers.js";
import { VALIDATORS } from "./support/validators.js";

const testFiles = (dir: string) => readdirSync(join(ROOT, dir)).filter((f) => f.endsWith(".test.ts")).map((f) => join(dir, f));
const findsTools = (file: string) => /from "(\.\.\/)+src\/tools\/discover\.js"/.test(readFileSync(join(ROOT, file), "utf8"));

describe("the unit tier", () => {
  it("finds no validator and starts none, by name or from a .tools folder; other commands run", () => {
    for (const tool of VALIDATORS) {
      expect(() => localTool(tool), tool).toThrow(/the unit tier runs no external tool .*move this test to test\/consumer\//);
      expect(() => findTool(tool, ["/usr/bin"]), tool).toThrow(/unit tier/);
      expect(() => spawnSync(tool, ["--version"]), tool).toThrow(/unit tier/);
    }
    expect(() => spawn(join(ROOT, ".tools", "bin", "anything"), [])).toThrow(/unit tier/);
    expect(() => execFileSync("/opt/x/.tools/bin/opa", ["version"])).toThrow(/unit tier/);
    expect(spawnSync(process.execPath, ["-e", "process.exit(7)"]).status).toBe(7);
  });

  it("holds the files that need no tool; every consumer file finds its tool through src/tools/discover.ts", () => {
    const unit = testFiles("test");
    const consumer = testFiles("test/consumer");
    // at least one consumer file per target with a real consumer (more may come: a file per concern)
    for (const target of ["alertmanager", "fluentbit", "fluentbit-pipeline", "fluentbit-levels", "fuzz", "grafana", "hostile-text", "k6", "kubernetes", "mutation", "opa", "opa-decision-logs", "openslo", "package", "pii-patterns", "plan", "policies", "prometheus", "sloth", "validators", "verify"]) expect(consumer, target).toContain(`test/consumer/${target}.test.ts`);
    // this file names the discovery module to prove the guard; no other unit file may import it
    expect(unit.filter(findsTools)).toEqual(["test/tiers.test.ts"]);
    // a consumer file finds its tool itself or through a test/support module that does
    const viaSupport = (f: string) => [...readFileSync(join(ROOT, f), "utf8").matchAll(/from "\.\.\/support\/([\w-]+)\.js"/g)].some((m) => findsTools(`test/support/${m[1]}.ts`));
    expect(consumer.filter((f) => !findsTools(f) && !viaSupport(f))).toEqual([]);
  });
});
