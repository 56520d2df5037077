/** The PII catalogue is the one list of built-in detectors: the JSON Schema (written by hand) must
 * name the same ids, and every list the code derives from it must follow it. The redaction oracle
 * is test code and ships nowhere. No external tools. */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_PII_DEFAULTS, PII_DETECTORS } from "../src/model/defaults.js";
import { DETECTOR_TOKENS, PII_CATALOGUE } from "../src/model/pii-catalogue.js";
import { ROOT } from "./helpers.js";
import { DETECTORS } from "./oracle/detectors.js";

type Node = { $ref?: string; enum?: string[]; default?: string[]; items?: Node; properties?: Record<string, Node>; definitions?: Record<string, Node> };
const schema = JSON.parse(readFileSync(join(ROOT, "schemas", "svcspec.v1.schema.json"), "utf8")) as Node;
const definition = (ref: string): Node => {
  const name = /^#\/definitions\/(.+)$/.exec(ref)?.[1];
  const node = name ? schema.definitions?.[name] : undefined;
  if (!node) throw new Error(`no definition ${ref}`);
  return node;
};
const sorted = (xs: readonly string[]) => [...xs].sort();
const ids = PII_CATALOGUE.map((d) => d.id);

describe("PII catalogue", () => {
  // the two places a spec names detectors: the Organization's defaults and a service's additions
  const orgDefaults = definition("#/definitions/organizationSpec").properties!["pii"]!.properties!["defaults"]!;
  const serviceDetectors = definition("#/definitions/servicePii").properties!["detectors"]!;

  it("the JSON Schema's detector enum names exactly the catalogue ids, wherever a spec names a detector", () => {
    for (const [where, node] of [["organization pii.defaults", orgDefaults], ["service pii.detectors", serviceDetectors]] as const) {
      const ref = node.items?.$ref;
      expect(ref, where).toBeDefined();
      expect(sorted(definition(ref!).enum ?? []), where).toEqual(sorted(ids));
    }
  });

  it("the schema's default for pii.defaults is the catalogue's default-on detectors", () => {
    expect(sorted(orgDefaults.default ?? [])).toEqual(sorted(DEFAULT_PII_DEFAULTS));
  });

  it("ids and tokens are unique; the derived lists keep the catalogue's redaction order", () => {
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(PII_CATALOGUE.map((d) => d.token)).size).toBe(ids.length);
    expect(PII_DETECTORS).toEqual(ids);
    expect(DEFAULT_PII_DEFAULTS).toEqual(PII_CATALOGUE.filter((d) => d.defaultOn).map((d) => d.id));
    expect(DEFAULT_PII_DEFAULTS.length).toBeGreaterThan(0);
    expect(DEFAULT_PII_DEFAULTS.length).toBeLessThan(ids.length);
    for (const d of PII_CATALOGUE) expect(DETECTOR_TOKENS[d.id]).toBe(d.token);
  });

  it("the oracle has one detector per catalogue entry, and no detector rewrites any token (an earlier detector's output stays as it is)", () => {
    expect(sorted(Object.keys(DETECTORS))).toEqual(sorted(ids));
    const tokens = PII_CATALOGUE.map((d) => d.token);
    for (const text of [...tokens, tokens.join(" "), tokens.join("")])
      for (const id of ids) expect(DETECTORS[id](text), `${id} on ${text}`).toBe(text);
  });
});

describe("the redaction oracle (test/oracle)", () => {
  const sources = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && /\.(ts|mjs|js)$/.test(e.name))
      .map((e) => join(e.parentPath, e.name));
  const imports = (file: string) => [...readFileSync(file, "utf8").matchAll(/\bfrom\s+"(\.[^"]+)"|\bimport\(\s*"(\.[^"]+)"\s*\)/g)].map((m) => resolve(dirname(file), m[1] ?? m[2]!));

  it("nothing under src/, generators/, bin/ or scripts/ imports from test/", () => {
    const shipped = ["src", "generators", "bin", "scripts"].flatMap(sources);
    expect(shipped.length).toBeGreaterThan(50);
    const upward = shipped.flatMap((f) => imports(f).filter((t) => relative(ROOT, t).startsWith("test/")).map((t) => `${relative(ROOT, f)} -> ${relative(ROOT, t)}`));
    expect(upward).toEqual([]);
    // the walk sees imports: the tests themselves do import the oracle
    expect(imports(join(ROOT, "test", "fluentbit.test.ts")).map((t) => relative(ROOT, t))).toContain("test/oracle/redact.js");
  });

  it("is neither built into dist/ nor packed", () => {
    const build = JSON.parse(readFileSync(join(ROOT, "tsconfig.build.json"), "utf8")) as { include: string[] };
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { files: string[] };
    for (const list of [build.include, pkg.files]) expect(list.filter((x) => x === "test" || x.startsWith("test/"))).toEqual([]);
  });
});
