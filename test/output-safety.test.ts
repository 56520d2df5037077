/** The output folder is untrusted (issue #18, findings 5 and 6 and the figures of the attack run):
 * a pull request can replace a folder of out/ by a symbolic link, plant links at temp-file names,
 * put a FIFO, a folder or a link to /dev/zero at a generated path; a disk fills up, a folder is
 * read-only, a build is killed or runs twice at once. build and check must never write, delete or
 * read outside out/, never hang, and answer every case with a located diagnostic (SVC110-SVC113),
 * never `internal error` and a stack trace. */
import { spawn, spawnSync } from "node:child_process";
import { constants, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runBuild } from "../src/cli/commands/build.js";
import { runCheck } from "../src/cli/commands/check.js";
import type { Io } from "../src/cli/io.js";
import { nodeFs, type OutputFs, TEMP_FILE } from "../src/output/disk.js";
import { LOCK } from "../src/output/lock.js";
import { MANIFEST } from "../src/output/sync.js";
import { readTree, ROOT, run, tempDir } from "./helpers.js";
import { CLI, cliProcess, TSX } from "./support/cli-process.js";

let tmp: { path: string; cleanup(): void };
beforeEach(() => {
  tmp = tempDir();
  cpSync(join(ROOT, "spec"), join(tmp.path, "spec"), { recursive: true });
});
afterEach(() => tmp.cleanup());

const out = (p = "") => join(tmp.path, "out", p);
const manifestOf = () => (JSON.parse(readFileSync(out(MANIFEST), "utf8")) as { files: string[] }).files;
const setManifest = (files: string[]) => writeFileSync(out(MANIFEST), JSON.stringify({ generatedBy: "svcspec", files }));
/** A spec change that rewrites many files (every docs page and alert of checkout). */
const changeSpec = () => {
  const f = join(tmp.path, "spec/services/checkout.yaml");
  writeFileSync(f, readFileSync(f, "utf8").replace("objective: 99.95", "objective: 99.9").replace("description: Shopping cart", "description: Changed cart"));
};

function ioAt(cwd: string) {
  const streams = { out: "", err: "" };
  const io: Io = { out: (t) => void (streams.out += t), err: (t) => void (streams.err += t), cwd, env: process.env };
  return { io, streams };
}
const buildOpts = { spec: "spec", out: "out", format: "text" as const, force: false, verbose: false };

function noInternalError(text: string) {
  expect(text).not.toMatch(/internal error|\n\s+at /);
}

/** The files under a folder that is outside out/, with their bytes: it must not change. */
function snapshot(dir: string): Map<string, string> {
  return existsSync(dir) ? readTree(dir) : new Map();
}

