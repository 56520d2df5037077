import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../src/util/package-root.js";
import { validatorSource } from "../src/validate/schema-compile.js";
import { VALIDATOR_FILE } from "../src/validate/schema.js";

describe("precompiled schema validator", () => {
  it("is the code ajv generates from the schema and the format keyword today (else: npm run validator:build)", () => {
    const committed = readFileSync(join(packageRoot(), VALIDATOR_FILE), "utf8");
    // a stale file would accept or reject other values than the schema says, silently
    expect(committed === validatorSource(), `${VALIDATOR_FILE} is stale: run npm run validator:build and commit it`).toBe(true);
  });

  it("ships with the package", () => {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { files: string[]; dependencies: Record<string, string> };
    expect(pkg.files).toContain(VALIDATOR_FILE);
    // the generated code requires ajv's runtime helpers and ajv-formats' format functions
    expect(Object.keys(pkg.dependencies)).toEqual(expect.arrayContaining(["ajv", "ajv-formats"]));
  });

  it("is what the CLI runs: only schema-compile.ts (the build script's and this test's) loads ajv's compiler", () => {
    const root = packageRoot();
    const sources = ["src", "generators"].flatMap((d) => readdirSync(join(root, d), { recursive: true, encoding: "utf8" }).map((f) => join(root, d, f))).filter((f) => f.endsWith(".ts"));
    // a value import of ajv or ajv-formats (not `import type`) would compile or load the compiler again
    const loading = sources.filter((f) => /^import (?!type )[^;]*from "ajv(-formats)?[/"]/m.test(readFileSync(f, "utf8"))).map((f) => relative(root, f));
    expect(loading).toEqual(["src/validate/schema-compile.ts"]);
  });
});
