/** The CLI's contract: exit codes, output folder ownership, stale detection, formats. */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ROOT, run, tempDir } from "./helpers.js";

let tmp: { path: string; cleanup(): void };
beforeEach(() => {
  tmp = tempDir();
  cpSync(join(ROOT, "spec"), join(tmp.path, "spec"), { recursive: true });
});
afterEach(() => tmp.cleanup());

const out = (p: string) => join(tmp.path, "out", p);

describe("validate", () => {
  it("accepts the example organisation", async () => {
    const r = await run(["validate"], tmp.path);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/8 documents valid \(7 services\)/);
  });
  it("exits 1 with located diagnostics, all at once", async () => {
    const f = join(tmp.path, "spec/services/checkout.yaml");
    writeFileSync(f, readFileSync(f, "utf8").replace("team: payments", "team: paymnts").replace("tier: critical", "tier: critcal"));
    const r = await run(["validate"], tmp.path);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^spec\/services\/checkout\.yaml:8:9: error SVC030: unknown team `paymnts`\n  hint: did you mean `payments`\?/m);
    expect(r.err).toMatch(/^spec\/services\/checkout\.yaml:11:9: error SVC031: unknown tier `critcal`/m);
  });
  it("--format json prints machine-readable diagnostics on stdout", async () => {
    writeFileSync(join(tmp.path, "spec/bad.yaml"), "apiVersion: svcspec/v1\nkind: Service\nmetadata: { name: x }\nspec: { tier: high }\n");
    const r = await run(["validate", "--format", "json"], tmp.path);
    expect(r.code).toBe(1);
    const parsed = JSON.parse(r.out) as { valid: boolean; diagnostics: { code: string; file: string; line: number; col: number; hint: string }[] };
    expect(parsed.valid).toBe(false);
    expect(parsed.diagnostics[0]).toMatchObject({ code: "SVC010", file: "spec/bad.yaml", line: 3 });
  });
  it("--format github prints workflow annotations", async () => {
    writeFileSync(join(tmp.path, "spec/bad.yaml"), "apiVersion: svcspec/v1\nkind: Service\nmetadata: { name: x, team: payments }\nspec: { tier: high, colour: red }\n");
    const r = await run(["validate", "--format", "github"], tmp.path);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^::error file=spec\/bad\.yaml,line=4,col=21,title=SVC011::unknown field `colour`/m);
  });
  it("a missing spec folder is a diagnostic, not a crash", async () => {
    const r = await run(["validate", "--spec", "nope"], tmp.path);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/SVC002: spec folder nope does not exist/);
  });
  it("usage errors exit 2", async () => {
    expect((await run(["frobnicate"], tmp.path)).code).toBe(2);
    expect((await run(["validate", "--format", "xml"], tmp.path)).code).toBe(2);
    expect((await run(["--help"], tmp.path)).code).toBe(0);
  });
});

describe("reading the spec", () => {
  it("reports every file it cannot read, located, with the other problems, and builds nothing", async () => {
    const spec = join(tmp.path, "spec");
    symlinkSync("loop", join(spec, "loop"));
    symlinkSync("nowhere.yaml", join(spec, "services", "gone.yaml"));
    spawnSync("mkfifo", [join(spec, "services", "pipe.yaml")]);
    const r = await run(["build", "--format", "json"], tmp.path);
    expect(r.code).toBe(1);
    const found = (JSON.parse(r.out) as { diagnostics: { code: string; message: string; file: string }[] }).diagnostics.filter((d) => d.code === "SVC009");
    expect(found.map((d) => d.message)).toEqual(["spec/loop is a symbolic link that loops", "spec/services/gone.yaml is a symbolic link to nothing", "spec/services/pipe.yaml is not a regular file"]);
    expect(r.err).not.toMatch(/internal error/);
  });

  it("reads .YAML and .Yml files too, and one spec file given as --spec", async () => {
    const spec = join(tmp.path, "spec");
    writeFileSync(join(spec, "services", "Extra.YAML"), readFileSync(join(spec, "services", "search.yaml"), "utf8").replace("name: search", "name: search-two"));
    const all = await run(["validate"], tmp.path);
    expect(all.err).toMatch(/9 documents valid \(8 services\)/);
    const one = await run(["validate", "--spec", "spec/services/search.yaml"], tmp.path);
    expect(one.code).toBe(0);
    expect(one.err).toMatch(/1 document valid \(1 services\)/);
    const notSpec = await run(["validate", "--spec", "README.md"], ROOT);
    expect(notSpec.code).toBe(1);
    expect(notSpec.err).toMatch(/SVC002: README\.md is not a spec file/);
  });

  it("refuses an output folder that is the spec folder or inside it", async () => {
    for (const out of ["spec", "spec/out"]) {
      const r = await run(["build", "--out", out], tmp.path);
      expect(r.code, out).toBe(2);
      expect(r.err).toMatch(/--out spec(\/out)? is (the spec folder|inside the spec folder)/);
      expect(existsSync(join(tmp.path, "spec", "out")), out).toBe(false);
    }
  });
});

