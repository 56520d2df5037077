/** The installable package: the project is built and packed (`npm pack`) from a clean copy, the
 * tarball is installed into an empty folder (`npm install --prefer-offline`, from the npm cache
 * where it can), and the installed CLI runs `init`, `validate`, `build` and `verify` there, with
 * the validators found only on the PATH (a folder of links, so no tools folder of the package
 * holds them) and the custom-resource definitions given with --crds. */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { localTool } from "../../src/tools/discover.js";
import { ROOT, tempDir } from "../helpers.js";
import { VALIDATORS } from "../support/validators.js";

const CRDS = process.env["SVCSPEC_CRDS"] || join(ROOT, "..", "shared", "crds");
const HAVE_CRDS = existsSync(CRDS);
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

function sh(cmd: string, args: string[], cwd: string, env: Record<string, string | undefined> = {}, timeout = 300_000) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout, env: { ...process.env, ...env } as NodeJS.ProcessEnv });
  return { code: r.status ?? -1, out: r.stdout ?? "", err: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
}

describe("the packed tarball works in an empty folder", () => {
  const tmp = tempDir("svcspec-package-");
  afterAll(() => tmp.cleanup());
  const stage = join(tmp.path, "stage");
  const app = join(tmp.path, "app");
  let tarball = "";

  it("packs from a clean build: the CLI's assets, docs, schema, licence and setup script; no TypeScript of the generators", () => {
    mkdirSync(stage);
    for (const f of ["package.json", "README.md", "LICENSE", "tsconfig.json", "tsconfig.build.json", "bin", "src", "generators", "policies", "schemas", "docs", "scripts"]) cpSync(join(ROOT, f), join(stage, f), { recursive: true });
    symlinkSync(join(ROOT, "node_modules"), join(stage, "node_modules"));
    // tsc, then the CLI bundle bin/svcspec.js loads: the package's own build script
    const build = sh("npm", ["run", "build"], stage);
    expect(build.code, build.out + build.err).toBe(0);
    const pack = sh("npm", ["pack", "--ignore-scripts", "--pack-destination", tmp.path], stage);
    expect(pack.code, pack.err).toBe(0);
    tarball = join(tmp.path, `svcspec-${VERSION}.tgz`);
    const list = sh("tar", ["tzf", tarball], tmp.path).out.split("\n").filter(Boolean);
    for (const f of ["LICENSE", "README.md", "bin/svcspec.js", "dist/cli/main.js", "dist/src/cli/main.js", "dist/generators/index.js", "schemas/svcspec.v1.schema.json", "src/validate/schema.validator.generated.cjs", "generators/fluentbit/redact.lua", "generators/opa/authz.rego", "generators/k6/runtime.js", "generators/docs/templates/service.md.hbs", "docs/spec-language.md", "docs/import.md", "docs/from-init-to-cluster.md", "scripts/setup-tools.sh", "scripts/crd-schemas.mjs", "policies/builtin.wasm"]) {
      expect(list, f).toContain(`package/${f}`);
    }
    expect(list.filter((f) => /^package\/(generators|src)\/.*\.ts$/.test(f))).toEqual([]);
    expect(readFileSync(join(stage, "LICENSE"), "utf8")).toMatch(/Apache License\s+Version 2\.0, January 2004/);
  });

  it("installs into an empty folder and runs init, validate, build and verify there", () => {
    expect(tarball, "the pack step ran").not.toBe("");
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "svcspec-user", private: true }));
    const install = sh("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", tarball], app, {}, 600_000);
    expect(install.code, install.err).toBe(0);
    // Validators on the PATH only: links in a folder no svcspec lookup knows.
    const bin = join(tmp.path, "path-bin");
    mkdirSync(bin);
    for (const t of VALIDATORS) {
      const found = localTool(t, ROOT);
      expect(found, `${t} is missing: run scripts/setup-tools.sh`).not.toBeNull();
      symlinkSync(found!, join(bin, t));
    }
    const env = { PATH: `${bin}:${process.env["PATH"] ?? ""}`, SVCSPEC_TOOLS: "", SVCSPEC_KUBE_SCHEMAS: "", SVCSPEC_CRDS: "" };
    const svcspec = (...args: string[]) => sh(process.execPath, [join(app, "node_modules", "svcspec", "bin", "svcspec.js"), ...args], app, env);

    expect(svcspec("--version").out.trim()).toBe(VERSION);
    expect(svcspec("version").out.trim()).toBe(VERSION);
    const init = svcspec("init", "--service", "orders", "--team", "shop");
    expect(init.code, init.err).toBe(0);
    expect(readFileSync(join(app, "spec", "organization.yaml"), "utf8")).toMatch(/routingKeyFile: \/etc\/alertmanager\/secrets\/alertmanager-receivers\/shop-pagerduty-routing-key/);
    const validate = svcspec("validate");
    expect(validate.code, validate.err).toBe(0);
    const build = svcspec("build");
    expect(build.code, build.err).toBe(0);
    const manifest = JSON.parse(readFileSync(join(app, "out", ".svcspec-manifest.json"), "utf8")) as { version: string; files: string[] };
    expect(manifest.version).toBe(VERSION);
    expect(manifest.files).toContain("fluent-bit/redact.lua");
    expect(manifest.files).toContain("docs/orders.md");
    // Every asset the generators read from the package (Lua, Rego, k6 runtime, templates): the
    // example organisation uses them all, and builds to the committed out/ byte for byte.
    const example = svcspec("check", "--spec", join(ROOT, "spec"), "--out", join(ROOT, "out"));
    expect(example.code, example.err).toBe(0);
    expect(readdirSync(join(ROOT, "out", "k6", "checkout"))).toContain("svcspec.runtime.js");

    // No custom-resource schemas anywhere: kubeconform is missing (exit 3); --allow-missing accepts it.
    const bare = svcspec("verify", "--format", "json");
    const report = JSON.parse(bare.out) as { summary: { failed: number; missing: number }; checks: { check: string; status: string }[] };
    expect(report.summary.failed, bare.out).toBe(0);
    expect(report.checks.filter((c) => c.status === "missing").map((c) => c.check)).toEqual(["kubeconform -strict"]);
    expect(bare.code).toBe(3);
    expect(svcspec("verify", "--allow-missing").code).toBe(0);
    if (HAVE_CRDS) {
      const full = svcspec("verify", "--crds", CRDS);
      expect(full.err).toMatch(/✔ verify: \d+ ran, 0 failed, 0 missing/);
      expect(full.code, full.err).toBe(0);
    }
    // The setup script ships and runs from the installed package.
    const check = svcspec("setup-tools", "--check");
    expect(check.code, check.err).toBe(0);
    expect(check.out).toMatch(/^missing promtool$/m);
  });
});
