/** Issue #18, finding 9: YAML aliases are bounded at load (src/load/source.ts). Nine levels of
 * aliases in a load request's JSON body (9^9 strings once expanded) passed validation, and build
 * then ran for minutes above 1 GB; an alias inside its own anchor made a cyclic value. Both are
 * now an error at the alias (SVC007), found in milliseconds; ordinary aliases still work. */
import { describe, expect, it } from "vitest";
import { compile } from "../src/compile.js";
import type { SourceFile } from "../src/load/source.js";
import { ROOT, sourcesOf } from "./helpers.js";

const AFTER = "        - { name: view-cart, method: GET, path: /api/cart/current, weight: 6 }\n";

/** The example with one more request in checkout's first load scenario. */
function withRequest(request: string): SourceFile[] {
  return sourcesOf("spec", ROOT).map((s) => {
    if (s.name !== "spec/services/checkout.yaml") return s;
    if (!s.text.includes(AFTER)) throw new Error("test setup: the checkout scenario moved");
    return { ...s, text: s.text.replace(AFTER, AFTER + request) };
  });
}

/** Nine levels: `a` holds nine strings, each next level nine aliases of the one before. */
function bomb(levels = 9): string {
  const names = "abcdefghijklmnopqrstuvwxyz".slice(0, levels).split("");
  const lines = names.map((n, i) => `            ${n}: &${n} [${Array.from({ length: 9 }, () => (i === 0 ? "lol" : `*${names[i - 1]}`)).join(", ")}]`);
  return `        - name: bomb\n          method: POST\n          path: /api/bomb\n          json:\n${lines.join("\n")}\n`;
}

const svc005 = (sources: SourceFile[]) => {
  const r = compile(sources);
  return { files: r.files, found: r.diagnostics.filter((d) => d.code === "SVC007").map((d) => `${d.file}:${d.line}:${d.col} ${d.message}`) };
};

describe("YAML aliases", () => {
  it("an alias bomb in a load request's JSON body is an error at the alias that crosses the bound, in milliseconds", { timeout: 5_000 }, () => {
    const sources = withRequest(bomb());
    const line = sources.find((s) => s.name === "spec/services/checkout.yaml")!.text.split("\n").findIndex((l) => l.includes("f: &f")) + 1;
    const { files, found } = svc005(sources);
    expect(files).toBeNull();
    // a..e add 74,718 nodes; the first *e of f (66,430 more) crosses 100,000.
    expect(found).toEqual([`spec/services/checkout.yaml:${line}:20 aliases expand this document by more than 100000 nodes`]);
  });

  it("an alias inside the node its anchor names is an error (it would expand forever)", { timeout: 5_000 }, () => {
    const { files, found } = svc005(withRequest("        - { name: loop, method: POST, path: /api/loop, json: &self { again: *self } }\n"));
    expect(files).toBeNull();
    expect(found).toEqual([expect.stringMatching(/^spec\/services\/checkout\.yaml:\d+:\d+ alias \*self inside the node its anchor &self names/)]);
  });

  it("too many aliases in one document is an error", { timeout: 5_000 }, () => {
    const many = `        - name: many\n          method: POST\n          path: /api/many\n          json: { k: &k x, v: [${Array.from({ length: 10_001 }, () => "*k").join(", ")}] }\n`;
    const { found } = svc005(withRequest(many));
    expect(found).toEqual([expect.stringMatching(/ more than 10000 aliases in this document$/)]);
  });

  it("ordinary aliases still work: the output equals the spec with the values written out", () => {
    const shared = "        - { name: shared, method: POST, path: /api/a, json: { items: &items [{ sku: a, qty: 1 }, { sku: b, qty: 2 }], again: *items, more: [*items, *items] } }\n";
    const written = "        - { name: shared, method: POST, path: /api/a, json: { items: [{ sku: a, qty: 1 }, { sku: b, qty: 2 }], again: [{ sku: a, qty: 1 }, { sku: b, qty: 2 }], more: [[{ sku: a, qty: 1 }, { sku: b, qty: 2 }], [{ sku: a, qty: 1 }, { sku: b, qty: 2 }]] } }\n";
    const a = compile(withRequest(shared));
    const b = compile(withRequest(written));
    expect(a.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(a.files).toEqual(b.files);
    // a bomb of fewer levels stays under the bound
    expect(svc005(withRequest(bomb(5))).found).toEqual([]);
  });
});