describe("finding 5: never follow a symbolic link inside out/", () => {
  it("a folder of out/ replaced by a link plus a manifest entry: build deletes and writes nothing outside out/ (SVC110)", async () => {
    expect((await run(["build"], tmp.path)).code).toBe(0);
    const victim = join(tmp.path, "victim");
    mkdirSync(victim);
    writeFileSync(join(victim, "precious.md"), "keep\n");
    writeFileSync(join(victim, "checkout.md"), "not svcspec's\n");
    rmSync(out("docs"), { recursive: true });
    symlinkSync(victim, out("docs"));
    setManifest([...manifestOf(), "docs/precious.md"]);
    changeSpec();
    const before = snapshot(victim);
    const r = await run(["build"], tmp.path);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^out\/docs: error SVC110: refusing out\/docs\/\S+ is a path svcspec generates, but out\/docs is a symbolic link$/m);
    expect(r.err).toMatch(/^out\/docs: error SVC110: refusing out\/docs\/precious\.md is listed in the manifest as a file svcspec wrote, but out\/docs is a symbolic link$/m);
    expect(r.err).toMatch(/hint: svcspec never follows a link inside out\/ \(it could lead outside\)/);
    expect(r.err).toMatch(/out\/ left as it was/);
    noInternalError(r.err);
    expect(snapshot(victim)).toEqual(before);
    expect(readdirSync(victim).sort()).toEqual(["checkout.md", "precious.md"]);
    // check refuses the same way and reads nothing through the link
    const c = await run(["check"], tmp.path);
    expect(c.code).toBe(1);
    expect(c.err).toMatch(/SVC110: refusing out\/docs\/\S+ is a path svcspec generates, but out\/docs is a symbolic link/);
  });

  it("a link deeper down (a folder of a folder) and a link at a file path are refused too", async () => {
    expect((await run(["build"], tmp.path)).code).toBe(0);
    const victim = join(tmp.path, "victim");
    mkdirSync(victim);
    writeFileSync(join(victim, "target.txt"), "keep\n");
    const deep = manifestOf().find((p) => p.split("/").length >= 3)!;
    const folder = deep.split("/").slice(0, 2).join("/");
    rmSync(out(folder), { recursive: true });
    symlinkSync(victim, out(folder));
    const file = "docs/checkout.md";
    rmSync(out(file));
    symlinkSync(join(victim, "target.txt"), out(file));
    const r = await run(["build"], tmp.path);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`out/${folder}: error SVC110`);
    expect(r.err).toMatch(/^out\/docs\/checkout\.md: error SVC110: refusing out\/docs\/checkout\.md is a path svcspec generates, but it is a symbolic link$/m);
    expect(readFileSync(join(victim, "target.txt"), "utf8")).toBe("keep\n");
    expect(readdirSync(victim)).toEqual(["target.txt"]);
  });

  it("out/ itself a link is refused before a lock or a file is written through it", async () => {
    const victim = join(tmp.path, "victim");
    mkdirSync(victim);
    symlinkSync(victim, out());
    const r = await run(["build"], tmp.path);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^out: error SVC110: refusing the output folder out: it is a symbolic link$/m);
    expect(readdirSync(victim)).toEqual([]);
  });

  it("a manifest entry that resolves outside out/ is never deleted; entries written outside are ignored with a warning (SVC113)", async () => {
    expect((await run(["build"], tmp.path)).code).toBe(0);
    writeFileSync(join(tmp.path, "precious.txt"), "keep\n");
    setManifest([...manifestOf(), "../precious.txt", "/etc/hostname", "docs/./x.md", "docs//y.md"]);
    const r = await run(["build"], tmp.path);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^out\/\.svcspec-manifest\.json: warning SVC113: manifest entry "\.\.\/precious\.txt" points outside out\/; ignored$/m);
    expect(readFileSync(join(tmp.path, "precious.txt"), "utf8")).toBe("keep\n");
    expect(manifestOf()).not.toContain("../precious.txt");
  });
});

