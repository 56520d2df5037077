/** `svcspec plan` on the command line: a base folder or a git revision (read without a checkout:
 * the repository is exactly as before), the default base, the formats, --fail-on weakens, an
 * invalid side reported located, usage errors. */
import { spawnSync } from "node:child_process";
import { cpSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, readTree, run, tempDir } from "./helpers.js";

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com", GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_SYSTEM: "/dev/null", GIT_OPTIONAL_LOCKS: "0" } });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

const edit = (file: string, from: string, to: string) => {
  const text = readFileSync(file, "utf8");
  if (!text.includes(from)) throw new Error(`${from} not in ${file}`);
  writeFileSync(file, text.replace(from, to));
};
const LOWER = ["objective: 99.95                # overrides", "objective: 99.9                 # overrides"] as const;

describe("svcspec plan --base-spec", () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => {
    tmp = tempDir();
    cpSync(join(ROOT, "spec"), join(tmp.path, "base"), { recursive: true });
    cpSync(join(ROOT, "spec"), join(tmp.path, "spec"), { recursive: true });
    edit(join(tmp.path, "spec", "services", "checkout.yaml"), ...LOWER);
  });
  afterAll(() => tmp.cleanup());

  it("prints the plan; exit 0, or 1 with --fail-on weakens", async () => {
    const r = await run(["plan", "--base-spec", "base"], tmp.path);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("svcspec plan: 5 changes weaken security or reliability\ncompared with the folder base;");
    expect(r.out).toContain("  weakens     slo      availability: objective lowered 99.95% -> 99.9%");
    const failing = await run(["plan", "--base-spec", "base", "--fail-on", "weakens"], tmp.path);
    expect(failing.code).toBe(1);
    expect(failing.out).toBe(r.out);
    expect(failing.err).toContain("✖ --fail-on weakens: 5 of 5 changes weaken security or reliability");
  });

  it("the base folder's own name does not matter: files compare as the working spec names them", async () => {
    const r = await run(["plan", "--base-spec", "base", "--format", "json"], tmp.path);
    const json = JSON.parse(r.out) as { files: Record<string, { changed: string[] }> };
    // Only the files the objective is in (the dashboard and its ConfigMap show it too): no header names the base folder.
    expect(Object.values(json.files).flatMap((f) => f.changed)).toHaveLength(11);
    expect(json.files["grafana"]?.changed).toEqual(["grafana/checkout.json"]);
  });

  it("markdown: the verdict heads it", async () => {
    const r = await run(["plan", "--base-spec", "base", "--format", "markdown"], tmp.path);
    expect(r.code).toBe(0);
    expect(r.out.split("\n")[0]).toBe("### svcspec plan: 5 changes weaken security or reliability");
  });

  it("an invalid base is reported as the base, located; exit 1", async () => {
    cpSync(join(tmp.path, "base"), join(tmp.path, "broken"), { recursive: true });
    edit(join(tmp.path, "broken", "services", "search.yaml"), "tier: standard", "tier: standrd");
    const r = await run(["plan", "--base-spec", "broken"], tmp.path);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/^broken\/services\/search\.yaml:\d+:\d+: error SVC\d+: /m);
    expect(r.err).toContain("✖ base spec (the folder broken) is invalid: 1 error");
    const json = await run(["plan", "--base-spec", "broken", "--format", "json"], tmp.path);
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.out) as { invalid: { side: string; diagnostics: { file: string; line: number }[] }[] };
    expect(parsed.invalid.map((f) => f.side)).toEqual(["base"]);
    expect(parsed.invalid[0]!.diagnostics[0]!.line).toBeGreaterThan(0);
  });

  it("--base and --base-spec together are a usage error", async () => {
    const r = await run(["plan", "--base-spec", "base", "--base", "HEAD"], tmp.path);
    expect(r.code).toBe(2);
  });

  it("an unknown format or --fail-on value is a usage error", async () => {
    expect((await run(["plan", "--base-spec", "base", "--format", "yaml"], tmp.path)).code).toBe(2);
    expect((await run(["plan", "--base-spec", "base", "--fail-on", "neutral"], tmp.path)).code).toBe(2);
  });
});

