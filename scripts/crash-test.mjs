#!/usr/bin/env node
// Crash safety of `svcspec build` (issue #18): SIGKILL a build at random moments, then check that
// every file in out/ is complete old or complete new content, that the leftovers (temp files, the
// lock) do not trip a later build or check, and that the next build completes with exactly the
// expected tree. Then start two builds at once, several times, and check that none loses ownership
// of a file (every file on disk is in the manifest).
//
// The spec alternates between two folders whose outputs differ in every file (each header names
// its spec file) and in the file list (B lacks a service), so a kill lands among writes,
// deletions and both manifest writes.
//
// Usage: npm run build && node scripts/crash-test.mjs [--runs 100] [--pairs 30] [--seed N] [--work DIR]
// SVCSPEC_CLI: the command as a JSON array (default: node bin/svcspec.js of this checkout).
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
const RUNS = Number(opt("runs", "100"));
const PAIRS = Number(opt("pairs", "30"));
let seed = Number(opt("seed", String(Date.now() % 100000)));
const cli = process.env.SVCSPEC_CLI ? JSON.parse(process.env.SVCSPEC_CLI) : [process.execPath, join(root, "bin", "svcspec.js")];
const work = opt("work", "") || mkdtempSync(join(tmpdir(), "svcspec-crash-"));
const TEMP_FILE = /\.svcspec-[0-9a-f]+\.tmp$/;
const LOCK = ".svcspec-lock";
const MANIFEST = ".svcspec-manifest.json";

/** mulberry32, so a failing run can be replayed with --seed. */
const rnd = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const startSeed = seed;

function svcspec(cmd, spec, out = "out") {
  const r = spawnSync(cli[0], [...cli.slice(1), cmd, "--spec", spec, "--out", out], { cwd: work, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, err: r.stderr };
}

/** Every entry under a folder (links are listed, never followed), by relative path. */
function tree(dir) {
  const out = new Map();
  const walk = (d, rel) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(join(d, e.name), p);
      else out.set(p, e.isFile() ? readFileSync(join(d, e.name)) : null);
    }
  };
  if (existsSync(dir)) walk(dir, "");
  return out;
}

function sameTree(a, b) {
  if (a.size !== b.size) return false;
  for (const [p, v] of a) if (!b.has(p) || v === null || !v.equals(b.get(p))) return false;
  return true;
}

// two spec folders: A is the example, B the example without one service
cpSync(join(root, "spec"), join(work, "spec-a"), { recursive: true });
cpSync(join(root, "spec"), join(work, "spec-b"), { recursive: true });
const dropped = readdirSync(join(work, "spec-b", "services")).sort()[0];
rmSync(join(work, "spec-b", "services", dropped));
// the two builds of the expected trees also time a build that writes every file
const buildTimes = [];
for (const [s, o] of [["spec-a", "expect-a"], ["spec-b", "expect-b"]]) {
  const t = performance.now();
  const r = svcspec("build", s, o);
  buildTimes.push(performance.now() - t);
  if (r.code !== 0) throw new Error(`cannot build ${s}: ${r.err}`);
}
const expected = { "spec-a": tree(join(work, "expect-a")), "spec-b": tree(join(work, "expect-b")) };
const out = join(work, "out");
rmSync(out, { recursive: true, force: true });
if (svcspec("build", "spec-a").code !== 0) throw new Error("cannot build spec-a into out/");

// timing: the kills aim at the moments a build touches out/, after its compile. The window
// starts as [0.3, 1.1] x a build's time and adapts: a build that finished before its kill moves
// the end below that moment, a kill that found out/ untouched moves the start above it; both ends
// widen a little every trial, since a shared machine's timing drifts.
const tBuild = Math.max(...buildTimes);
let from = tBuild * 0.3;
let to = tBuild * 1.1;

