/** The spec folder as it is at a git revision, read with `git ls-tree` and `git cat-file`: no
 * checkout, no worktree, nothing written. The same files as readSpecFolder would find there
 * (`*.yaml`/`*.yml`, hidden entries skipped, byte order), named as the working folder names them,
 * so both sides of a plan compile to comparable files. Symbolic links are not followed. */
import { spawnSync } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { basename, isAbsolute, relative, resolve, sep } from "node:path";
import type { SourceFile } from "../load/source.js";
import type { Io } from "./io.js";

export type GitRead = { ok: true; sources: SourceFile[]; label: string } | { ok: false; message: string; hint: string };

type Git = (args: string[], cwd: string, input?: string) => { ok: boolean; out: Buffer; err: string; missing: boolean };

/** git in the command's environment; read-only: no optional locks, pathspecs taken literally. */
function gitIn(env: Io["env"]): Git {
  return (args, cwd, input) => run(args, cwd, env, input);
}

function run(args: string[], cwd: string, env: Io["env"], input?: string): ReturnType<Git> {
  const r = spawnSync("git", ["--literal-pathspecs", ...args], { cwd, input, maxBuffer: 1 << 30, env: { ...env, GIT_OPTIONAL_LOCKS: "0" } });
  const missing = (r.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
  return { ok: r.status === 0, out: r.stdout ?? Buffer.alloc(0), err: (r.stderr ?? Buffer.alloc(0)).toString("utf8").trim(), missing };
}

const text = (b: Buffer) => b.toString("utf8").trim();

/** The revision to compare with when none is given: where the branch left its upstream (the
 * merge-base of HEAD and @{upstream}), so a branch's plan shows the branch's changes; without an
 * upstream, HEAD, so the plan shows what is not committed yet. */
function defaultRevision(git: Git, top: string): { rev: string; label: (sha: string) => string } {
  const upstream = git(["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}"], top);
  if (upstream.ok) {
    const name = text(upstream.out);
    const base = git(["merge-base", "HEAD", name], top);
    if (base.ok) return { rev: text(base.out), label: (sha) => `the merge-base of HEAD and ${name} (${sha.slice(0, 12)})` };
  }
  return { rev: "HEAD", label: (sha) => `HEAD (${sha.slice(0, 12)})` };
}

export function readSpecAtRevision(io: Io, specDir: string, ref: string | undefined): GitRead {
  const git = gitIn(io.env);
  const fail = (message: string, hint: string): GitRead => ({ ok: false, message, hint });
  if (ref !== undefined && (ref === "" || ref.startsWith("-"))) return fail(`--base ${JSON.stringify(ref)} is not a git revision`, "pass a branch, tag or commit, e.g. --base origin/main");
  const root = git(["rev-parse", "--show-toplevel"], io.cwd);
  if (root.missing) return fail("git is not installed (svcspec plan reads the base spec with git)", "install git, or compare two folders with --base-spec <dir>");
  if (!root.ok) return fail(`${io.cwd} is not inside a git repository`, "run svcspec plan in a clone, or compare two folders with --base-spec <dir>");
  const top = text(root.out);
  const chosen = ref === undefined ? defaultRevision(git, top) : { rev: ref, label: (sha: string) => `${ref} (${sha.slice(0, 12)})` };
  const commit = git(["rev-parse", "--verify", "--quiet", "--end-of-options", `${chosen.rev}^{commit}`], top);
  if (!commit.ok) return fail(`unknown git revision ${chosen.rev}`, ref === undefined ? "commit once, or pass --base <ref>" : "fetch it first (in CI: actions/checkout with fetch-depth: 0), or pass another --base");
  const sha = text(commit.out);
  const abs = resolve(io.cwd, specDir);
  const real = existsSync(abs) ? realpathSync(abs) : abs;
  const rel = relative(realpathSync(top), real).split(sep).join("/");
  if (rel.startsWith("..") || isAbsolute(rel)) return fail(`spec folder ${specDir} is outside the git repository ${top}`, "pass --base-spec <dir> to compare with a folder");
  const list = git(["ls-tree", "-r", "-z", sha, "--", rel || "."], top);
  if (!list.ok) return fail(`git ls-tree failed: ${list.err}`, "check the repository");
  const prefix = rel ? `${rel}/` : "";
  const entries = list.out
    .toString("utf8")
    .split("\0")
    .filter(Boolean)
    .map((line) => {
      const [meta = "", path = ""] = line.split("\t");
      const [mode, type, object] = meta.split(" ");
      return { mode, type, object: object ?? "", path, inner: path.startsWith(prefix) ? path.slice(prefix.length) : "" };
    })
    .filter((e) => e.type === "blob" && (e.mode === "100644" || e.mode === "100755") && e.inner && isSpecPath(e.inner))
    .sort((a, b) => (a.inner < b.inner ? -1 : a.inner > b.inner ? 1 : 0));
  const texts = catFiles(git, top, entries.map((e) => e.object));
  if (!texts) return fail("git cat-file failed", "check the repository");
  const folder = basename(abs) || "spec";
  // Diagnostics locate a base file as `<revision>:<path>`, the spelling `git show` takes.
  const shown = ref ?? (chosen.rev === "HEAD" ? "HEAD" : sha.slice(0, 12));
  const sources = entries.map((e, i) => ({ path: `${shown}:${e.path}`, name: `${folder}/${e.inner}`, text: texts[i]!.replace(/^\uFEFF/, "") }));
  return { ok: true, sources, label: chosen.label(sha) };
}

/** What readSpecFolder reads: YAML files, nothing under a hidden name. */
function isSpecPath(inner: string): boolean {
  return /\.ya?ml$/.test(inner) && !inner.split("/").some((s) => s.startsWith("."));
}

/** Blob contents in one `git cat-file --batch`: `<sha> blob <size>\n<bytes>\n` each. */
function catFiles(git: Git, top: string, objects: readonly string[]): string[] | null {
  if (!objects.length) return [];
  const r = git(["cat-file", "--batch"], top, objects.join("\n") + "\n");
  if (!r.ok) return null;
  const out: string[] = [];
  let at = 0;
  for (let i = 0; i < objects.length; i++) {
    const nl = r.out.indexOf(0x0a, at);
    const header = r.out.subarray(at, nl).toString("utf8").split(" ");
    if (header[1] !== "blob") return null;
    const size = Number(header[2]);
    out.push(r.out.subarray(nl + 1, nl + 1 + size).toString("utf8"));
    at = nl + 1 + size + 1;
  }
  return out;
}