describe("finding 6: temp files are exclusive, random, beside their target, and never left behind", () => {
  it("links planted at every predictable temp name (<path>.svcspec-<pid>.tmp) do not redirect a write", async () => {
    expect((await run(["build"], tmp.path)).code).toBe(0);
    changeSpec();
    const victim = join(tmp.path, "victim");
    mkdirSync(victim);
    const planted = [...manifestOf(), MANIFEST];
    planted.forEach((p, i) => symlinkSync(join(victim, `t${i}`), out(`${p}.svcspec-${process.pid}.tmp`)));
    writeFileSync(join(victim, "t0"), "keep\n");
    const r = await run(["build"], tmp.path);
    expect(r.code, r.err).toBe(0);
    expect(readdirSync(victim)).toEqual(["t0"]);
    expect(readFileSync(join(victim, "t0"), "utf8")).toBe("keep\n");
    // the planted names are svcspec's temp names: removed as leftovers, and check is green
    expect(r.err).toMatch(new RegExp(`${planted.length} leftover\\(s\\) of an interrupted build removed`));
    expect((await run(["check"], tmp.path)).code).toBe(0);
  });

  it("each temp file is created with O_CREAT|O_EXCL|O_NOFOLLOW under a random name, in the build's staging folder (the manifest in its own)", () => {
    const opened: { path: string; flags: number }[] = [];
    const recording: OutputFs = { ...nodeFs, openSync: (p, f, m) => (opened.push({ path: p, flags: f }), nodeFs.openSync(p, f, m)) };
    const { io } = ioAt(tmp.path);
    expect(runBuild(io, buildOpts, Date.now, recording)).toBe(0);
    changeSpec();
    expect(runBuild(io, buildOpts, Date.now, recording)).toBe(0);
    const temps = opened.filter((o) => TEMP_FILE.test(o.path));
    expect(temps.length).toBeGreaterThan(100);
    const need = constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
    for (const t of temps) expect(t.flags & need).toBe(need);
    expect(new Set(temps.map((t) => t.path)).size).toBe(temps.length);
    for (const t of temps) expect(t.path).toMatch(/\.svcspec-[0-9a-f]{16}\.tmp$/);
    // each name's random part is its own (no pid, counter or shared token an attacker could predict)
    const tokens = temps.map((t) => /\.svcspec-([0-9a-f]{16})\.tmp$/.exec(t.path)?.[1]);
    expect(new Set(tokens).size).toBe(temps.length);
    const staged = temps.filter((t) => !t.path.includes(".svcspec-manifest.json."));
    expect(staged.length).toBeGreaterThan(100);
    for (const t of staged) expect(t.path).toMatch(/\/out\/\.svcspec-staging-[0-9a-f]{16}\/\d+\.svcspec-[0-9a-f]{16}\.tmp$/);
    const tree = readTree(out());
    expect([...tree.keys()].filter((p) => TEMP_FILE.test(p) || p === LOCK)).toEqual([]);
  });

  it("leftover temp files of an interrupted build: check reports them stale, the next build removes them", async () => {
    expect((await run(["build"], tmp.path)).code).toBe(0);
    writeFileSync(out("docs/checkout.md.svcspec-4242.tmp"), "half a fi");
    writeFileSync(out(".svcspec-manifest.json.svcspec-0123456789abcdef.tmp"), "{");
    const c = await run(["check"], tmp.path);
    expect(c.code).toBe(1);
    expect(c.err).toMatch(/^ {2}D out\/docs\/checkout\.md\.svcspec-4242\.tmp \(left by an interrupted build\)$/m);
    const b = await run(["build"], tmp.path);
    expect(b.err).toMatch(/2 leftover\(s\) of an interrupted build removed/);
    expect(existsSync(out("docs/checkout.md.svcspec-4242.tmp"))).toBe(false);
    expect((await run(["check"], tmp.path)).code).toBe(0);
  });

  it("a staging folder of a build killed before it moved its files into place: check reports it stale, the next build removes it and nothing else", async () => {
    expect((await run(["build"], tmp.path)).code).toBe(0);
    const staging = out(".svcspec-staging-00112233aabbccdd");
    mkdirSync(staging);
    writeFileSync(join(staging, "0.svcspec-0123456789abcdef.tmp"), "a whole new file, never moved\n");
    // a link inside it is removed as a link: what it points to stays
    const outside = join(tmp.path, "outside.txt");
    writeFileSync(outside, "not svcspec's\n");
    symlinkSync(outside, join(staging, "1.svcspec-0123456789abcdef.tmp"));
    const c = await run(["check"], tmp.path);
    expect(c.code).toBe(1);
    expect(c.err).toMatch(/^ {2}D out\/\.svcspec-staging-00112233aabbccdd \(left by an interrupted build\)$/m);
    const b = await run(["build"], tmp.path);
    expect(b.code).toBe(0);
    expect(b.err).toMatch(/1 leftover\(s\) of an interrupted build removed/);
    expect(existsSync(staging)).toBe(false);
    expect(readFileSync(outside, "utf8")).toBe("not svcspec's\n");
    expect((await run(["check"], tmp.path)).code).toBe(0);
  });
});