function killedBuild(spec, delay) {
  return new Promise((resolve) => {
    const child = spawn(cli[0], [...cli.slice(1), "build", "--spec", spec, "--out", "out"], { cwd: work, stdio: "ignore" });
    const timer = setTimeout(() => child.kill("SIGKILL"), delay);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

const figures = { killed: 0, untouched: 0, midway: 0, finished: 0, torn: 0, tornFiles: [], withTemp: 0, withLock: 0, surviving: 0, recovered: 0, failures: [] };
const leftoverNames = (t) => [...t.keys()].filter((p) => TEMP_FILE.test(p) || p === LOCK);
let current = "spec-a";
for (let i = 0; i < RUNS; i++) {
  const target = current === "spec-a" ? "spec-b" : "spec-a";
  const delay = from + rnd() * (to - from);
  const before = tree(out);
  const { signal } = await killedBuild(target, delay);
  const seen = tree(out);
  if (signal !== "SIGKILL") {
    figures.finished++;
    to = Math.max(from + 20, delay * 1.05);
  } else {
    figures.killed++;
    if (sameTree(seen, before)) {
      figures.untouched++;
      from = Math.min(to - 20, delay * 0.95);
    } else figures.midway++;
  }
  from *= 0.98;
  to *= 1.02;
  // what this kill left (a leftover an earlier build failed to remove is counted below)
  const had = new Set(leftoverNames(before));
  let temps = 0;
  let lock = false;
  for (const [p, bytes] of seen) {
    if (TEMP_FILE.test(p)) temps += had.has(p) ? 0 : 1;
    else if (p === LOCK) lock = !had.has(p);
    else {
      const options = [expected["spec-a"].get(p), expected["spec-b"].get(p)].filter(Boolean);
      if (bytes === null || !options.some((o) => o.equals(bytes))) {
        figures.torn++;
        figures.tornFiles.push(`trial ${i + 1}: ${p}`);
      }
    }
  }
  if (temps) figures.withTemp++;
  if (lock) figures.withLock++;
  const again = svcspec("build", target);
  const check = svcspec("check", target);
  const after = tree(out);
  if (leftoverNames(after).length) figures.surviving++;
  const exact = sameTree(after, expected[target]);
  if (again.code === 0 && check.code === 0 && exact) figures.recovered++;
  else figures.failures.push(`trial ${i + 1} (kill at ${delay.toFixed(0)} ms): build ${again.code}, check ${check.code}, tree ${exact ? "exact" : "differs"}\n${again.err}${check.err}`);
  current = target;
}

// two builds at once
const pairs = { both: 0, refused: 0, other: 0, lost: 0, notes: [] };
for (let j = 0; j < PAIRS; j++) {
  const target = current === "spec-a" ? "spec-b" : "spec-a";
  const runOne = () =>
    new Promise((resolve) => {
      const child = spawn(cli[0], [...cli.slice(1), "build", "--spec", target, "--out", "out"], { cwd: work, stdio: ["ignore", "ignore", "pipe"] });
      let err = "";
      child.stderr.on("data", (d) => (err += d));
      child.once("exit", (code) => resolve({ code, err }));
    });
  const results = await Promise.all([runOne(), runOne()]);
  const ok = results.filter((r) => r.code === 0).length;
  const locked = results.filter((r) => r.code === 1 && /SVC111/.test(r.err)).length;
  if (ok === 2) pairs.both++;
  else if (ok === 1 && locked === 1) pairs.refused++;
  else {
    pairs.other++;
    pairs.notes.push(`pair ${j + 1}: ${results.map((r) => `${r.code} ${r.err.trim().split("\n")[0]}`).join(" | ")}`);
  }
  const manifest = new Set(JSON.parse(readFileSync(join(out, MANIFEST), "utf8")).files);
  const unowned = [...tree(out).keys()].filter((p) => p !== MANIFEST && !manifest.has(p) && !TEMP_FILE.test(p) && p !== LOCK);
  if (unowned.length || svcspec("check", target).code !== 0) {
    pairs.lost++;
    pairs.notes.push(`pair ${j + 1}: ${unowned.length} file(s) not in the manifest, check ${svcspec("check", target).code}`);
    svcspec("build", target);
  }
  current = target;
}

const lines = [
  `seed: ${startSeed}`,
  `build ${tBuild.toFixed(0)} ms; kill window at the end ${from.toFixed(0)}-${to.toFixed(0)} ms`,
  `trials: ${RUNS} (killed: ${figures.killed}, of which before any change to out/: ${figures.untouched}, part-way: ${figures.midway}; finished before the kill: ${figures.finished})`,
  `torn files: ${figures.torn}`,
  `trials leaving new temp files: ${figures.withTemp}, leaving the lock: ${figures.withLock}; leftovers still there after the next build: ${figures.surviving} trial(s)`,
  `recovered: ${figures.recovered}/${RUNS}`,
  `pairs: ${PAIRS} (both completed: ${pairs.both}, one refused with SVC111: ${pairs.refused}, other: ${pairs.other})`,
  `pairs losing ownership: ${pairs.lost}/${PAIRS}`,
  ...figures.tornFiles.slice(0, 10),
  ...figures.failures.slice(0, 5),
  ...pairs.notes.slice(0, 5),
];
console.log(lines.join("\n"));
if (!opt("work", "")) rmSync(work, { recursive: true, force: true });
process.exitCode = figures.torn || figures.recovered < RUNS || figures.surviving || pairs.lost || pairs.other ? 1 : 0;
