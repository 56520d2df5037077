/** The fast YAML emitter (src/render/yaml.ts) against the `yaml` library it stands in for: byte
 * for byte on every YAML document svcspec writes, and on random values built from the strings
 * YAML finds hardest (indicators, YAML 1.1 booleans, numbers and dates, whitespace at the edges,
 * multi-line text, quotes, non-ASCII). */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { fastYaml, libraryYaml, toYaml } from "../src/render/yaml.js";
import { FIXTURES, ROOT } from "./helpers.js";

function yamlDocuments(dir: string): unknown[] {
  const out: unknown[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...yamlDocuments(path));
    else if (/\.ya?ml$/.test(name)) {
      for (const doc of YAML.parseAllDocuments(readFileSync(path, "utf8"), { version: "1.1" })) {
        const value = doc.toJS() as unknown;
        if (value !== null && value !== undefined) out.push(value);
      }
    }
  }
  return out;
}

const TRICKY = [
  "", " ", "  lead", "trail ", "on", "Off", "yes", "N", "~", "null", "NULL", "true", "<<", "1:20", "0777", "0x1F", "1e3", ".5", "-.inf", ".NaN",
  "2026-11-23", "2026-11-23T10:00:00Z", "12", "-3", "+4", "1_000", "a: b", "a #b", "a#b", "#c", "- x", "-", "?", "? x", "-x", ":x", "x:", "x: ", "[a]", "{b}", "a,b",
  "'q'", '"d"', `it's "both"`, "it's", "&a", "*a", "!t", "|x", ">x", "%x", "@x", "`x", "---", "--- x", "...", "a\nb", "a\n", "a\n\n", "\na", " a\nb", "a\n b", "a \nb",
  "a\n  ", "\n", "\n\n", "é ü", "日本", "x\ty", "sum(rate(http_requests_total{job=\"api\",code=~\"5..\"}[5m]))", "http://x:80/a?b=c#d", "p(95)<200", "10.8.0.0/16", "::ffff:1.2.3.4",
];

const scalar = fc.oneof(
  fc.constantFrom(...TRICKY),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: fc.constantFrom("a", " ", "\n", ":", "#", "-", "'", '"', "\t", "é", "0", "."), maxLength: 10 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
const keyArb = fc.oneof(fc.constantFrom("a", "name", "app.kubernetes.io/name", "on", "12", "a b", "x:", "<<", "- k", "k#", "日本"), fc.string({ maxLength: 6 }));
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalar, tie("map"), tie("list")),
  map: fc.dictionary(keyArb, tie("value"), { maxKeys: 4 }),
  list: fc.array(tie("value"), { maxLength: 4 }),
}));
const documentArb = fc.oneof(fc.dictionary(keyArb, value, { maxKeys: 5 }), fc.array(value, { maxLength: 5 }));

describe("the fast YAML emitter", () => {
  const docs = [join(ROOT, "out"), join(FIXTURES, "minimal", "expected"), join(FIXTURES, "window-28d", "expected")].flatMap(yamlDocuments);

  it("writes every YAML document of the example and the fixtures by the fast path, exactly as the library does", () => {
    expect(docs.length).toBeGreaterThan(100);
    for (const doc of docs) {
      const fast = fastYaml(doc);
      expect(fast, JSON.stringify(doc).slice(0, 200)).not.toBeNull();
      expect(fast).toBe(libraryYaml(doc));
    }
  });

  it("equals the library on 3,000 random documents of hard strings, and takes the fast path on most", () => {
    let fast = 0;
    fc.assert(
      fc.property(documentArb, (doc) => {
        const ours = fastYaml(doc);
        if (ours !== null) {
          fast++;
          expect(ours).toBe(libraryYaml(doc));
        }
        expect(toYaml(doc)).toBe(libraryYaml(doc));
      }),
      { numRuns: Number(process.env["YAML_FUZZ_RUNS"] ?? 3000), seed: Number(process.env["YAML_FUZZ_SEED"] ?? 20261123) },
    );
    expect(fast).toBeGreaterThan(1000);
  });
});
