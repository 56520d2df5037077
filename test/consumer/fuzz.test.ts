/** Issue #16: the injection fuzz suite (test/support/fuzz.ts) in the consumer tier: a few hundred
 * seeded cases of hostile strings in the strings a user controls, each rejected by located
 * diagnostics or accepted and read by the real consumers (promtool, amtool, opa, LuaJIT, node, k6,
 * js-yaml, yaml, Go's YAML) with the planted value back where it belongs; and the PromQL parser
 * differential against promtool. `npm run fuzz` runs the long version. SVCSPEC_FUZZ_RUNS and
 * SVCSPEC_FUZZ_SEED change the count and the seed. */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { localTool } from "../../src/tools/discover.js";
import { ROOT } from "../helpers.js";
import { CONSUMERS, exampleBase, findTools, makeCases, ruleFilesOf, runFuzz, type Stats } from "../support/fuzz.js";

const RUNS = Number(process.env["SVCSPEC_FUZZ_RUNS"] ?? 150);
const SEED = Number(process.env["SVCSPEC_FUZZ_SEED"] ?? 16);

describe("hostile strings in every string a user controls, judged by the real consumers", () => {
  const tools = findTools();
  let stats: Stats | null = null;
  const result = () => {
    if (!stats) {
      const base = exampleBase();
      stats = runFuzz(base, makeCases(base, RUNS, SEED), tools, { differential: 60, seed: SEED, promtoolTests: 2 });
    }
    return stats;
  };

  it("the judge gives each generated promtool test the rule files it names (both test files of a service)", () => {
    const tests = readdirSync(join(ROOT, "out", "prometheus")).filter((f) => f.endsWith(".rules.test.yaml"));
    expect(tests.some((f) => f.endsWith(".history.rules.test.yaml"))).toBe(true);
    for (const f of tests) {
      const rules = ruleFilesOf(`prometheus/${f}`, readFileSync(join(ROOT, "out", "prometheus", f), "utf8"));
      expect(rules, f).toEqual([`prometheus/${f.replace(/(\.history)?\.rules\.test\.yaml$/, ".rules.yaml")}`]);
      expect(existsSync(join(ROOT, "out", rules[0]!)), rules[0]).toBe(true);
    }
  });

  it("every consumer is installed (scripts/setup-tools.sh)", () => {
    expect(Object.entries(tools).filter(([, p]) => !p).map(([n]) => n)).toEqual([]);
  });

  it("luacheck finds no warning in the suite's LuaJIT reader (test/support/fuzz-lua-data.lua)", () => {
    const luacheck = localTool("luacheck", ROOT);
    expect(luacheck, "luacheck missing: run scripts/setup-tools.sh").not.toBeNull();
    const r = spawnSync(luacheck!, ["--config", join(ROOT, ".luacheckrc"), "--no-color", "--codes", "--no-cache", "test/support/fuzz-lua-data.lua"], { cwd: ROOT, encoding: "utf8" });
    expect(r.status, r.stdout).toBe(0);
  });

  it(`${RUNS} cases (seed ${SEED}): each rejected with located diagnostics or accepted and read back by every consumer`, () => {
    const s = result();
    expect(s.failed.map((f) => `case ${f.id} ${f.place} ${f.mode} ${JSON.stringify(f.value).slice(0, 120)}: ${f.consumer}: ${f.message}`)).toEqual([]);
    expect(s.cases).toBe(RUNS);
    expect(s.accepted).toBeGreaterThan(RUNS / 10);
    expect(s.rejected).toBeGreaterThan(RUNS / 10);
    // every consumer judged something, and the round trip was checked
    const idle = CONSUMERS.filter((c) => s.perConsumer[c].cases === 0 && c !== "promtool test");
    expect(idle).toEqual([]);
  }, 300_000);

  it("the base spec holds a string at most of the schema's string places", () => {
    const { covered, total } = result().places;
    expect(covered / total).toBeGreaterThan(0.95);
  }, 300_000);

  it("the PromQL differential: every query svcspec accepts, promtool accepts with the same value", () => {
    const d = result().promqlDifferential;
    expect(d.failed).toEqual([]);
    expect(d.cases).toBe(60);
    expect(d.bothReject + d.stricter).toBeGreaterThan(0);
  }, 300_000);
});
