/** The function list svcspec validates against is Prometheus 2.42's: promtool 2.42 refuses what
 * the validator refuses as newer, and accepts every function of the list. */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { localTool } from "../../src/tools/discover.js";
import { PROMQL_FUNCTIONS } from "../../src/validate/promql.js";
import { ROOT, tempDir } from "../helpers.js";

const promtool = localTool("promtool", ROOT);
const tmp = tempDir("svcspec-promql-");
afterAll(() => tmp.cleanup());

/** promtool's verdict on one expression in a rule file: null when accepted, else its message. */
function promtoolSays(expr: string): string | null {
  const file = join(tmp.path, `r${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, JSON.stringify({ groups: [{ name: "g", rules: [{ record: "r", expr }] }] }));
  const r = spawnSync(promtool!, ["check", "rules", file], { encoding: "utf8", timeout: 30_000 });
  return r.status === 0 ? null : r.stdout + r.stderr;
}

describe("PromQL functions against promtool 2.42", () => {
  it("promtool is installed", () => expect(promtool, "promtool missing: run scripts/setup-tools.sh").not.toBeNull());

  it("refuses the newer functions the validator refuses", () => {
    expect(promtoolSays("mad_over_time(x[5m])")).toMatch(/unknown function/);
    expect(promtoolSays('sort_by_label(x, "job")')).toMatch(/unknown function/);
  });

  it("knows every function of the validator's list (a wrong arity, not an unknown name)", () => {
    for (const name of PROMQL_FUNCTIONS) expect(promtoolSays(`${name}(x, y, z, w, v, u)`) ?? "", name).not.toMatch(/unknown function/);
  });
});
