// The Organization's `outputs.tests: false` leaves out exactly the generated tests (the promtool
// tests of the rules, the OPA tests of the policies), says so on every build and check, and is a
// weakening in `svcspec plan`; every other file keeps its bytes, through the generation cache too.
// `outputs.prometheusRule: false` leaves out exactly every service's PrometheusRule and its entry
// in the service's kustomization, and is a weakening too.
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import jsyaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBuild } from "../src/cli/commands/build.js";
import { runCheck } from "../src/cli/commands/check.js";
import { plan } from "../src/plan/index.js";
import { MANIFEST } from "../src/output/sync.js";
import { capturedIo, exampleWithOutputs, readTree, ROOT, tempDir } from "./helpers.js";

/** The generated tests: what `outputs.tests: false` leaves out, and nothing else. */
const GENERATED_TEST = /^(prometheus\/[^/]+\.rules\.test\.yaml|opa-tests\/.+)$/;
/** What `outputs.prometheusRule: false` leaves out (with each kustomization's entry for it). */
const PROMETHEUS_RULE = /^kubernetes\/[^/]+\/prometheusrule\.yaml$/;
const resources = (text: string) => (jsyaml.load(text) as { resources: string[] }).resources;

let tmp: ReturnType<typeof tempDir>;
let full: Map<string, string>;
const orgFile = () => join(tmp.path, "spec", "organization.yaml");
let orgText: string;
/** The Organization with `outputs.<key>: <value>` (its own text again for null). */
const setOutput = (key: string, value: boolean | string | null) =>
  writeFileSync(orgFile(), value === null ? orgText : orgText.replace(/^spec:\n/m, `spec:\n  outputs:\n    ${key}: ${value}\n`));
const setTests = (value: boolean | null) => setOutput("tests", value);
const setRule = (value: boolean | string | null) => setOutput("prometheusRule", value);

beforeAll(() => {
  tmp = tempDir("svcspec-outputs-");
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
    const side = (tests: boolean) => exampleWithOutputs(`{ tests: ${tests} }`);
    const [on, off] = [side(true), side(false)];
    const weaker = plan(on, off).changes.filter((c) => c.service === null && c.area === "slo");
    expect(weaker.map((c) => [c.effect, c.summary])).toEqual([["weakens", expect.stringMatching(/^generated tests turned off: .*no longer proves/)]]);
    expect(plan(off, on).changes.filter((c) => c.service === null && c.area === "slo").map((c) => c.effect)).toEqual(["strengthens"]);
    expect(plan(on, on).changes).toEqual([]);
  });
});

describe("outputs.prometheusRule", () => {
  it("false: the build leaves out exactly the PrometheusRules and their kustomization entries, every other file the same bytes", () => {
    setRule(false);
    try {
      expect(runBuild(ioAt().io, opts("plain", false))).toBe(0);
      const plain = readTree(join(tmp.path, "plain"));
      const rules = [...full.keys()].filter((p) => PROMETHEUS_RULE.test(p));
      // the example has services with SLOs, so the switch is seen to drop something
      expect(rules.length).toBeGreaterThan(1);
      expect([...plain.keys()].sort()).toEqual([...full.keys()].filter((p) => !PROMETHEUS_RULE.test(p)).sort());
      for (const [path, text] of plain) {
        if (path === MANIFEST) continue;
        if (!path.endsWith("/kustomization.yaml")) {
          expect(text, path).toBe(full.get(path));
          continue;
        }
        // the kustomization of a service lists what its folder holds, the PrometheusRule no more
        const folder = path.slice(0, -"kustomization.yaml".length);
        const before = resources(full.get(path)!);
        expect(resources(text), path).toEqual(before.filter((r) => !(rules.includes(`${folder}${r}`))));
        for (const r of resources(text)) expect(plain.has(`${folder}${r}`) || r.endsWith("/"), `${path} lists ${r}`).toBe(true);
      }
      // the rule files stay, byte for byte, and the tests that read them
      expect([...plain.keys()].filter((p) => /^prometheus\/[^/]+\.rules\.yaml$/.test(p)).length).toBe(rules.length);
      expect(runCheck(ioAt().io, { spec: "spec", out: "plain", format: "text", diff: false })).toBe(0);
    } finally {
      setRule(null);
    }
  });

  it("switching it over a warm generation cache gives what a build without the cache gives, both ways", () => {
    expect(runBuild(ioAt().io, opts("toggled"))).toBe(0);
    setRule(false);
    try {
      const off = ioAt();
      expect(runBuild(off.io, { ...opts("toggled"), verbose: true })).toBe(0);
      expect(off.streams.err).toMatch(/^ {2}D toggled\/kubernetes\/checkout\/prometheusrule\.yaml$/m);
      expect(runBuild(ioAt().io, opts("plain-cold", false))).toBe(0);
      expect(readTree(join(tmp.path, "toggled"))).toEqual(readTree(join(tmp.path, "plain-cold")));
    } finally {
      setRule(null);
    }
    expect(runBuild(ioAt().io, opts("toggled"))).toBe(0);
    expect(readTree(join(tmp.path, "toggled"))).toEqual(full);
  });

  it("anything but a boolean is a schema error at its line", () => {
    setRule('"no"');
    try {
      const { io, streams } = ioAt();
      expect(runBuild(io, opts("bad", false))).toBe(1);
      expect(streams.err).toMatch(/organization\.yaml:\d+:\d+: error SVC\d+: .*prometheusRule/);
    } finally {
      setRule(null);
    }
  });

  it("plan: turning the PrometheusRules off weakens, turning them on is neutral", () => {
    const side = (on: boolean) => exampleWithOutputs(`{ prometheusRule: ${on} }`);
    const [on, off] = [side(true), side(false)];
    const weaker = plan(on, off).changes.filter((c) => c.service === null && c.area === "slo");
    expect(weaker.map((c) => [c.effect, c.summary])).toEqual([["weakens", expect.stringMatching(/^PrometheusRules turned off: .*the recording rules and alerts stop/)]]);
    expect(plan(off, on).changes.filter((c) => c.service === null && c.area === "slo").map((c) => c.effect)).toEqual(["neutral"]);
    expect(plan(on, on).changes).toEqual([]);
  });
});
