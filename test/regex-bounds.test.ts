/** Every regex engine the compiler runs is bounded (issue #18, finding 10), without a consumer:
 * the PII pattern matcher (linear time; validation of examples, the oracle, the twin of redact.lua's
 * match_ends) equals JavaScript's RegExp; PromQL matcher regexes are read with limits and matched
 * by an NFA; the attack run's inputs validate and build within bounds. Hangs are caught in a child
 * process with a timeout (a blocked test runner could not time out). (The Lua filter in LuaJIT:
 * test/consumer/pii-patterns.test.ts.) */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { matchesAnywhere, parsePiiPattern, replaceBranch, toRegExp } from "../src/model/pii-pattern.js";
import { parseRe2 } from "../src/util/re2.js";
import { satisfies, solveLabels } from "../generators/prometheus/selectors.js";
import { ROOT, tempDir } from "./helpers.js";
import { cliProcess } from "./support/cli-process.js";

const ATOMS = ["a", "b", "1", "-", ".", "\\d", "\\w", "\\s", "\\W", "\\D", "\\S", "[a-c]", "[^a]", "[\\d_]", "[^\\s]", "\\."];
const QUANTS = ["", "", "?", "*", "+", "{2}", "{1,3}", "{0,2}", "{2,}"];
const piece = fc.oneof({ weight: 9, arbitrary: fc.tuple(fc.constantFrom(...ATOMS), fc.constantFrom(...QUANTS)).map(([a, q]) => a + q) }, { weight: 1, arbitrary: fc.constant("\\b") });
const branch = fc.tuple(fc.boolean(), fc.array(piece, { minLength: 1, maxLength: 6 }), fc.boolean()).map(([s, ps, e]) => (s ? "^" : "") + ps.join("") + (e ? "$" : ""));
const pattern = fc.array(branch, { minLength: 1, maxLength: 3 }).map((bs) => bs.join("|"));
const text = (chars: string[]) => fc.array(fc.constantFrom(...chars), { maxLength: 24 }).map((cs) => cs.join(""));
const UNITS = ["a", "b", "c", "1", "2", "_", "-", ".", " ", "\n", "\t", "é", "\u00a0", "\u2028", "\ufeff"];

describe("PII patterns: a linear-time matcher that equals JavaScript's RegExp", () => {
  it("the same matches, replacements and test() on random patterns of the subset and random strings", () => {
    fc.assert(
      fc.property(pattern, text(UNITS), (src, s) => {
        const parsed = parsePiiPattern(src);
        if (!parsed.ok) return true;
        expect(matchesAnywhere(parsed.pattern, s), `${src} on ${JSON.stringify(s)}`).toBe(new RegExp(toRegExp(parsed.pattern).source).test(s));
        for (const b of parsed.pattern.branches) {
          const re = toRegExp({ branches: [b] });
          expect(replaceBranch(b, s, "<X>"), `${re.source} on ${JSON.stringify(s)}`).toBe(s.replace(re, () => "<X>"));
        }
        return true;
      }),
      { numRuns: 3000, seed: 18 },
    );
  });

  it("on bytes (as the oracle and Lua see a value) ASCII behaves alike, and a byte >= 0x80 is only in negated classes", () => {
    fc.assert(
      fc.property(pattern, text(UNITS.filter((u) => u.charCodeAt(0) < 0x80)), (src, s) => {
        const parsed = parsePiiPattern(src);
        if (!parsed.ok) return true;
        for (const b of parsed.pattern.branches) expect(replaceBranch(b, s, "<X>", "bytes")).toBe(s.replace(toRegExp({ branches: [b] }), () => "<X>"));
        return true;
      }),
      { numRuns: 1000, seed: 7 },
    );
    const p = parsePiiPattern("\\s|\\S").ok && parsePiiPattern("\\s\\S");
    if (!p || !p.ok) throw new Error("unparsed");
    expect(replaceBranch(p.pattern.branches[0]!, " \u00e9", "<X>", "bytes")).toBe("<X>");
    expect(replaceBranch(p.pattern.branches[0]!, "\u00a0\u00a0", "<X>", "bytes")).toBe("\u00a0\u00a0");
  });

  it("a 32 KB hostile value takes milliseconds ([a-z]+[0-9]+ backtracks quadratically, a*a*a*a*a*b polynomially)", () => {
    for (const [src, value] of [
      ["[a-z]+[0-9]+", "a".repeat(32768)],
      ["a*a*a*a*a*a*b", "a".repeat(32768)],
      ["\\w+@\\w+\\.com", "a@".repeat(16384)],
      ["\\d{1,64}\\d{1,64}x", "1".repeat(32768)],
    ] as const) {
      const parsed = parsePiiPattern(src);
      if (!parsed.ok) throw new Error(parsed.reason);
      const t0 = performance.now();
      for (const b of parsed.pattern.branches) replaceBranch(b, value, "[X]", "bytes");
      expect(performance.now() - t0, src).toBeLessThan(500);
    }
  }, 10_000);
});

