/** Every YAML svcspec emits must read back the same through an independent parser (js-yaml), so
 * that Go's yaml.v2, PyYAML and friends see exactly what the generator meant. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadAll } from "js-yaml";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { toYaml, toYamlStream } from "../src/render/yaml.js";
import { FIXTURES, ROOT, readTree } from "./helpers.js";

const TRICKY: Record<string, unknown>[] = [
  { yes: "yes", no: "no", on: "on", off: "off", y: "y", n: "N", true: "true", null: "null", tilde: "~" },
  { date: "2026-11-23", time: "12:30", octal: "0755", hex: "0x1F", exp: "1e3", float: "1.0", inf: ".inf", nan: ".NaN", sexagesimal: "1:30:00" },
  { expr: 'sum(rate(http_requests_total{job="checkout",code=~"5.."}[5m])) / sum(rate(http_requests_total{job="checkout"}[5m]))' },
  { multiline: "line one\nline two\n  indented: yes\n", trailing: "space ", leading: " space", hash: "a # b", colon: "a: b", quote: "it's \"quoted\"" },
  { unicode: "Zürich ✓", control: "tab\there", backslash: "C:\\path\\n", percent: "%d", braces: "{a: 1}", list: "[1, 2]", star: "*alias", amp: "&anchor", bang: "!tag" },
  { numbers: [0, 1, -1, 0.001, 14.4, 1e21, 123456789012], bools: [true, false], empty: "", nested: { a: [{ b: null }] } },
];

/** YAML files svcspec wrote: out/ and every golden expected tree. */
function emittedYaml(): [string, string][] {
  const trees = [join(ROOT, "out"), ...["minimal", "window-28d"].map((c) => join(FIXTURES, c, "expected"))];
  return trees.flatMap((t) => [...readTree(t)].filter(([p]) => /\.ya?ml$/.test(p)).map(([p, c]): [string, string] => [`${t}/${p}`, c]));
}

describe("YAML round trip", () => {
  it.each(TRICKY.map((v, i) => [i, v] as const))("renderer case %i reads back identically in js-yaml and yaml", (_, value) => {
    const text = toYaml(value);
    expect(loadAll(text)[0]).toEqual(value);
    expect(parseAllDocuments(text)[0]?.toJS()).toEqual(value);
  });

  it("multi-document streams keep their documents", () => {
    const text = toYamlStream(TRICKY);
    expect(loadAll(text)).toEqual(TRICKY);
  });

  it("every emitted YAML file reads back identically in both parsers", () => {
    for (const [path, text] of emittedYaml()) {
      const a = loadAll(text);
      const b = parseAllDocuments(text).map((d) => d.toJS());
      expect(a, path).toEqual(b);
    }
  });

  it("the example schema modeline points at the published schema", () => {
    const text = readFileSync(join(ROOT, "spec/services/checkout.yaml"), "utf8");
    expect(text.split("\n")[0]).toBe("# yaml-language-server: $schema=../../schemas/svcspec.v1.schema.json");
  });
});
