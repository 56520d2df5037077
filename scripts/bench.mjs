#!/usr/bin/env node
// Whole-process benchmark: what a user waits for. Each figure is one `svcspec build` or `check`
// process, writes included, measured by /usr/bin/time (CPU = user + sys of the child, peak RSS).
// Scenarios, run alternately (one of each per round, so a slow spell of the shared machine hits
// all of them alike):
//   build cold      into an empty output folder, with an empty cache folder (no generation cache)
//   build warm      nothing changed since the last build
//   build 1 change  one service's objective changed
//   check fresh     check of an up-to-date output folder (the generation cache warm)
// Each round has an output and a cache folder of its own ($SVCSPEC_CACHE), empty before its cold
// build; nothing is deleted before the end. Deleting the folder of the round before would make the
// cold build pay for it: ext4 skips recently freed inodes when it allocates (find_inode_bit ->
// recently_deleted, for up to 5 minutes), and a cold build creates ~20,000 files: perf put 19% of
// a rules-only cold build there, and its sys time doubled. A fresh CI runner has no such inodes.
// Each process starts after a `sync`, so that no row pays for the disk writing back the row before.
// Medians of the rounds, with min-max. 1,000 services (copies of the example's services) by
// default; `--large` adds 10,000; `--runs N` rounds (default 3); `--only <targets>` is passed to
// build. Usage: npm run bench [-- --large --runs 5]
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { forEachSize, settle, spread, timed, writeFullSpec } from "./bench-support.mjs";

const root = new URL("..", import.meta.url).pathname;
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const RUNS = Math.max(1, Math.min(20, Number(value("--runs", "3"))));
const sizes = flag("--large") ? [1000, 10000] : [1000];

function bench(n, leave) {
  const base = join(tmpdir(), `svcspec-bench-${process.pid}-${n}`);
  const spec = join(base, "spec");
  writeFullSpec(spec, n);
  const only = value("--only", null);
  // The service whose objective changes: the first copy of checkout, an SLO with `objective: 99.95`.
  const changed = join(spec, "services", "checkout-1.yaml");
  const original = readFileSync(changed, "utf8");
  const rows = { "build cold": [], "build warm": [], "build 1 change": [], "check fresh": [] };
  const run = (name, argv) => {
    // the disk's write-back of the row before (~350 MB after a cold build of 1,000 services) would
    // otherwise land in this row's figures
    settle();
    const t = timed(argv);
    if (t.status !== 0) throw new Error(`bench: ${name} exited ${t.status}: ${t.stderr.slice(-800)}`);
    rows[name].push(t);
  };
  try {
    for (let r = 0; r < RUNS; r++) {
      const out = join(base, `out-${r}`);
      process.env.SVCSPEC_CACHE = join(base, `cache-${r}`);
      const build = ["build", "--spec", spec, "--out", out, ...(only ? ["--only", only] : [])];
      const check = ["check", "--spec", spec, "--out", out];
      writeFileSync(changed, original);
      run("build cold", build);
      run("build warm", build);
      writeFileSync(changed, original.replace("objective: 99.95", `objective: 99.9${r % 2 ? 1 : 2}`));
      run("build 1 change", build);
      if (!only) run("check fresh", check);
    }
  } finally {
    // deleted after the last size: a deletion before a timed run would cost it (ext4, above)
    leave(base);
  }
  for (const [name, ts] of Object.entries(rows)) {
    if (!ts.length) continue;
    console.log(`| ${String(n).padStart(6)} | ${name.padEnd(14)} | ${spread(ts.map((t) => t.wall), 2).padEnd(17)} | ${spread(ts.map((t) => t.cpu), 2).padEnd(17)} | ${spread(ts.map((t) => t.rss), 0).padEnd(15)} |`);
  }
}

console.log(`svcspec whole-process benchmark (node ${process.version}; ${RUNS} alternating rounds; median (min-max))`);
console.log("| services | process        | wall s            | CPU s (user+sys)  | peak RSS MB     |");
console.log("| ---: | --- | --- | --- | --- |");
forEachSize(sizes, bench);
