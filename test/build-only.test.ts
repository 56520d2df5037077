// `build --only <targets>`: only those targets are generated and the folder holds only them, byte
// for byte what a full build writes for them; the whole spec is still validated.
import { cpSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBuild } from "../src/cli/commands/build.js";
import { runCheck } from "../src/cli/commands/check.js";
import { MANIFEST } from "../src/output/sync.js";
import { capturedIo, readTree, ROOT, tempDir } from "./helpers.js";

let tmp: ReturnType<typeof tempDir>;
let full: Map<string, string>;
beforeAll(() => {
  tmp = tempDir("svcspec-only-");
  cpSync(join(ROOT, "spec"), join(tmp.path, "spec"), { recursive: true });
  expect(runBuild(ioAt().io, opts("full"))).toBe(0);
  full = readTree(join(tmp.path, "full"));
});
afterAll(() => tmp.cleanup());

const ioAt = () => capturedIo(tmp.path);
const opts = (out: string, only?: string) => ({ spec: "spec", out, format: "text" as const, force: false, verbose: false, ...(only === undefined ? {} : { only }) });

describe("build --only", () => {
  it("prometheus: the rule files and their packaging, the same bytes as a full build, and check --only agrees", () => {
    expect(runBuild(ioAt().io, opts("rules", "prometheus"))).toBe(0);
    const only = readTree(join(tmp.path, "rules"));
    const paths = [...only.keys()].filter((p) => p !== MANIFEST);
    expect(paths.some((p) => p.startsWith("prometheus/"))).toBe(true);
    expect(paths.filter((p) => !p.startsWith("prometheus/") && !/^kubernetes\/[^/]+\/(prometheusrule|kustomization)\.yaml$/.test(p))).toEqual([]);
    for (const p of paths) if (!p.endsWith("kustomization.yaml")) expect(only.get(p), p).toBe(full.get(p));
    for (const p of [...full.keys()].filter((f) => f.startsWith("prometheus/"))) expect(only.has(p), p).toBe(true);
    expect(runCheck(ioAt().io, { spec: "spec", out: "rules", format: "text", diff: false, only: "prometheus" })).toBe(0);
    const whole = ioAt();
    expect(runCheck(whole.io, { spec: "spec", out: "rules", format: "text", diff: false })).toBe(1);
    expect(whole.streams.err).toMatch(/^ {2}A rules\/docs\//m);
  });

  it("two targets at once; a later full build brings the rest back", () => {
    expect(runBuild(ioAt().io, opts("two", "docs,opa"))).toBe(0);
    const two = [...readTree(join(tmp.path, "two")).keys()].filter((p) => p !== MANIFEST);
    expect(two.every((p) => p.startsWith("docs/") || p.startsWith("opa/") || p.startsWith("opa-tests/") || p.startsWith("opa-server/") || p.startsWith("kubernetes/"))).toBe(true);
    expect(runBuild(ioAt().io, opts("two"))).toBe(0);
    expect(readTree(join(tmp.path, "two"))).toEqual(full);
  });

  it("an unknown or empty target is a usage error naming the targets; nothing is written", () => {
    for (const bad of ["prometheus,grafna", ","]) {
      const { io, streams } = ioAt();
      expect(runBuild(io, opts("bad", bad))).toBe(2);
      expect(streams.err).toMatch(/^✖ --only .*\n {2}hint: name one or more of .*prometheus/);
    }
    expect(existsSync(join(tmp.path, "bad"))).toBe(false);
  });

  it("validation is not narrowed: an error outside the target still fails the build", () => {
    writeFileSync(join(tmp.path, "spec/services/broken.yaml"), "apiVersion: svcspec/v1\nkind: Service\nmetadata: { name: broken, team: nobody }\nspec: { tier: standard }\n");
    const { io, streams } = ioAt();
    expect(runBuild(io, opts("rules", "prometheus"))).toBe(1);
    expect(streams.err).toMatch(/broken\.yaml:\d+:\d+: error SVC/);
  });
});
