/** Runs custom-pattern alternatives through redact.lua's own matcher in LuaJIT (consumer tier):
 * the generated script with its locals exported for the test, then each value through every
 * given alternative in order. Per value: whether any alternative matched, the value afterwards, and
 * the milliseconds the replacing took. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { patternLua, redactLua } from "../../generators/fluentbit/index.js";
import type { PolicyPattern } from "../../src/pii/policy.js";
import { luaString } from "../../src/render/lua.js";
import { localTool } from "../../src/tools/discover.js";
import { modelOf, ROOT } from "../helpers.js";

const EXPORTS = "\nsvcspec_test = { resolve = resolve, match_ends = match_ends, replace_pattern = replace_pattern }\n";

const DRIVER = `
local T = svcspec_test
local function hex(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end
local function hit(s, p)
  local e = T.match_ends(s, p)
  if not e then return false end
  if p.anchor_start then return e[1] ~= -1 end
  for i = 1, #s + 1 do if e[i] ~= -1 then return true end end
  return false
end
function svcspec_case(patterns, s)
  local policy = { detectors = {}, patterns = patterns }
  T.resolve(policy)
  local any = false
  local t0 = os.clock()
  for i = 1, #policy.patterns do
    if hit(s, policy.patterns[i]) then any = true end
    s = T.replace_pattern(s, policy.patterns[i])
  end
  local ms = (os.clock() - t0) * 1000
  io.write(tostring(any), "\\t", hex(s), "\\t", string.format("%.3f", ms), "\\n")
end
`;

export interface PatternRun {
  hit: boolean;
  value: string;
  ms: number;
}

export function runPatterns(items: { patterns: PolicyPattern[]; value: string }[], timeout = 120_000): PatternRun[] {
  const luajit = localTool("luajit", ROOT);
  if (!luajit) throw new Error("luajit missing: run scripts/setup-tools.sh");
  const dir = mkdtempSync(join(tmpdir(), "svcspec-patterns-"));
  try {
    const script = join(dir, "redact.lua");
    writeFileSync(script, redactLua(modelOf("spec")) + EXPORTS + DRIVER);
    const cases = items.map((it) => `svcspec_case({ ${it.patterns.map(patternLua).join(", ")} }, ${luaString(it.value)})`);
    const file = join(dir, "cases.lua");
    writeFileSync(file, `dofile(${luaString(script)})\n${cases.join("\n")}\n`);
    const r = spawnSync(luajit, [file], { encoding: "utf8", timeout, killSignal: "SIGKILL", maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`luajit ${r.signal ? `killed (${r.signal}) after ${timeout} ms` : `exited ${r.status}`}: ${r.stderr}`);
    return r.stdout.replace(/\n$/, "").split("\n").map((line) => {
      const [hit, hex, ms] = line.split("\t");
      return { hit: hit === "true", value: Buffer.from(hex ?? "", "hex").toString("utf8"), ms: Number(ms) };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `hit\tvalue` per item, the shape the example-agreement test compares. */
export function patternHarness(items: { patterns: PolicyPattern[]; value: string }[]): string[] {
  return runPatterns(items).map((r) => `${r.hit}\t${r.value}`);
}