describe("svcspec plan --base <git revision>", () => {
  let tmp: ReturnType<typeof tempDir>;
  let repo: string;
  beforeAll(() => {
    tmp = tempDir();
    repo = join(tmp.path, "repo");
    cpSync(join(ROOT, "spec"), join(repo, "spec"), { recursive: true });
    git(repo, "init", "-q", "-b", "main");
    git(repo, "add", "spec");
    git(repo, "commit", "-q", "-m", "base");
  });
  afterAll(() => tmp.cleanup());

  const snapshot = () => {
    const tree = readTree(join(repo, ".git"));
    return { tree, index: statSync(join(repo, ".git", "index")).mtimeMs, status: git(repo, "status", "--porcelain") };
  };

  it("compares the working tree with HEAD by default (no upstream), reading git without writing", async () => {
    edit(join(repo, "spec", "services", "checkout.yaml"), ...LOWER);
    const before = snapshot();
    const r = await run(["plan"], repo);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^compared with HEAD \([0-9a-f]{12}\);/m);
    expect(r.out).toContain("availability: objective lowered 99.95% -> 99.9%");
    const after = snapshot();
    expect(after.status).toBe(before.status);
    expect(after.index).toBe(before.index);
    expect([...after.tree.keys()]).toEqual([...before.tree.keys()]);
    git(repo, "checkout", "-q", "--", "spec");
  });

  it("on a branch with an upstream: the merge-base, so the plan shows the branch's commits", async () => {
    git(repo, "checkout", "-q", "-b", "feature");
    git(repo, "branch", "-q", "--set-upstream-to=main");
    edit(join(repo, "spec", "services", "checkout.yaml"), ...LOWER);
    git(repo, "commit", "-q", "-am", "lower the objective");
    const r = await run(["plan", "--spec", "spec"], repo);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^compared with the merge-base of HEAD and main \([0-9a-f]{12}\);/m);
    expect(r.out).toContain("availability: objective lowered");
    const explicit = await run(["plan", "--base", "main"], repo);
    expect(explicit.out.split("\n").slice(2)).toEqual(r.out.split("\n").slice(2));
    expect((await run(["plan", "--base", "HEAD"], repo)).out).toContain("svcspec plan: No changes");
  });

  it("from a subfolder, --spec relative to it", async () => {
    const r = await run(["plan", "--spec", ".", "--base", "main"], join(repo, "spec"));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("availability: objective lowered");
    expect(r.out).toContain("11 generated files touched (11 changed)");
  });

  it("an invalid base revision is located as <revision>:<path>", async () => {
    git(repo, "checkout", "-q", "-b", "broken", "main");
    edit(join(repo, "spec", "services", "search.yaml"), "tier: standard", "tier: standrd");
    git(repo, "commit", "-q", "-am", "typo");
    git(repo, "checkout", "-q", "feature");
    const r = await run(["plan", "--base", "broken"], repo);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^broken:spec\/services\/search\.yaml:\d+:\d+: error SVC\d+: /m);
    expect(r.err).toMatch(/✖ base spec \(broken \([0-9a-f]{12}\)\) is invalid: 1 error/);
  });

  it("an unknown revision, a ref that looks like an option, no repository: usage errors with a hint", async () => {
    const unknown = await run(["plan", "--base", "no-such-branch"], repo);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("✖ unknown git revision no-such-branch");
    expect((await run(["plan", "--base=--output=x"], repo)).code).toBe(2);
    const outside = tempDir();
    try {
      cpSync(join(ROOT, "spec"), join(outside.path, "spec"), { recursive: true });
      const r = await run(["plan"], outside.path, { GIT_CEILING_DIRECTORIES: outside.path });
      expect(r.code).toBe(2);
      expect(r.err).toContain("is not inside a git repository");
      expect(r.err).toContain("--base-spec");
    } finally {
      outside.cleanup();
    }
  });
});
