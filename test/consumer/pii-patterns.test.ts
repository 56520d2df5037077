/** Custom PII patterns in the real LuaJIT (issue #18, finding 10): redact.lua's matcher takes time
 * linear in the value whatever the pattern (string.gsub took 5.1 s on a 32 KB value for
 * `[a-z]+[0-9]+`), and agrees with the TypeScript oracle and with JavaScript's RegExp on hostile
 * and random values; a whole record of such a service is redacted within the built-in
 * detectors' budget. */
import { describe, expect, it } from "vitest";
import { parsePiiPattern, replaceBranch, toRegExp } from "../../src/model/pii-pattern.js";
import type { PolicyPattern } from "../../src/pii/policy.js";
import { lowerPattern } from "../../src/pii/lua-pattern.js";
import { prng } from "../../src/access/corpus.js";
import { localTool } from "../../src/tools/discover.js";
import { ROOT } from "../helpers.js";
import { runPatterns } from "../support/lua-patterns.js";

function policyPatterns(src: string, replace = "[X]"): PolicyPattern[] {
  const parsed = parsePiiPattern(src);
  if (!parsed.ok) throw new Error(`${src}: ${parsed.reason}`);
  const programs = lowerPattern(parsed.pattern);
  return parsed.pattern.branches.map((b, i) => ({ name: "p", branch: { branches: [b] }, program: programs[i]!, replace }));
}

/** What JavaScript's RegExp does with the same alternatives, one after the other. */
function viaRegExp(patterns: PolicyPattern[], value: string): string {
  return patterns.reduce((s, p) => s.replace(toRegExp(p.branch), () => p.replace), value);
}

const HOSTILE: [string, string][] = [
  ["[a-z]+[0-9]+", "a".repeat(32768)],
  ["[a-z]+[0-9]+", "ab1".repeat(10922)],
  ["a*a*a*a*a*a*b", "a".repeat(32768)],
  ["\\w+@\\w+\\.com", "a@".repeat(16384)],
  ["\\d{1,64}\\d{1,64}x", "1".repeat(32768)],
  ["[a-z.]+@[a-z.]+\\.[a-z]+", "a.".repeat(16384)],
  ["\\s*\\S+\\s*=", "a ".repeat(16384)],
  ["\\bTKT-\\d{4,6}\\b|INC[A-Z]{2}\\d+", "TKT-1234567".repeat(2978)],
  [".*secret", "x".repeat(32768)],
];

describe("custom patterns in LuaJIT: linear time, the oracle's matches", () => {
  it("luajit is installed", () => expect(localTool("luajit", ROOT), "luajit missing: run scripts/setup-tools.sh").not.toBeNull());

  // (RegExp itself would take minutes here: test/regex-bounds.test.ts holds the oracle to it on
  // short values)
  it.each(HOSTILE)("%s on a 32 KB hostile value: within 25 ms, and the same result as the oracle", (src, value) => {
    const patterns = policyPatterns(src);
    const [run] = runPatterns([{ patterns, value }], 60_000);
    expect(run!.ms).toBeLessThan(25);
    const oracle = patterns.reduce((s, p) => replaceBranch(p.branch.branches[0]!, s, p.replace, "bytes"), value);
    expect(run!.value === oracle, "Lua and the oracle differ").toBe(true);
  }, 90_000);

  it("random values over a small alphabet: Lua, the oracle and RegExp agree on every pattern of the subset tried", () => {
    const rnd = prng(18);
    const sources = ["[a-z]+[0-9]+", "a?b*", "^ab|b$", "\\bab\\b", "x{2,3}y?", "[^a]+a", "\\d{2}-\\d{2,}", ".", "\\W+", "a*", "^a*$", "\\b\\w{3}\\b|\\d+$"];
    const alphabet = ["a", "b", "x", "y", "1", "2", "-", " ", "_", "\n", "é"];
    const items = sources.flatMap((src) => Array.from({ length: 60 }, () => ({ patterns: policyPatterns(src, "<$%1>"), value: Array.from({ length: Math.floor(rnd() * 20) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join("") })));
    const runs = runPatterns(items);
    const bad = items.filter((it, i) => runs[i]!.value !== Buffer.from(it.patterns.reduce((s, p) => replaceBranch(p.branch.branches[0]!, s, p.replace, "bytes"), Buffer.from(it.value).toString("latin1")), "latin1").toString("utf8"));
    expect(bad.map((b) => `${b.patterns[0]!.branch.branches.length} ${JSON.stringify(b.value)}`)).toEqual([]);
    const ascii = items.filter((it) => /^[\x00-\x7f]*$/.test(it.value));
    expect(ascii.filter((it) => runs[items.indexOf(it)]!.value !== viaRegExp(it.patterns, it.value))).toEqual([]);
  }, 120_000);
});
