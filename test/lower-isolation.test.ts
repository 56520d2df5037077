// The generation cache keys a service on what it was lowered from (its document's file name,
// position and text) and the Organization (src/compile.ts, serviceInputs). That holds only while
// a service's Model depends on nothing else: no other service, and a document no check changed.
// Both are checked here on every valid spec folder of the project, and the key's parts are each
// shown to matter.
import { cpSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runBuild } from "../src/cli/commands/build.js";
import { canonicalJson } from "../src/cache/generation.js";
import { validate } from "../src/compile.js";
import { parseSources } from "../src/load/source.js";
import { lower } from "../src/model/lower.js";
import type { OrganizationDoc, ServiceDoc } from "../src/model/spec.js";
import { validateDocuments } from "../src/validate/index.js";
import { capturedIo, readTree, ROOT, sourcesOf, tempDir } from "./helpers.js";

const FOLDERS = ["spec", ...["minimal", "window-28d"].map((f) => join("test", "fixtures", f, "spec")), ...readdirSync(join(ROOT, "test", "fixtures", "policies"), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join("test", "fixtures", "policies", d.name, "spec"))];

function specOf(folder: string) {
  const loaded = parseSources(sourcesOf(folder));
  const before = loaded.documents.map((d) => JSON.stringify(d.value));
  const { spec, diagnostics } = validateDocuments(loaded.documents);
  return { loaded, before, spec, errors: diagnostics.filter((d) => d.severity === "error") };
}

describe("a service's Model is lowered from its own document and the Organization alone", () => {
  const valid = FOLDERS.filter((f) => {
    try {
      return specOf(f).errors.length === 0;
    } catch {
      return false;
    }
  });

  it("the project has valid spec folders with several services to check", () => {
    expect(valid).toContain("spec");
    expect(specOf("spec").spec.services.length).toBeGreaterThan(3);
  });

  it.each(valid)("%s: no check changes a document, and each service lowered alone is the one lowered among all", (folder) => {
    const { loaded, before, spec } = specOf(folder);
    expect(loaded.documents.map((d) => JSON.stringify(d.value))).toEqual(before);
    const all = lower(spec.organization as never, spec.services as never);
    for (const s of spec.services) {
      const alone = lower(spec.organization as never, [s] as never).services[0]!;
      expect(canonicalJson(alone), s.file).toBe(canonicalJson(all.services.find((x) => x.name === (s.doc as ServiceDoc).metadata.name)));
    }
    // and the Organization lowers the same whatever the services
    expect(canonicalJson(lower(spec.organization as { doc: OrganizationDoc; file: string } as never, []).organization)).toBe(canonicalJson(all.organization));
  });
});

describe("the generation cache keys a service on its document", () => {
  const tmp = tempDir("svcspec-lower-isolation-");
  afterAll(() => tmp.cleanup());
  const file = () => join(tmp.path, "spec", "services", "checkout.yaml");
  const build = (out: string, cache = true) => {
    const { io, streams } = capturedIo(tmp.path);
    expect(runBuild(io, { spec: "spec", out, format: "text", force: false, verbose: true, cache }), streams.err).toBe(0);
    const m = /generation cache: (\d+) hit\(s\), (\d+) computed/.exec(streams.err);
    return { hits: Number(m?.[1] ?? -1), computed: Number(m?.[2] ?? -1), tree: readTree(join(tmp.path, out)) };
  };

  it("a comment in one service's file makes that service's entries miss and no other's; the output is a cold build's", () => {
    cpSync(join(ROOT, "spec"), join(tmp.path, "spec"), { recursive: true });
    const services = validate(sourcesOf(join(tmp.path, "spec"))).model!.services.length;
    const first = build("out");
    expect(first.hits).toBe(0);
    const seams = first.computed / services;
    expect(Number.isInteger(seams) && seams > 1).toBe(true);
    expect(build("out")).toMatchObject({ hits: first.computed, computed: 0 });
    writeFileSync(file(), `# a comment\n${readFileSync(file(), "utf8")}`);
    const commented = build("out");
    expect(commented).toMatchObject({ hits: first.computed - seams, computed: seams });
    expect(commented.tree).toEqual(first.tree);
    // the text is the key, not the Model: a value changed gives another Model, and a cold build's bytes
    writeFileSync(file(), readFileSync(file(), "utf8").replace("objective: 99.95", "objective: 99.9"));
    const changed = build("out");
    expect(changed).toMatchObject({ computed: seams });
    expect(changed.tree).toEqual(build("cold", false).tree);
  });
});
