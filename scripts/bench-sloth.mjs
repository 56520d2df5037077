#!/usr/bin/env node
// svcspec against Sloth v0.16.0 on the same SLOs: N generated services with 3 SLOs each (one of
// each SLI kind: ratio, latency from a histogram, a free query), written as svcspec specs and as
// Sloth `prometheus/v1` specs (scripts/bench-support.mjs). Runs `sloth generate` and `svcspec build
// --only prometheus` alternately (A C D B A C D B, each into an empty folder with an empty generation
// cache, writes included) and prints the CPU ratio svcspec/Sloth, medians with min-max. Sloth
// writes one rule file per spec; svcspec runs three times: with `outputs: { tests: false,
// prometheusRule: false }` (one rule file per service: the same work, the ratio the targets are
// about), with `outputs.tests: false` (the rule files and the PrometheusRules) and by default (the
// rules, the PrometheusRules and the promtool tests).
//
// Before timing, it proves both say the same SLOs: promtool evaluates Sloth's rules and svcspec's
// for the first 3 services on the same series (counters of constant, different rates for good,
// bad, histogram and query series) and requires, for every SLO, the same error ratio at each
// window (5m ... 30d), the same objective and error budget, and a 30d period on both sides.
//
// Usage: npm run bench:sloth [-- --large --runs 5]   (1,000 services; --large adds 10,000;
// --services N for one other size)
// Sloth and promtool come from the tools folder (scripts/setup-tools.sh; SVCSPEC_SLOTH=1 builds
// Sloth outside a clone).
import { spawnSync } from "node:child_process";
import { linkSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { localTool } from "../dist/src/tools/discover.js";
import { forEachSize, median, settle, spread, timed, timedCommand, writeSloSpecs } from "./bench-support.mjs";

const root = new URL("..", import.meta.url).pathname;
const args = process.argv.slice(2);
const RUNS = Math.max(1, Math.min(20, Number(args.includes("--runs") ? args[args.indexOf("--runs") + 1] : "3")));
const sizes = args.includes("--services") ? [Math.max(1, Number(args[args.indexOf("--services") + 1]))] : args.includes("--large") ? [1000, 10000] : [1000];

const tool = (name) => {
  const t = localTool(name, root);
  if (!t) {
    console.error(`bench:sloth: ${name} not found: run \`SVCSPEC_SLOTH=1 npm run setup-tools\``);
    process.exit(3);
  }
  return t;
};
const sloth = tool("sloth");
const promtool = tool("promtool");

/** The agreement test: both rule sets on the same series, compared by promtool. */
function agree(base, n) {
  const services = Math.min(3, n);
  const dir = join(base, "agree");
  mkdirSync(dir, { recursive: true });
  const slothOut = join(base, "sloth-agree");
  const svcOut = join(base, "svcspec-agree");
  mkdirSync(slothOut, { recursive: true });
  run(sloth, ["generate", "--no-log", "-i", join(base, "sloth"), "-o", slothOut, "-n", `(^|/)svc-[0-${services - 1}]\\.yaml$`]);
  run(process.execPath, [join(root, "bin/svcspec.js"), "build", "--spec", join(base, "svcspec"), "--out", svcOut, "--only", "prometheus"]);
  const ruleFiles = [];
  const series = [];
  for (let i = 0; i < services; i++) {
    ruleFiles.push(join(slothOut, `svc-${i}.yaml`), join(svcOut, "prometheus", `svc-${i}.rules.yaml`));
    const j = `job="svc-${i}"`;
    // Per minute: 600 requests, 3+i of them 5xx; 500 observations, 480-i at or below 300ms;
    // 1000 searches, 4 fallbacks and 2+i failures.
    series.push(
      [`http_requests_total{${j},code="200"}`, 600 - 3 - i],
      [`http_requests_total{${j},code="500"}`, 3 + i],
      [`http_request_duration_seconds_count{${j}}`, 500],
      [`http_request_duration_seconds_bucket{${j},le="0.3"}`, 480 - i],
      [`http_request_duration_seconds_bucket{${j},le="+Inf"}`, 500],
      [`search_requests_total{${j}}`, 1000],
      [`search_fallback_total{${j}}`, 4],
      [`search_failures_total{${j}}`, 2 + i],
    );
  }
  const slos = services * 3;
  const same = (metric) => `count(abs(label_replace(label_replace(${metric}{sloth_service!=""}, "service", "$1", "sloth_service", "(.*)"), "slo", "$1", "sloth_slo", "(.*)") - on (service, slo) ${metric}{sloth_service=""}) < 1e-9)`;
  const windows = ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"];
  const checks = [
    ...windows.map((w) => same(`slo:sli_error:ratio_rate${w}`)),
    same("slo:objective:ratio"),
    same("slo:error_budget:ratio"),
    `count(slo:time_period:days{sloth_service!=""} == 30)`,
    `count(svcspec_slo_info{window="30d"})`,
  ];
  const test = {
    rule_files: ruleFiles,
    evaluation_interval: "1m",
    tests: [
      {
        interval: "1m",
        input_series: series.map(([s, perMinute]) => ({ series: s, values: `0+${perMinute}x1600` })),
        promql_expr_test: checks.map((expr) => ({ expr, eval_time: "1d2h", exp_samples: [{ labels: "{}", value: slos }] })),
      },
    ],
  };
  const file = join(dir, "agree.test.yaml");
  writeFileSync(file, JSON.stringify(test, null, 2));
  const r = spawnSync(promtool, ["test", "rules", file], { encoding: "utf8", timeout: 600_000 });
  if (r.status !== 0) {
    console.error(`bench:sloth: the Sloth and svcspec rules disagree (promtool test rules ${file}):\n${r.stdout}${r.stderr}`);
    process.exit(1);
  }
  return { services, slos, checks: checks.length };
}

function run(command, argv) {
  const r = spawnSync(command, argv, { encoding: "utf8", timeout: 600_000, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`bench:sloth: ${command} ${argv.join(" ")} exited ${r.status}: ${(r.stderr ?? "").slice(-800)}`);
}

// Sloth v0.16.0 keeps every spec and output file it touches open until it exits: 10,000 services
// need 20,000 descriptors, this project's CI limit (`ulimit -Hn`). Past SLOTH_FILES services the
// specs are split into folders of that many (hard links) and Sloth runs once per folder; the row
// sums their CPU and wall time and takes the largest peak RSS (one more process start per folder).
const SLOTH_FILES = 4000;

function slothParts(base, n) {
  if (n <= SLOTH_FILES) return [join(base, "sloth")];
  const names = readdirSync(join(base, "sloth")).sort();
  const parts = [];
  for (let k = 0; k * SLOTH_FILES < names.length; k++) {
    const dir = join(base, `sloth-part-${k}`);
    mkdirSync(dir);
    for (const f of names.slice(k * SLOTH_FILES, (k + 1) * SLOTH_FILES)) linkSync(join(base, "sloth", f), join(dir, f));
    parts.push(dir);
  }
  return parts;
}

function slothGenerate(parts, out) {
  const runs = parts.map((dir) => {
    const s = timedCommand(sloth, ["generate", "--no-log", "-i", dir, "-o", out]);
    if (s.status !== 0) throw new Error(`bench:sloth: sloth generate exited ${s.status}: ${s.stderr.slice(-800)}`);
    return s;
  });
  return { wall: runs.reduce((a, r) => a + r.wall, 0), cpu: runs.reduce((a, r) => a + r.cpu, 0), rss: Math.max(...runs.map((r) => r.rss)) };
}

function bench(n, leave) {
  const base = join(tmpdir(), `svcspec-bench-sloth-${process.pid}-${n}`);
  try {
    // every svcspec build here, the agreement's too, uses the benchmark's own generation cache
    process.env.SVCSPEC_CACHE = join(base, "cache");
    writeSloSpecs(base, n);
    const a = agree(base, n);
    if (n === sizes[0]) console.log(`agreement: promtool finds the same error ratio at 8 windows, objective, error budget and a 30d period for all ${a.slos} SLOs of the first ${a.services} services (${a.checks} checks)`);
    const parts = slothParts(base, n);
    if (parts.length > 1) console.log(`(${n} services: Sloth runs once per ${SLOTH_FILES} specs, ${parts.length} processes per round, summed: it keeps every file open)`);
    // Every run writes into an empty folder of its own, and every svcspec build is cold (an empty
    // cache folder of its own), as on a fresh CI runner. Nothing is deleted before the end: ext4
    // skips recently freed inodes when it allocates (find_inode_bit -> recently_deleted, for up to
    // 5 minutes), so a run after a deletion pays per file it creates (svcspec 3,000 inodes here,
    // Sloth 1,000: perf put 19% of svcspec's run there, and its sys time doubled). Each run starts
    // after a sync, so that none pays for the write-back of the one before.
    const svcspec = (spec, r) => {
      process.env.SVCSPEC_CACHE = join(base, `cache-${spec}-${r}`);
      settle();
      const t = timed(["build", "--spec", join(base, spec), "--out", join(base, `${spec}-out-${r}`), "--only", "prometheus"]);
      if (t.status !== 0) throw new Error(`bench:sloth: svcspec build exited ${t.status}: ${t.stderr.slice(-800)}`);
      return t;
    };
    const A = [];
    const B = [];
    const C = [];
    const D = [];
    for (let r = 0; r < RUNS; r++) {
      const slothOut = join(base, `sloth-out-${r}`);
      mkdirSync(slothOut);
      settle();
      A.push(slothGenerate(parts, slothOut));
      C.push(svcspec("svcspec-rules", r));
      D.push(svcspec("svcspec-rules-operator", r));
      B.push(svcspec("svcspec", r));
    }
    const ratio = C.map((c, i) => c.cpu / A[i].cpu);
    const ratioOperator = D.map((d, i) => d.cpu / A[i].cpu);
    const ratioWithTests = B.map((b, i) => b.cpu / A[i].cpu);
    const row = (name, ts) => `| ${String(n).padStart(6)} | ${name.padEnd(52)} | ${spread(ts.map((t) => t.cpu), 2).padEnd(18)} | ${spread(ts.map((t) => t.wall), 2).padEnd(18)} | ${spread(ts.map((t) => t.rss), 0).padEnd(14)} |`;
    const ratioRow = (name, rs) => `| ${String(n).padStart(6)} | ${name.padEnd(52)} | ${spread(rs, 2).padEnd(18)} | | |`;
    console.log(row("sloth generate", A));
    console.log(row("svcspec, rule files only (tests, PrometheusRule off)", C));
    console.log(row("svcspec, rule files and PrometheusRules (tests off)", D));
    console.log(row("svcspec build --only prometheus (with promtool tests)", B));
    console.log(ratioRow("CPU ratio svcspec/Sloth, same work (rule files only)", ratio));
    console.log(ratioRow("CPU ratio svcspec/Sloth, with the PrometheusRules", ratioOperator));
    console.log(ratioRow("CPU ratio svcspec/Sloth, svcspec with its tests", ratioWithTests));
    return median(ratio);
  } finally {
    // deleted after the last size: a deletion before a timed run would cost it (ext4, above)
    leave(base);
  }
}

console.log(`svcspec vs Sloth on the same SLOs (3 per service: ratio, latency, query; ${RUNS} pairs A B A B, cold, writes included; median (min-max))`);
console.log("| services | process | CPU s | wall s | peak RSS MB |");
console.log("| ---: | --- | --- | --- | --- |");
forEachSize(sizes, bench);