describe("build and check", () => {
  it("build writes, check is fresh, a second build writes nothing", async () => {
    expect((await run(["build"], tmp.path)).code).toBe(0);
    expect(existsSync(out("docs/checkout.md"))).toBe(true);
    expect(readFileSync(out("docs/checkout.md"), "utf8").split("\n")[0]).toBe("<!-- Generated by svcspec from spec/services/checkout.yaml. DO NOT EDIT. -->");
    expect((await run(["check"], tmp.path)).code).toBe(0);
    const again = await run(["build"], tmp.path);
    expect(again.err).toMatch(/✔ (\d+) files in \S+ \(0 written, 0 deleted, \1 unchanged\)/);
  });

  it("check reports changed, missing and orphaned files, with --diff", async () => {
    await run(["build"], tmp.path);
    writeFileSync(out("docs/search.md"), "hand edit\n");
    const { unlinkSync, rmSync } = await import("node:fs");
    unlinkSync(out("docs/catalog.md"));
    rmSync(join(tmp.path, "spec/services/recommendations.yaml"));
    const r = await run(["check", "--diff"], tmp.path);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/out\/ is stale/);
    expect(r.err).toMatch(/^ {2}A out\/docs\/catalog\.md$/m);
    expect(r.err).toMatch(/^ {2}M out\/docs\/search\.md$/m);
    expect(r.err).toMatch(/^ {2}D out\/docs\/recommendations\.md$/m);
    expect(r.out).toMatch(/^-hand edit$/m);
    // build repairs all three and deletes the orphan it owns
    expect((await run(["build"], tmp.path)).code).toBe(0);
    expect(existsSync(out("docs/recommendations.md"))).toBe(false);
    expect((await run(["check"], tmp.path)).code).toBe(0);
  });

  it("never touches files it did not write, and refuses to overwrite them", async () => {
    await run(["build"], tmp.path);
    writeFileSync(out("NOTES.md"), "mine\n");
    mkdirSync(out("extra"), { recursive: true });
    writeFileSync(out("extra/keep.txt"), "mine too\n");
    expect((await run(["check"], tmp.path)).code).toBe(0);
    await run(["build"], tmp.path);
    expect(readFileSync(out("NOTES.md"), "utf8")).toBe("mine\n");
    // A file at a generated path that svcspec does not own is not overwritten silently.
    const manifest = JSON.parse(readFileSync(out(".svcspec-manifest.json"), "utf8")) as { files: string[] };
    writeFileSync(out(".svcspec-manifest.json"), JSON.stringify({ generatedBy: "svcspec", files: manifest.files.filter((f) => f !== "docs/search.md") }));
    writeFileSync(out("docs/search.md"), "someone else's\n");
    const refused = await run(["build"], tmp.path);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/not written by svcspec/);
    expect(readFileSync(out("docs/search.md"), "utf8")).toBe("someone else's\n");
    expect((await run(["build", "--force"], tmp.path)).code).toBe(0);
    expect(readFileSync(out("docs/search.md"), "utf8")).toMatch(/^<!-- Generated by svcspec/);
  });

  it("an invalid spec leaves out/ exactly as it was", async () => {
    await run(["build"], tmp.path);
    const before = readFileSync(out("docs/checkout.md"), "utf8");
    const f = join(tmp.path, "spec/services/checkout.yaml");
    writeFileSync(f, readFileSync(f, "utf8").replace("objective: 99.95", "objective: 100").replace("description: Shopping cart", "description: Changed cart"));
    const r = await run(["build"], tmp.path);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/SVC042: objective 100 leaves no error budget/);
    expect(readFileSync(out("docs/checkout.md"), "utf8")).toBe(before);
  });

  it("a manifest entry cannot point outside the output folder", async () => {
    await run(["build"], tmp.path);
    writeFileSync(join(tmp.path, "precious.txt"), "keep\n");
    writeFileSync(out(".svcspec-manifest.json"), JSON.stringify({ generatedBy: "svcspec", files: ["../precious.txt", "/etc/passwd"] }));
    expect((await run(["build"], tmp.path)).code).toBe(0);
    expect(readFileSync(join(tmp.path, "precious.txt"), "utf8")).toBe("keep\n");
  });
});

