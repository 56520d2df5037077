/** Positions inside YAML strings: a PromQL error points at the character the user wrote, whatever
 * the scalar style (escapes, folded lines, block indentation). */
import { describe, expect, it } from "vitest";
import { locateInString } from "../src/load/locate.js";
import { parseSources } from "../src/load/source.js";

/** The position of `needle` (its first occurrence in the parsed value) as locateInString gives it. */
function at(yaml: string, needle: string): { line: number; col: number; expected: { line: number; col: number } } {
  const { documents } = parseSources([{ path: "t.yaml", name: "spec/t.yaml", text: yaml }]);
  const doc = documents[0]!;
  const value = (doc.value as { q: string }).q;
  const offset = value.indexOf(needle);
  if (offset < 0) throw new Error(`${needle} not in ${JSON.stringify(value)}`);
  // where the needle stands in the source text (it occurs there once)
  const before = yaml.slice(0, yaml.indexOf(needle)).split("\n");
  const expected = { line: before.length, col: before[before.length - 1]!.length + 1 };
  return { ...locateInString(doc, ["q"], offset), expected };
}

describe("locateInString", () => {
  it.each([
    ["double-quoted with escapes before it", 'q: "sum(rate(x{a=\\"b\\\\c\\u00e9\\"}[5m])) bad"\n', "bad"],
    ["single-quoted with doubled quotes", "q: 'sum(x{a=''b''}) bad'\n", "bad"],
    ["double-quoted over two lines", 'q: "sum(rate(x[5m]))\n  bad"\n', "bad"],
    ["double-quoted with an escaped line break", 'q: "sum(rate(x[5m]))\\\n    bad"\n', "bad"],
    ["a plain scalar over two lines", "q: sum(rate(x[5m]))\n  bad\n", "bad"],
    ["a folded block (>-)", "q: >-\n  sum(rate(x[5m]))\n  / sum(rate(y[5m])) bad\n", "bad"],
    ["a literal block (|)", "q: |\n  sum(rate(x[5m]))\n    / bad\n", "bad"],
    ["a folded block after an empty line", "q: >\n  sum(x)\n\n  bad\n", "bad"],
  ])("%s", (_name, yaml, needle) => {
    const r = at(yaml, needle);
    expect({ line: r.line, col: r.col }).toEqual(r.expected);
  });
});
