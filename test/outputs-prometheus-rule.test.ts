// The Organization's `outputs.prometheusRule: false` leaves out exactly every service's
// PrometheusRule and its entry in the service's kustomization; every other file keeps its bytes,
// through the generation cache too; `svcspec plan` reports turning it off as a weakening.
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import jsyaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBuild } from "../src/cli/commands/build.js";
import { runCheck } from "../src/cli/commands/check.js";
import { compile } from "../src/compile.js";
import { plan } from "../src/plan/index.js";
import { MANIFEST } from "../src/output/sync.js";
import { capturedIo, readTree, ROOT, sourcesOf, tempDir } from "./helpers.js";

const PROMETHEUS_RULE = /^kubernetes\/[^/]+\/prometheusrule\.yaml$/;

let tmp: ReturnType<typeof tempDir>;
let full: Map<string, string>;
const orgFile = () => join(tmp.path, "spec", "organization.yaml");
let orgText: string;
const setRule = (value: boolean | string | null) =>
  writeFileSync(orgFile(), value === null ? orgText : orgText.replace(/^spec:\n/m, `spec:\n  outputs:\n    prometheusRule: ${value}\n`));

beforeAll(() => {
  tmp = tempDir("svcspec-outputs-prometheus-rule-");
  cpSync(join(ROOT, "spec"), join(tmp.path, "spec"), { recursive: true });
  orgText = readFileSync(orgFile(), "utf8");
  expect(runBuild(ioAt().io, opts("full"))).toBe(0);
  full = readTree(join(tmp.path, "full"));
});
afterAll(() => tmp.cleanup());

const ioAt = () => capturedIo(tmp.path);
const opts = (out: string, cache = true) => ({ spec: "spec", out, format: "text" as const, force: false, verbose: false, cache });
const resources = (text: string) => (jsyaml.load(text) as { resources: string[] }).resources;

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
    const side = (on: boolean) => {
      const sources = sourcesOf("spec").map((s) => (s.path.endsWith("organization.yaml") ? { ...s, text: s.text.replace(/^spec:\n/m, `spec:\n  outputs: { prometheusRule: ${on} }\n`) } : s));
      const r = compile(sources);
      expect(r.files, JSON.stringify(r.diagnostics)).not.toBeNull();
      return { model: r.model!, files: r.files! };
    };
    const [on, off] = [side(true), side(false)];
    const weaker = plan(on, off).changes.filter((c) => c.service === null && c.area === "slo");
    expect(weaker.map((c) => [c.effect, c.summary])).toEqual([["weakens", expect.stringMatching(/^PrometheusRules turned off: .*the recording rules and alerts stop/)]]);
    expect(plan(off, on).changes.filter((c) => c.service === null && c.area === "slo").map((c) => c.effect)).toEqual(["neutral"]);
    expect(plan(on, on).changes).toEqual([]);
  });
});
