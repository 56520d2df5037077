/** Golden fixtures: test/fixtures/<case>/spec in, test/fixtures/<case>/expected the whole output
 * tree (manifest included). `npm run test:update` rewrites expected/ after a deliberate change. */
import { cpSync, existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURES, UPDATE, readTree, run, tempDir } from "./helpers.js";

const cases = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(FIXTURES, e.name, "spec")))
  .map((e) => e.name);

describe("golden fixtures", () => {
  it("has fixtures", () => expect(cases.length).toBeGreaterThanOrEqual(2));

  it.each(cases)("%s: build produces exactly the expected tree", async (name) => {
    const dir = join(FIXTURES, name);
    const tmp = tempDir();
    try {
      const r = await run(["build", "--spec", "spec", "--out", join(tmp.path, "out")], dir);
      expect(r.err).not.toMatch(/error SVC/);
      expect(r.code).toBe(0);
      const produced = readTree(join(tmp.path, "out"));
      const expectedDir = join(dir, "expected");
      if (UPDATE) {
        rmSync(expectedDir, { recursive: true, force: true });
        cpSync(join(tmp.path, "out"), expectedDir, { recursive: true });
      }
      expect(existsSync(expectedDir), `missing ${expectedDir}: run npm run test:update`).toBe(true);
      const expected = readTree(expectedDir);
      expect([...produced.keys()]).toEqual([...expected.keys()]);
      for (const [path, content] of expected) expect(produced.get(path), path).toBe(content);
    } finally {
      tmp.cleanup();
    }
  });

  it.each(cases)("%s: check reports the expected tree fresh", async (name) => {
    const r = await run(["check", "--spec", "spec", "--out", "expected"], join(FIXTURES, name));
    expect(r.err).toContain("is up to date");
    expect(r.code).toBe(0);
  });
});