describe("validation and build stay bounded on the attack run's inputs", () => {
  let tmp: { path: string; cleanup(): void };
  beforeEach(() => {
    tmp = tempDir();
    cpSync(join(ROOT, "spec"), join(tmp.path, "spec"), { recursive: true });
  });
  afterEach(() => tmp.cleanup());
  const edit = (from: string, to: string) => {
    const f = join(tmp.path, "spec/services/checkout.yaml");
    const text = readFileSync(f, "utf8");
    expect(text).toContain(from);
    writeFileSync(f, text.replace(from, to));
  };

  it("a PII pattern whose noMatch example backtracks for hours in JavaScript validates at once", () => {
    edit(
      "examples: { match: [ORD-12345678, \"order ORD-20261123 shipped\"], noMatch: [ORD-1234, ord-12345678] }",
      `examples: { match: [ORD-12345678, "order ORD-20261123 shipped"], noMatch: [ORD-1234, ord-12345678] }
      - name: slow
        match: '\\d*\\d*\\d*\\d*\\d*\\d*\\d*\\d*\\d*\\d*\\d*\\d*x'
        examples: { match: [11x], noMatch: ["${"1".repeat(40)}"] }`,
    );
    const r = cliProcess(["validate"], tmp.path, 60_000);
    expect(r.signal, "validate hung").toBeNull();
    expect(r.code, r.err).toBe(0);
  }, 90_000);

  it("a PromQL regex ((a{1000}){1000}){1000} is a located error with the limits (build ended in RangeError)", () => {
    edit('code=~"5.."', 'code=~"((a{1000}){1000}){1000}"');
    for (const cmd of ["validate", "build"]) {
      const r = cliProcess([cmd], tmp.path, 60_000);
      expect(r.signal, `${cmd} hung`).toBeNull();
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^spec\/services\/checkout\.yaml:23:\d+: error SVC054: label matcher regex `\(\(a\{1000\}\)\{1000\}\)\{1000\}`: the regex writes out to \d+ states \(nested or large counts\); at most 10000$/m);
      expect(r.err).toMatch(/hint: Prometheus compiles matchers with Go's regexp: counts up to 1000/);
      expect(r.err).not.toMatch(/internal error|RangeError/);
    }
  }, 150_000);

  it("a count above 1000 (Go refuses it) is SVC054 too; ordinary regexes pass", () => {
    edit('code=~"5.."', 'code=~"5{1001}"');
    const r = cliProcess(["validate"], tmp.path, 60_000);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/SVC054: label matcher regex `5\{1001\}`: repeat count above 1000 \(Go's regexp refuses it\)/);
  }, 90_000);

  it("a label value solved against an exponentially backtracking regex is decided in linear time", () => {
    const long = "a".repeat(40) + "!";
    const t0 = performance.now();
    expect(satisfies({ name: "x", op: "=~", value: "(a|a)*" }, long)).toBe(false);
    expect(satisfies({ name: "x", op: "=~", value: "(a*)*b" }, long)).toBe(false);
    expect(solveLabels([{ name: "x", op: "=", value: long }, { name: "x", op: "!~", value: "(a|aa)*c" }], null)).toEqual([["x", long]]);
    expect(performance.now() - t0).toBeLessThan(1000);
  }, 10_000);
});

describe("the RE2 reader", () => {
  it("full-matches as JavaScript's RegExp does on random regexes of the common syntax", () => {
    const atom = fc.constantFrom("a", "b", ".", "[ab]", "[^a]", "\\d", "(a|b)", "(?:ab|a)", "(a*)", "x");
    const quant = fc.constantFrom("", "", "*", "+", "?", "{2}", "{0,2}", "{1,}", "*?");
    const re = fc.array(fc.tuple(atom, quant).map(([a, q]) => a + q), { minLength: 1, maxLength: 5 }).chain((xs) => fc.constantFrom(xs.join(""), `${xs.join("")}|b`, `(${xs.join("")})+`));
    fc.assert(
      fc.property(re, text(["a", "b", "1", "x"]), (src, s) => {
        const ours = parseRe2(src);
        if (!ours.ok) throw new Error(`${src}: ${ours.message}`);
        expect(ours.fullMatch(s), `${src} on ${s}`).toBe(new RegExp(`^(?:${src})$`).test(s));
        return true;
      }),
      { numRuns: 3000, seed: 10 },
    );
  });

  it("reads the example's matchers, and says which constructs it does not read", () => {
    for (const src of ["5..", "5..|429", "/api/products.*", "approved|declined", "[[:digit:]]{3}", "\\p{L}+", "(?P<code>5)\\d\\d"]) expect(parseRe2(src).ok, src).toBe(true);
    const flags = parseRe2("(?i)abc");
    expect(flags.ok || flags.unsupported).toBe(true);
  });
});
