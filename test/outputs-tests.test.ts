// The Organization's `outputs.tests: false` leaves out exactly the generated tests (the promtool
// tests of the rules, the OPA tests of the policies), says so on every build and check, and is a
// weakening in `svcspec plan`; every other file keeps its bytes, through the generation cache too.
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBuild } from "../src/cli/commands/build.js";
import { runCheck } from "../src/cli/commands/check.js";
import { compile } from "../src/compile.js";
import { plan } from "../src/plan/index.js";
import { MANIFEST } from "../src/output/sync.js";
import { capturedIo, readTree, ROOT, sourcesOf, tempDir } from "./helpers.js";

/** The generated tests: what `outputs.tests: false` leaves out, and nothing else. */
const GENERATED_TEST = /^(prometheus\/[^/]+\.rules\.test\.yaml|opa-tests\/.+)$/;

let tmp: ReturnType<typeof tempDir>;
let full: Map<string, string>;
const orgFile = () => join(tmp.path, "spec", "organization.yaml");
let orgText: string;
const setTests = (value: boolean | null) =>
  writeFileSync(orgFile(), value === null ? orgText : orgText.replace(/^spec:\n/m, `spec:\n  outputs:\n    tests: ${value}\n`));

beforeAll(() => {
  tmp = tempDir("svcspec-outputs-tests-");
  cpSync(join(ROOT, "spec"), join(tmp.path, "spec"), { recursive: true });
  orgText = readFileSync(orgFile(), "utf8");
  expect(runBuild(ioAt().io, opts("full"))).toBe(0);
  full = readTree(join(tmp.path, "full"));
});
afterAll(() => tmp.cleanup());

const ioAt = () => capturedIo(tmp.path);
const opts = (out: string, cache = true) => ({ spec: "spec", out, format: "text" as const, force: false, verbose: false, cache });

describe("outputs.tests", () => {
  it("false: the build leaves out exactly the generated tests, every other file the same bytes, and says so", () => {
    setTests(false);
    try {
      const built = ioAt();
      expect(runBuild(built.io, opts("untested", false))).toBe(0);
      expect(built.streams.err).toMatch(/^ {2}note: no generated tests \(outputs\.tests: false in spec\/organization\.yaml\): `svcspec verify` checks that the rules and policies load, not what they do$/m);
      const untested = readTree(join(tmp.path, "untested"));
      const expected = [...full.keys()].filter((p) => !GENERATED_TEST.test(p)).sort();
      expect([...untested.keys()].sort()).toEqual(expected);
      // the example has both kinds of test, so the switch is seen to drop each
      expect([...full.keys()].filter((p) => p.endsWith(".history.rules.test.yaml")).length).toBeGreaterThan(0);
      expect([...full.keys()].filter((p) => p.startsWith("opa-tests/")).length).toBeGreaterThan(0);
      for (const p of expected) if (p !== MANIFEST) expect(untested.get(p), p).toBe(full.get(p));
      const checked = ioAt();
      expect(runCheck(checked.io, { spec: "spec", out: "untested", format: "text", diff: false })).toBe(0);
      expect(checked.streams.err).toMatch(/is up to date .*\n {2}note: no generated tests/);
    } finally {
      setTests(null);
    }
  });

  it("switching it over a warm generation cache gives what a build without the cache gives, both ways", () => {
    expect(runBuild(ioAt().io, opts("toggled"))).toBe(0);
    setTests(false);
    try {
      const off = ioAt();
      expect(runBuild(off.io, { ...opts("toggled"), verbose: true })).toBe(0);
      // the Organization is in every entry's key: nothing of the tested build is reused
      expect(off.streams.err).toMatch(/generation cache: 0 hit\(s\)/);
      expect(off.streams.err).toMatch(/^ {2}D toggled\/opa-tests\/svcspec\/deploy\/deploy_test\.rego$/m);
      expect(runBuild(ioAt().io, opts("untested-cold", false))).toBe(0);
      expect(readTree(join(tmp.path, "toggled"))).toEqual(readTree(join(tmp.path, "untested-cold")));
    } finally {
      setTests(null);
    }
    const on = ioAt();
    expect(runBuild(on.io, opts("toggled"))).toBe(0);
    expect(on.streams.err).not.toMatch(/note: no generated tests/);
    expect(readTree(join(tmp.path, "toggled"))).toEqual(full);
  });

  it("anything but a boolean, or another key under outputs, is a schema error at its line", () => {
    setTests(null);
    writeFileSync(orgFile(), orgText.replace(/^spec:\n/m, "spec:\n  outputs:\n    tests: no-thanks\n    rules: true\n"));
    try {
      const { io, streams } = ioAt();
      expect(runBuild(io, opts("bad", false))).toBe(1);
      expect(streams.err).toMatch(/organization\.yaml:\d+:\d+: error SVC\d+: .*tests/);
      expect(streams.err).toMatch(/organization\.yaml:\d+:\d+: error SVC\d+: .*rules/);
    } finally {
      setTests(null);
    }
  });

  it("plan: turning the tests off weakens, turning them on strengthens", () => {
    const side = (tests: boolean) => {
      const sources = sourcesOf("spec").map((s) => (s.path.endsWith("organization.yaml") ? { ...s, text: s.text.replace(/^spec:\n/m, `spec:\n  outputs: { tests: ${tests} }\n`) } : s));
      const r = compile(sources);
      expect(r.files, JSON.stringify(r.diagnostics)).not.toBeNull();
      return { model: r.model!, files: r.files! };
    };
    const [on, off] = [side(true), side(false)];
    const weaker = plan(on, off).changes.filter((c) => c.service === null && c.area === "slo");
    expect(weaker.map((c) => [c.effect, c.summary])).toEqual([["weakens", expect.stringMatching(/^generated tests turned off: .*no longer proves/)]]);
    expect(plan(off, on).changes.filter((c) => c.service === null && c.area === "slo").map((c) => c.effect)).toEqual(["strengthens"]);
    expect(plan(on, on).changes).toEqual([]);
  });
});
