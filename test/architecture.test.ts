/** The import rules of the code base, read from the static imports (`import`/`export ... from`,
 * type-only ones included) of every .ts file under src/ and generators/:
 * - a generator imports no other generator (shared code lives in src/render or src/model);
 * - src/ imports nothing from generators/ except src/compile.ts, the registry generators/index.ts;
 * - no two folders import each other, directly or round a circle. A folder is an area of src/
 *   (src/model, src/cli with its commands, ...), a target of generators/, or one of the two roots
 *   (src/compile.ts, generators/index.ts). */
import { readdirSync, readFileSync } from "node:fs";
import { join, posix } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers.js";

/** Imports allowed against the rules below, each with its reason. An entry that no longer occurs
 * fails the test, so the list cannot outlive its import. */
const KNOWN_EXCEPTIONS: readonly string[] = [];

interface Edge {
  from: string;
  to: string;
}

function sourceFiles(): string[] {
  return ["src", "generators"]
    .flatMap((root) => readdirSync(join(ROOT, root), { recursive: true, encoding: "utf8" }).map((f) => posix.join(root, f.split("\\").join("/"))))
    .filter((f) => f.endsWith(".ts"))
    .sort();
}

/** The relative static imports of a file, resolved to repository paths (`./x.js` -> `dir/x.ts`). */
function staticImports(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out: string[] = [];
  for (const s of source.statements) {
    if (!(ts.isImportDeclaration(s) || ts.isExportDeclaration(s)) || !s.moduleSpecifier || !ts.isStringLiteral(s.moduleSpecifier)) continue;
    const spec = s.moduleSpecifier.text;
    if (spec.startsWith(".")) out.push(posix.normalize(posix.join(posix.dirname(file), spec)).replace(/\.js$/, ".ts"));
  }
  return out;
}

/** The folder a file belongs to for the circle check (see the file comment). */
function folderOf(file: string): string {
  const parts = file.split("/");
  return parts.length > 2 ? parts.slice(0, 2).join("/") : parts[0]!;
}

/** The generator a file belongs to (`generators/k6/script.ts` -> `k6`), or null. */
function generatorOf(file: string): string | null {
  const parts = file.split("/");
  return parts[0] === "generators" && parts.length > 2 ? parts[1]! : null;
}

/** Why an edge breaks a rule, or null. */
function violation({ from, to }: Edge): string | null {
  const g = generatorOf(from);
  if (g !== null && to.startsWith("generators/") && generatorOf(to) !== g) return "a generator imports outside its own folder";
  if (from.startsWith("src/") && to.startsWith("generators/") && !(from === "src/compile.ts" && to === "generators/index.ts")) return "src/ imports generators/";
  return null;
}

/** Every folder edge that lies on a circle, as `a -> b`. */
function circles(edges: readonly Edge[]): string[] {
  const next = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    const [a, b] = [folderOf(from), folderOf(to)];
    if (a !== b) next.set(a, (next.get(a) ?? new Set()).add(b));
  }
  const reaches = (start: string, goal: string): boolean => {
    const seen = new Set<string>();
    const todo = [start];
    while (todo.length) {
      const f = todo.pop()!;
      if (f === goal) return true;
      if (seen.has(f)) continue;
      seen.add(f);
      todo.push(...(next.get(f) ?? []));
    }
    return false;
  };
  return [...next].flatMap(([a, bs]) => [...bs].filter((b) => reaches(b, a)).map((b) => `${a} -> ${b}`)).sort();
}

const files = sourceFiles();
const allEdges: Edge[] = files.flatMap((from) => staticImports(from, readFileSync(join(ROOT, from), "utf8")).map((to) => ({ from, to })));
const name = (e: Edge) => `${e.from} -> ${e.to}`;
const edges = allEdges.filter((e) => !KNOWN_EXCEPTIONS.includes(name(e)));

describe("architecture", () => {
  it("reads the imports of every source file", () => {
    expect(files.length).toBeGreaterThan(50);
    expect(allEdges.length).toBeGreaterThan(100);
    // every relative import resolves to a file of the walk (the checks below see all of them)
    const known = new Set(files);
    expect(allEdges.filter((e) => (e.to.startsWith("src/") || e.to.startsWith("generators/")) && !known.has(e.to)).map(name)).toEqual([]);
  });

  it("no generator imports another generator; src/ imports generators/ only through the registry", () => {
    expect(edges.filter((e) => violation(e) !== null).map((e) => `${name(e)}: ${violation(e)}`)).toEqual([]);
  });

  it("no circular imports between folders", () => {
    expect(circles(edges)).toEqual([]);
  });

  it("every known exception still occurs (else remove it from KNOWN_EXCEPTIONS)", () => {
    expect(KNOWN_EXCEPTIONS.filter((x) => !allEdges.some((e) => name(e) === x))).toEqual([]);
  });

  it("the checks can fail", () => {
    expect(staticImports("generators/k6/index.ts", 'import type { X } from "../kubernetes/chaos.js";\nexport { y } from "./script.js";\nconst z = import("../opa/index.js");')).toEqual([
      "generators/kubernetes/chaos.ts",
      "generators/k6/script.ts",
    ]);
    expect(violation({ from: "generators/k6/index.ts", to: "generators/kubernetes/chaos.ts" })).toMatch(/generator/);
    expect(violation({ from: "generators/k6/index.ts", to: "generators/index.ts" })).toMatch(/generator/);
    expect(violation({ from: "src/access/corpus.ts", to: "generators/opa/cases.ts" })).toMatch(/src\/ imports generators/);
    expect(violation({ from: "src/compile.ts", to: "generators/index.ts" })).toBeNull();
    expect(violation({ from: "generators/index.ts", to: "generators/k6/index.ts" })).toBeNull();
    expect(violation({ from: "generators/k6/index.ts", to: "src/render/js.ts" })).toBeNull();
    expect(circles([{ from: "src/a/x.ts", to: "src/b/y.ts" }, { from: "src/b/y.ts", to: "src/c/z.ts" }, { from: "src/c/z.ts", to: "src/a/w.ts" }])).toEqual(["src/a -> src/b", "src/b -> src/c", "src/c -> src/a"]);
    expect(circles([{ from: "src/cli/main.ts", to: "src/cli/commands/verify.ts" }, { from: "src/cli/commands/verify.ts", to: "src/cli/io.ts" }])).toEqual([]);
    expect(folderOf("src/compile.ts")).toBe("src");
  });
});
