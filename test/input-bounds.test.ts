/** Issue #16, hostile inputs: a 50 MB spec file, 10,000 documents in one file, 10,000 levels of
 * flow or block nesting, very long lines and keys each end in a located diagnostic with a code and
 * a hint (src/load/bounds.ts; the bounds in docs/spec-language.md), never a stack overflow or an
 * internal error. The inputs are generated here; time and memory figures: the report of #16. */
import { describe, expect, it } from "vitest";
import { compile } from "../src/compile.js";
import { INPUT_LIMITS, nestingBeyond } from "../src/load/bounds.js";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { readSpec } from "../src/load/discover.js";
import { parseSources } from "../src/load/source.js";
import { ROOT, sourcesOf, tempDir } from "./helpers.js";

const SERVICE = (i: number) => `apiVersion: svcspec/v1\nkind: Service\nmetadata: { name: s${i}, team: web }\nspec:\n  tier: high\n`;

/** The diagnostics of one file, as `line:col code message` lines, checked to carry a hint. */
function diagnose(text: string): string[] {
  const r = compile([{ path: "spec/s.yaml", name: "spec/s.yaml", text }]);
  expect(r.files).toBeNull();
  for (const d of r.diagnostics) {
    expect(d.file).toBe("spec/s.yaml");
    expect(d.hint?.length).toBeGreaterThan(10);
    expect(d.message).not.toMatch(/stack|internal/i);
    expect(d.message.length).toBeLessThan(300);
  }
  return r.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`);
}

describe("input bounds", () => {
  it("a 50 MB spec file: SVC120 where the file passes 4 MiB", () => {
    const text = `${SERVICE(0)}  description: ${"x".repeat(50 << 20)}\n`;
    expect(diagnose(text)).toEqual([`6:${INPUT_LIMITS.fileBytes - SERVICE(0).length + 1} SVC120 spec file larger than 4 MiB`]);
  });

  it("a 50 MB file on disk: read only to the bound, the same diagnostic", () => {
    const tmp = tempDir();
    try {
      writeFileSync(join(tmp.path, "s.yaml"), `${SERVICE(0)}  description: ${"x".repeat(50 << 20)}\n`);
      const { sources, problems } = readSpec(tmp.path, tmp.path);
      expect(problems).toEqual([]);
      expect(sources[0]!.text.length).toBe(INPUT_LIMITS.fileBytes + 4);
      expect(parseSources(sources).diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.code}`)).toEqual([`s.yaml:6:${INPUT_LIMITS.fileBytes - SERVICE(0).length + 1} SVC120`]);
    } finally {
      tmp.cleanup();
    }
  });

  it("counts UTF-8 bytes, not characters: 1.5 million three-byte characters pass 4 MiB", () => {
    const text = `${SERVICE(0)}  description: "${"\u20ac".repeat(1_500_000)}"\n`;
    expect(diagnose(text)).toEqual([expect.stringMatching(/^6:\d+ SVC120 /)]);
  });

  it("10,000 documents: SVC121 at the first document past 1,000", () => {
    const text = Array.from({ length: 10_000 }, (_, i) => SERVICE(i)).join("---\n");
    expect(diagnose(text)).toEqual(["6000:1 SVC121 more than 1000 documents in one spec file"]);
    // with a marker before the first document, the same document
    expect(diagnose(`# specs\n---\n${text}`)).toEqual(["6002:1 SVC121 more than 1000 documents in one spec file"]);
  });

  it("1,000 documents are within the bound", () => {
    const text = Array.from({ length: 1000 }, (_, i) => SERVICE(i)).join("---\n");
    const r = parseSources([{ path: "spec/s.yaml", name: "spec/s.yaml", text }]);
    expect(r.diagnostics).toEqual([]);
    expect(r.documents.length).toBe(1000);
  });

  it.each([
    ["10,000 [", `  x: ${"[".repeat(10_000)}${"]".repeat(10_000)}\n`, "6:67"],
    ["10,000 {", `  x: ${"{a: ".repeat(10_000)}1${"}".repeat(10_000)}\n`, "6:250"],
    ["10,000 [ unclosed", `  x: ${"[".repeat(10_000)}\n`, "6:67"],
    ["100 block mappings", `${Array.from({ length: 100 }, (_, i) => `${" ".repeat(2 + i)}k:`).join("\n")} 1\n`, "69:66"],
    ["100 block sequences", `  x:\n${Array.from({ length: 100 }, (_, i) => `${" ".repeat(2 + 2 * i)}-`).join("\n")} 1\n`, "69:127"],
    ["100 sequence entries on one line", `  x:\n    ${"- ".repeat(100)}1\n`, "7:127"],
  ])("nesting of %s: SVC122 where it passes 64 levels", (_, tail, at) => {
    expect(diagnose(SERVICE(0) + tail)).toEqual([`${at} SVC122 nested more than 64 levels deep`]);
  });

  it("10,000 levels of block nesting: bounded by the size first (50 MB of indentation)", () => {
    const text = SERVICE(0) + `${Array.from({ length: 10_000 }, (_, i) => `${" ".repeat(2 + i)}k:`).join("\n")} 1\n`;
    expect(diagnose(text)).toEqual([expect.stringMatching(/^\d+:\d+ SVC120 spec file larger than 4 MiB$/)]);
  });

  it("a 4 MB line and a 100 KB key: a located diagnostic with the key cut short", () => {
    expect(diagnose(`${SERVICE(0)}  description: ${"x ".repeat(2 << 20)}\n`)).toEqual([expect.stringMatching(/^6:\d+ SVC120 /)]);
    const key = "k".repeat(100_000);
    expect(diagnose(`${SERVICE(0)}  ${key}: 1\n`)).toEqual([expect.stringMatching(/^6:3 SVC011 unknown field `k{80}… \(100000 characters\)` in spec$/)]);
  });

  it("the estimate: the example and every fixture sit far below the bound, and brackets in text do not count", () => {
    for (const s of sourcesOf("spec", ROOT)) expect(nestingBeyond(s.text, 12), s.name).toBeNull();
    const text = `a: "[[[[[[[["\nb: '{{{{{{{{'\nc: x[[[[[[[[\nd: |\n  [[[[[[[[\n  {{{{{{{{\ne: # [[[[[[[[\n  1\n`;
    expect(nestingBeyond(text, 3)).toBeNull();
    expect(nestingBeyond("a: [[[[", 3)).toBe(4); // the mapping, its value, two flow levels: the second `[` is the fourth
  });
});