describe("one build at a time: the lock of out/", () => {
  it("a lock held by a live process refuses build (SVC111) and check; a dead holder's lock is taken over", async () => {
    expect((await run(["build"], tmp.path)).code).toBe(0);
    const holder = spawn("sleep", ["30"]);
    try {
      writeFileSync(out(LOCK), JSON.stringify({ pid: holder.pid, host: (await import("node:os")).hostname(), started: null, token: "x" }));
      changeSpec();
      const r = await run(["build"], tmp.path);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`^out/\\.svcspec-lock: error SVC111: out/ is locked by svcspec build \\(process ${holder.pid} on \\S+\\)$`, "m"));
      expect(r.err).toMatch(/hint: wait for that build to finish and run this one again; if no build is running, delete out\/\.svcspec-lock/);
      const c = await run(["check"], tmp.path);
      expect(c.code).toBe(1);
      expect(c.err).toMatch(/SVC111: out\/ is being written by svcspec build/);
    } finally {
      holder.kill("SIGKILL");
      await new Promise((r) => holder.once("exit", r));
    }
    // the holder is gone: its lock is stale; check calls it a leftover, build takes it over
    const c = await run(["check"], tmp.path);
    expect(c.code).toBe(1);
    expect(c.err).toMatch(/D out\/\.svcspec-lock \(left by an interrupted build\)/);
    const r = await run(["build"], tmp.path);
    expect(r.code, r.err).toBe(0);
    expect(existsSync(out(LOCK))).toBe(false);
    expect((await run(["check"], tmp.path)).code).toBe(0);
  });

  it("a lock that is a link or a folder is refused, not followed", async () => {
    mkdirSync(out(), { recursive: true });
    symlinkSync("/dev/zero", out(LOCK));
    const r = await run(["build"], tmp.path);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^out\/\.svcspec-lock: error SVC110: refusing out\/\.svcspec-lock is the lock svcspec build takes, but it is a symbolic link$/m);
  });

  it("two builds started at once (separate processes) never lose ownership: each completes or is refused with SVC111", () => {
    expect(cliProcess(["build"], tmp.path).code).toBe(0);
    changeSpec();
    const script = `${process.execPath} --import ${TSX} ${CLI} build 2>&1 & ${process.execPath} --import ${TSX} ${CLI} build 2>&1 & wait`;
    const both = spawnSync("bash", ["-c", script], { cwd: tmp.path, encoding: "utf8", timeout: 60_000 });
    const lines = both.stdout.split("\n").filter((l) => /^(✔|✖|out\/)/.test(l));
    noInternalError(both.stdout);
    expect(lines.filter((l) => l.startsWith("✔")).length).toBeGreaterThanOrEqual(1);
    for (const l of lines.filter((x) => x.startsWith("out/"))) expect(l).toMatch(/SVC111/);
    expect(cliProcess(["check"], tmp.path).code).toBe(0);
    const onDisk = [...readTree(out()).keys()].filter((p) => p !== MANIFEST);
    expect(manifestOf()).toEqual(onDisk);
  }, 90_000);
});

describe("what a generated path may hold: the figures of the attack run", () => {
  it("a link to /dev/zero at a generated path: build and check refuse it at once (it grew build to 8.5 GB)", () => {
    expect(cliProcess(["build"], tmp.path).code).toBe(0);
    rmSync(out("docs/checkout.md"));
    symlinkSync("/dev/zero", out("docs/checkout.md"));
    for (const cmd of ["build", "check"]) {
      const r = cliProcess([cmd], tmp.path, 20_000);
      expect(r.signal, `${cmd} was killed`).toBeNull();
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^out\/docs\/checkout\.md: error SVC110: refusing out\/docs\/checkout\.md is a path svcspec generates, but it is a symbolic link$/m);
      noInternalError(r.err);
    }
  }, 60_000);

  it("a FIFO at a generated path: check and build refuse it instead of waiting on it (check hung)", () => {
    expect(cliProcess(["build"], tmp.path).code).toBe(0);
    rmSync(out("docs/checkout.md"));
    expect(spawnSync("mkfifo", [out("docs/checkout.md")]).status).toBe(0);
    for (const cmd of ["check", "build", "check --diff"]) {
      const r = cliProcess(cmd.split(" "), tmp.path, 20_000);
      expect(r.signal, `${cmd} hung`).toBeNull();
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^out\/docs\/checkout\.md: error SVC110: refusing out\/docs\/checkout\.md is a path svcspec generates, but it is a FIFO$/m);
      expect(r.err).toMatch(/hint: svcspec reads and replaces only regular files: move out\/docs\/checkout\.md away/);
    }
    expect(lstatSync(out("docs/checkout.md")).isFIFO()).toBe(true);
  }, 90_000);

  it("a manifest entry that is a folder is refused (SVC110), the folder kept", async () => {
    expect((await run(["build"], tmp.path)).code).toBe(0);
    mkdirSync(out("notes"));
    writeFileSync(out("notes/mine.md"), "mine\n");
    setManifest([...manifestOf(), "notes"]);
    const r = await run(["build"], tmp.path);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^out\/notes: error SVC110: refusing out\/notes is listed in the manifest as a file svcspec wrote, but it is a folder$/m);
    expect(r.err).toMatch(/or drop the entry from out\/\.svcspec-manifest\.json/);
    noInternalError(r.err);
    expect(readFileSync(out("notes/mine.md"), "utf8")).toBe("mine\n");
  });

  it("a folder at a generated path, and a file where a folder belongs, are refused", async () => {
    expect((await run(["build"], tmp.path)).code).toBe(0);
    rmSync(out("docs/checkout.md"));
    mkdirSync(out("docs/checkout.md"));
    const r = await run(["build"], tmp.path);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^out\/docs\/checkout\.md: error SVC110: .* but it is a folder$/m);
    rmSync(out("docs"), { recursive: true });
    writeFileSync(out("docs"), "a file\n");
    const c = await run(["check"], tmp.path);
    expect(c.code).toBe(1);
    expect(c.err).toMatch(/^out\/docs: error SVC110: refusing out\/docs\/\S+ is a path svcspec generates, but out\/docs is a file$/m);
  });
});

