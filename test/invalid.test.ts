/** Invalid fixtures: each test/fixtures/invalid/<case>/spec holds deliberate mistakes.
 * expect.txt (hand-written) says which code must be reported where (`CODE file:line:col`; a
 * built-in policy's code is its name); diagnostics.txt is the golden full output (`npm run
 * test:update` rewrites it); an optional args.txt adds flags (`--strict` for a warning). */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURES, UPDATE, run } from "./helpers.js";

const INVALID = join(FIXTURES, "invalid");
const cases = existsSync(INVALID) ? readdirSync(INVALID, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name) : [];

function expectations(dir: string): { code: string; where: string }[] {
  return readFileSync(join(dir, "expect.txt"), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const [code = "", where = ""] = l.split(/\s+/);
      return { code, where };
    });
}

describe("invalid fixtures", () => {
  it("covers at least 30 mistakes", () => expect(cases.length).toBeGreaterThanOrEqual(30));

  it.each(cases)("%s", async (name) => {
    const dir = join(INVALID, name);
    const args = existsSync(join(dir, "args.txt")) ? readFileSync(join(dir, "args.txt"), "utf8").split(/\s+/).filter(Boolean) : [];
    const r = await run(["validate", "--spec", "spec", ...args], dir);
    expect(r.code).toBe(1);
    expect(r.err).not.toMatch(/internal error|\n\s+at .*\.(ts|js):\d+/);
    // Every hand-written expectation is reported with its exact location.
    for (const { code, where } of expectations(dir)) {
      expect(r.err, `${code} at ${where}`).toMatch(new RegExp(`^${where.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: (error|warning) ${code}: `, "m"));
    }
    // Every diagnostic carries a location, a code, a message and a hint.
    const diagnostics = r.err.split("\n").filter((l) => / (error|warning) (SVC\d{3}|[a-z][a-z0-9_]*): /.test(l));
    expect(diagnostics.length).toBeGreaterThan(0);
    for (const line of diagnostics) expect(line).toMatch(/^[^:]+:\d+:\d+: (error|warning) (SVC\d{3}|[a-z][a-z0-9_]*): \S/);
    const hints = r.err.split("\n").filter((l) => l.startsWith("  hint: "));
    expect(hints.length, "every diagnostic has a hint").toBe(diagnostics.length);
    const golden = join(dir, "diagnostics.txt");
    if (UPDATE) writeFileSync(golden, r.err);
    expect(existsSync(golden), `missing ${golden}: run npm run test:update`).toBe(true);
    expect(r.err).toBe(readFileSync(golden, "utf8"));
  });
});