describe("explain, schema, init", () => {
  it("a reader that closes the pipe early ends the process quietly (no EPIPE stack)", () => {
    // the installed CLI (bin/ over dist/, which `npm test`'s pretest builds) into `head -c 100`
    expect(existsSync(join(ROOT, "dist", "src", "cli", "main.js")), "dist/ is built by npm test's pretest").toBe(true);
    const r = spawnSync("bash", ["-c", 'node bin/svcspec.js schema | head -c 100 > /dev/null; echo "status=${PIPESTATUS[0]}"'], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("status=0\n");
  });
  it.each(["dist/cli/main.js", "dist/src/cli/main.js"])("loading the CLI (%s) loads neither the Grafana SDK nor Handlebars: only the generators that use them do", (entry) => {
    // each is CommonJS that costs every process (`--version`, `validate`, `build --only prometheus`)
    // its load time when imported at the top (~180 ms and ~25 ms here); bin/svcspec.js loads the
    // bundle, the library its modules
    const probe = [
      'import { createRequire } from "node:module";',
      `await import("./${entry}");`,
      "const loaded = Object.keys(createRequire(import.meta.url).cache);",
      'console.log(JSON.stringify(["@grafana/grafana-foundation-sdk", "handlebars"].filter((p) => loaded.some((f) => f.includes(`/node_modules/${p}`)))));',
    ].join("\n");
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", probe], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual([]);
  });
  it("explain prints the service's budget and alert tiers", async () => {
    const r = await run(["explain", "checkout"], tmp.path);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Error budget: 0\.0005 of events \(0\.05%\), 21\.6 minutes/);
    expect(r.out).toMatch(/\| page \| 2% \| 14\.4 \| 1h \/ 5m \| 2m \| 0\.0072 \| 2m 25\.92s \| 2d 2h \|/);
  });
  it("explain of an unknown service suggests one", async () => {
    const r = await run(["explain", "chekout"], tmp.path);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/did you mean `checkout`/);
  });
  it("schema prints the draft-07 JSON Schema", async () => {
    const r = await run(["schema"], tmp.path);
    const schema = JSON.parse(r.out) as { $schema: string };
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
  });
  it("init scaffolds a spec that builds, and refuses to overwrite", async () => {
    const dir = join(tmp.path, "fresh");
    mkdirSync(dir);
    expect((await run(["init", "--service", "orders", "--team", "shop"], dir)).code).toBe(0);
    expect(readFileSync(join(dir, "spec/services/orders.yaml"), "utf8")).toMatch(/^# yaml-language-server: \$schema=\.\.\/\.\.\/schemas\/svcspec\.v1\.schema\.json/);
    expect((await run(["build"], dir)).code).toBe(0);
    expect(existsSync(join(dir, "out/docs/orders.md"))).toBe(true);
    const again = await run(["init", "--service", "orders", "--team", "shop"], dir);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/would overwrite/);
  });
});