/** Fails the calls `when` picks with `code`, as a full disk or a read-only folder would. */
function failing(code: string, when: (op: string, path: string) => boolean): OutputFs {
  const fail = (op: string, path: string) => {
    if (when(op, path)) throw Object.assign(new Error(`${code}: injected, ${op} '${path}'`), { code, syscall: op, path });
  };
  const fds = new Map<number, string>();
  return {
    ...nodeFs,
    openSync: (p, f, m) => {
      if (f & constants.O_CREAT) fail("open", p);
      const fd = nodeFs.openSync(p, f, m);
      fds.set(fd, p);
      return fd;
    },
    writeSync: (fd, b, o, l) => (fail("write", fds.get(fd) ?? ""), nodeFs.writeSync(fd, b, o, l)),
    renameSync: (a, b) => (fail("rename", b), nodeFs.renameSync(a, b)),
    mkdirSync: (p, o) => (fail("mkdir", p), nodeFs.mkdirSync(p, o)),
    unlinkSync: (p) => (fail("unlink", p), nodeFs.unlinkSync(p)),
  };
}

describe("a file system that refuses: diagnostics with a hint, exit 1, never a stack trace", () => {
  const cases: [string, string, RegExp][] = [
    ["EACCES", "a read-only out/ (permissions)", /hint: make out\/ writable for this user/],
    ["EROFS", "a read-only file system", /hint: the file system is mounted read-only: build into a writable folder with --out/],
    ["ENOSPC", "a full disk", /hint: free some space, then run svcspec build again/],
  ];
  it.each(cases)("%s (%s) on the first write", (code, _what, hint) => {
    const { io, streams } = ioAt(tmp.path);
    expect(runBuild(io, buildOpts)).toBe(0);
    changeSpec();
    const before = readTree(out());
    expect(runBuild(io, buildOpts, Date.now, failing(code, () => true))).toBe(1);
    expect(streams.err).toMatch(new RegExp(`^out/\\S+: error SVC112: cannot \\w+ out/\\S+: .* \\(${code}\\)$`, "m"));
    expect(streams.err).toMatch(hint);
    noInternalError(streams.err);
    expect(readTree(out())).toEqual(before);
  });

  it("a disk that fills up part-way through the build: out/ as it was, no temp file or staging folder left, the next build completes", () => {
    const { io, streams } = ioAt(tmp.path);
    expect(runBuild(io, buildOpts)).toBe(0);
    const old = readTree(out());
    changeSpec();
    let writes = 0;
    // the new files are written aside (staged) as they are generated: the disk fills up there
    expect(runBuild(io, buildOpts, Date.now, failing("ENOSPC", (op) => op === "write" && ++writes > 5))).toBe(1);
    expect(writes).toBeGreaterThan(5);
    expect(streams.err).toMatch(/SVC112: cannot write out\/\S+: no space left on device \(ENOSPC\)/);
    expect(streams.err).toMatch(/out\/ left as it was/);
    expect(readTree(out())).toEqual(old);
    expect(readdirSync(out()).filter((n) => n.startsWith(".svcspec-staging-"))).toEqual([]);
    expect(runBuild(io, buildOpts)).toBe(0);
    expect(runCheck(io, { spec: "spec", out: "out", format: "text", diff: false })).toBe(0);
  });

  it("a disk that fills up while a first build stages: no out/ is left behind, and check --diff of the missing folder shows every file's content", () => {
    const { io, streams } = ioAt(tmp.path);
    let writes = 0;
    expect(runBuild(io, buildOpts, Date.now, failing("ENOSPC", (op) => op === "write" && ++writes > 5))).toBe(1);
    expect(streams.err).toMatch(/out\/ left as it was/);
    expect(existsSync(out())).toBe(false);
    streams.out = "";
    expect(runCheck(io, { spec: "spec", out: "out", format: "text", diff: true })).toBe(1);
    expect(streams.out).toMatch(/^\+\+\+ b\/out\/docs\/checkout\.md\s*\n@@ [^\n]*\n\+[^\n]*checkout/m);
    expect(streams.out).toMatch(/^\+\+\+ b\/out\/\.svcspec-manifest\.json\s*\n@@ [^\n]*\n\+\{/m);
  });

  it("a failure part-way through moving the files into place: every file whole (old or new), no temp file left, the next build completes", () => {
    const { io, streams } = ioAt(tmp.path);
    expect(runBuild(io, buildOpts)).toBe(0);
    const old = readTree(out());
    changeSpec();
    let renames = 0;
    expect(runBuild(io, buildOpts, Date.now, failing("EACCES", (op) => op === "rename" && ++renames > 3))).toBe(1);
    expect(streams.err).toMatch(/SVC112: cannot write out\/\S+: permission denied \(EACCES\)/);
    expect(streams.err).toMatch(/out\/ partly updated \(every file in it is whole: as it was or new\)/);
    const partial = readTree(out());
    expect([...partial.keys()].filter((p) => TEMP_FILE.test(p) || p === LOCK)).toEqual([]);
    expect(readdirSync(out()).filter((n) => n.startsWith(".svcspec-staging-"))).toEqual([]);
    expect(runBuild(io, buildOpts)).toBe(0);
    const fresh = readTree(out());
    expect([...partial.keys()].filter((p) => old.get(p) !== partial.get(p)).length).toBeGreaterThan(0);
    for (const [p, text] of partial) expect([old.get(p), fresh.get(p)], p).toContain(text);
    expect(runCheck(io, { spec: "spec", out: "out", format: "text", diff: false })).toBe(0);
  });

  it("a folder that cannot be created, and an orphan that cannot be deleted, are diagnostics too", () => {
    const { io, streams } = ioAt(tmp.path);
    expect(runBuild(io, buildOpts, Date.now, failing("EACCES", (op, p) => op === "mkdir" && p.endsWith("/docs")))).toBe(1);
    expect(streams.err).toMatch(/SVC112: cannot write out\/docs\/\S+: permission denied \(EACCES\)/);
    expect(runBuild(io, buildOpts)).toBe(0);
    rmSync(join(tmp.path, "spec/services/recommendations.yaml"));
    streams.err = "";
    expect(runBuild(io, buildOpts, Date.now, failing("EACCES", (op, p) => op === "unlink" && p.includes("recommendations")))).toBe(1);
    expect(streams.err).toMatch(/SVC112: cannot delete out\/\S*recommendations\S*: permission denied \(EACCES\)/);
    noInternalError(streams.err);
    expect(runBuild(io, buildOpts)).toBe(0);
    expect(runCheck(io, { spec: "spec", out: "out", format: "text", diff: false })).toBe(0);
  });

  it("check on an unreadable file reports SVC112", () => {
    const { io, streams } = ioAt(tmp.path);
    expect(runBuild(io, buildOpts)).toBe(0);
    const denied: OutputFs = { ...nodeFs, openSync: (p, f, m) => (p.endsWith("checkout.md") ? (() => { throw Object.assign(new Error("EACCES"), { code: "EACCES" }); })() : nodeFs.openSync(p, f, m)) };
    expect(runCheck(io, { spec: "spec", out: "out", format: "text", diff: false }, denied)).toBe(1);
    expect(streams.err).toMatch(/^out\/docs\/checkout\.md: error SVC112: cannot read out\/docs\/checkout\.md: permission denied \(EACCES\)$/m);
  });
});

describe("crash safety (scripts/crash-test.mjs, a handful of kills)", () => {
  // (builds in pairs: "two builds started at once" above)
  it("SIGKILL at random moments: every file whole, no leftover trips a later build or check, the next build completes", () => {
    const r = spawnSync(process.execPath, [join(ROOT, "scripts", "crash-test.mjs"), "--runs", "3", "--pairs", "0", "--seed", "7", "--work", tmp.path], {
      encoding: "utf8",
      timeout: 150_000,
      env: { ...process.env, SVCSPEC_CLI: JSON.stringify([process.execPath, "--import", TSX, CLI]) },
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^torn files: 0$/m);
    expect(r.stdout).toMatch(/^recovered: 3\/3$/m);
  }, 180_000);
});
