#!/usr/bin/env node
// The Prometheus evaluation cost of svcspec's SLO rules against Sloth's (issue #17), in a real
// Prometheus (2.42, .tools/root/usr/bin/prometheus) on backfilled data.
//
//  1. N generated services with 3 SLOs each (scripts/bench-support.mjs, the specs bench:sloth
//     proves equal): svcspec's rules (`svcspec build --only prometheus`), Sloth's (`sloth generate`)
//     and, with --before <commit> (or --before-rules <dir>), svcspec's rules of an earlier commit.
//  2. One TSDB backfilled with promtool (OpenMetrics, 2h-aligned files): the raw series of every
//     service over --days days at a 1m scrape interval (2 instances, 20 series a service, daily wave,
//     an error, latency and search incident per service), and the history of every recorded series
//     some rule reads back over a range (svcspec's 3d chunks, the old rules' and Sloth's 5m rates
//     under their 30d windows) at 1m, as if the rules had been evaluated every minute for --days
//     days. Prometheus compacts it once (blocks up to 54h, as with a ~30d retention); every run
//     starts from a copy of that folder.
//  3. Runs: Prometheus with one rule set, evaluation_interval --interval, GOMAXPROCS=1, loopback,
//     scraping one target of this process that serves the same raw series live (honor_labels), so
//     5m windows stay filled. A baseline run with no rules first, then the rule sets in turns
//     (A B C A B C, --pairs times). Each run: --warmup seconds, then --measure seconds between two
//     reads of Prometheus's own /metrics.
//  4. Per rule set: evaluation rounds, CPU seconds per round (process_cpu_seconds_total; net: minus
//     the baseline's CPU per second), samples loaded per round (2.42 has no
//     prometheus_engine_query_samples_total: each rule's expression once more with stats=all,
//     after the window), rule-group seconds per round, and which rules cost
//     most (/api/v1/rules evaluationTime, summed per recorded name). Ratios against Sloth.
//
// Exits 1 when a run is not valid: a rule set not (fully) loaded, any rule evaluation failure, no
// round in the window, the 30d ratio missing for some SLO, the target not scraped.
//
// Usage: npm run bench:prometheus [-- --services 50 --days 31 --interval 15s --warmup 45
//        --measure 120 --pairs 2 --before 06f811b | --before-rules <dir> --svcspec-rules <dir>]
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync, openSync, writeSync, closeSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { localTool } from "../dist/src/tools/discover.js";
import { median, writeSloSpecs } from "./bench-support.mjs";
import { exposition, measure, parseMetrics, problems, rangeReadSeries, rawSeries, rawValue, recordedValue, seconds, seriesText } from "./prom-eval.mjs";

const root = new URL("..", import.meta.url).pathname;
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : dflt);
const bounded = (name, dflt, lo, hi) => {
  const v = Number(opt(name, dflt));
  if (!Number.isFinite(v) || v < lo || v > hi) fail(`--${name} must be a number in ${lo}..${hi}`, 2);
  return v;
};
function fail(message, code = 1) {
  console.error(`bench:prometheus: ${message}`);
  process.exit(code);
}

const N = bounded("services", "50", 1, 500);
const DAYS = bounded("days", "31", 31, 60); // 30d windows and the 27d offset of a 3d chunk need 30 days
const INTERVAL = opt("interval", "15s");
const WARMUP = bounded("warmup", "45", 0, 600);
const MEASURE = bounded("measure", "120", 10, 900);
const PAIRS = bounded("pairs", "2", 1, 5);
const BEFORE = opt("before", undefined);
const BEFORE_RULES = opt("before-rules", undefined);
const SVCSPEC_RULES = opt("svcspec-rules", undefined);
const KEEP = args.includes("--keep");
if (!/^\d+[sm]$/.test(INTERVAL) || seconds(INTERVAL) < 5 || seconds(INTERVAL) > 300) fail("--interval must be 5s..5m", 2);

const tool = (name) => localTool(name, root) ?? fail(`${name} not found: run \`SVCSPEC_SLOTH=1 npm run setup-tools\``, 3);
const promtool = tool("promtool");
const sloth = tool("sloth");
const prometheus = localTool("prometheus", root) ?? [join(root, ".tools/root/usr/bin/prometheus")].find(existsSync) ?? fail("prometheus not found (scripts/setup-tools.sh extracts it to .tools/root/usr/bin)", 3);

const base = join(tmpdir(), `svcspec-bench-prometheus-${process.pid}`);
const children = new Set();
const cleanup = () => {
  for (const c of children) c.kill("SIGKILL");
  if (!KEEP) rmSync(base, { recursive: true, force: true });
};
process.on("exit", cleanup);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(130));

function run(command, argv, options = {}) {
  const r = spawnSync(command, argv, { encoding: "utf8", timeout: 900_000, maxBuffer: 64 << 20, ...options });
  if (r.status !== 0) throw new Error(`${command} ${argv.join(" ")} exited ${r.status ?? r.signal}: ${(r.stderr ?? "").slice(-1500)}`);
  return r.stdout;
}

const ruleFilesIn = (dir) => readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && !f.includes(".test.")).sort().map((f) => join(dir, f));

function ruleSet(name, files, label) {
  const groups = files.flatMap((f) => parseYaml(readFileSync(f, "utf8"))?.groups ?? []);
  return { name, label, files, groups, rules: groups.reduce((a, g) => a + (g.rules?.length ?? 0), 0) };
}

/** svcspec's rules of an earlier commit: its sources from git archive, built with this clone's
 * node_modules (a full build: --only came later). */
function beforeRules(commit, spec) {
  const src = join(base, "before-src");
  mkdirSync(src, { recursive: true });
  const tar = spawnSync("git", ["-C", root, "archive", "--format=tar", commit], { maxBuffer: 1 << 30 });
  if (tar.status !== 0) throw new Error(`git archive ${commit}: ${tar.stderr}`);
  run("tar", ["-x", "-C", src], { input: tar.stdout });
  symlinkSync(join(root, "node_modules"), join(src, "node_modules"));
  run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: src });
  // from e10e4e6 on, bin/svcspec.js loads the CLI bundle that npm run build's second step makes
  if (existsSync(join(src, "scripts/bundle.mjs"))) run(process.execPath, [join(src, "scripts/bundle.mjs")], { cwd: src });
  run(process.execPath, [join(src, "bin/svcspec.js"), "build", "--spec", spec, "--out", join(base, "before-out")], { cwd: src });
  return ruleFilesIn(join(base, "before-out/prometheus"));
}

// ---- 1. rules

writeSloSpecs(join(base, "spec"), N);
const sets = [];
if (SVCSPEC_RULES) sets.push(ruleSet("svcspec", ruleFilesIn(resolve(SVCSPEC_RULES)), `svcspec (${SVCSPEC_RULES})`));
else {
  run(process.execPath, [join(root, "bin/svcspec.js"), "build", "--spec", join(base, "spec/svcspec"), "--out", join(base, "svcspec-out"), "--only", "prometheus"]);
  const head = spawnSync("git", ["-C", root, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).stdout.trim();
  sets.push(ruleSet("svcspec", ruleFilesIn(join(base, "svcspec-out/prometheus")), `svcspec now (${head || "this tree"})`));
}
if (BEFORE_RULES) sets.push(ruleSet("before", ruleFilesIn(resolve(BEFORE_RULES)), `svcspec before (${BEFORE_RULES})`));
else if (BEFORE) sets.push(ruleSet("before", beforeRules(BEFORE, join(base, "spec/svcspec")), `svcspec before (${BEFORE})`));
mkdirSync(join(base, "sloth-out"));
run(sloth, ["generate", "--no-log", "-i", join(base, "spec/sloth"), "-o", join(base, "sloth-out")]);
sets.push(ruleSet("sloth", ruleFilesIn(join(base, "sloth-out")), "Sloth v0.16.0"));
for (const s of sets) {
  if (s.files.length !== N) fail(`${s.label}: ${s.files.length} rule files for ${N} services`);
  console.log(`rules: ${s.label}: ${s.files.length} files, ${s.groups.length} groups, ${s.rules} rules`);
}

// ---- 2. backfill

const STEP = 60; // scrape interval of the raw series, and of the recorded history
const end = Math.floor(Date.now() / 1000 / STEP) * STEP;
const start = end - DAYS * 86400;
const raw = Array.from({ length: N }, (_, i) => rawSeries(i)).flat();
const history = new Map();
for (const s of sets) for (const h of rangeReadSeries(s.groups)) history.set(seriesText(h.name, h.labels), h);
const recorded = [...history.values()].map((h) => ({ text: seriesText(h.name, h.labels), h }));
console.log(`backfill: ${raw.length} raw series (${N} services x 20) and ${recorded.length} recorded series read over a range (${[...new Set(recorded.map((r) => r.h.name))].join(", ")}), ${DAYS} days at ${STEP}s: ${(((raw.length + recorded.length) * DAYS * 86400) / STEP / 1e6).toFixed(1)}M samples`);

const tsdb = join(base, "tsdb");
const omDir = join(base, "om");
mkdirSync(tsdb, { recursive: true });
mkdirSync(omDir, { recursive: true });
const BLOCK = 7200; // promtool's block range: one file per aligned 2h range makes one block each
let t0 = Date.now();
for (let from = Math.floor(start / BLOCK) * BLOCK; from <= end; from += BLOCK) {
  const file = join(omDir, "chunk.om");
  const fd = openSync(file, "w");
  let buf = [];
  for (let t = Math.max(start, from); t < Math.min(from + BLOCK, end + 1); t += STEP) {
    const tau = t - start;
    for (const s of raw) buf.push(`${s.series} ${rawValue(s, tau)} ${t}`);
    for (const r of recorded) buf.push(`${r.text} ${recordedValue(r.h.name, r.h.labels, tau)} ${t}`);
    if (buf.length > 50_000) {
      writeSync(fd, buf.join("\n") + "\n");
      buf = [];
    }
  }
  writeSync(fd, buf.join("\n") + (buf.length ? "\n" : "") + "# EOF\n");
  closeSync(fd);
  run(promtool, ["tsdb", "create-blocks-from", "openmetrics", "-q", file, tsdb]);
}
rmSync(omDir, { recursive: true, force: true });
console.log(`backfill: ${readdirSync(tsdb).length} blocks in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

// ---- Prometheus runs

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const target = createServer((req, res) => {
  if (req.url !== "/metrics") return res.writeHead(404).end();
  res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(exposition(N, Math.floor(Date.now() / 1000) - start));
});
await new Promise((r) => target.listen(0, "127.0.0.1", r));
const targetPort = target.address().port;

async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, "127.0.0.1", r));
  const p = s.address().port;
  await new Promise((r) => s.close(r));
  return p;
}

async function get(port, path) {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(30_000) });
  if (!r.ok) throw new Error(`GET ${path}: ${r.status}`);
  return r.text();
}
const metrics = async (port) => parseMetrics(await get(port, "/metrics"));
const query = async (port, q) => JSON.parse(await get(port, `/api/v1/query?query=${encodeURIComponent(q)}`)).data.result;

/** One Prometheus over a copy of `tsdbDir`; calls `body(port)` once it is ready, then stops it. */
async function withPrometheus(tsdbDir, config, flags, body) {
  const port = await freePort();
  const cfg = join(base, "prometheus.yml");
  writeFileSync(cfg, JSON.stringify(config, null, 2));
  let log = "";
  const child = spawn(prometheus, [`--config.file=${cfg}`, `--storage.tsdb.path=${tsdbDir}`, `--web.listen-address=127.0.0.1:${port}`, "--storage.tsdb.retention.time=400d", "--log.level=warn", ...flags], {
    env: { ...process.env, GOMAXPROCS: "1" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  children.add(child);
  child.stderr.on("data", (d) => (log = (log + d).slice(-4000)));
  const exited = new Promise((r) => child.on("exit", (code, signal) => r(code ?? signal)));
  try {
    const deadline = Date.now() + 180_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}: ${log}`);
      if (Date.now() > deadline) throw new Error(`prometheus not ready in 180 s: ${log}`);
      try {
        await get(port, "/-/ready");
        break;
      } catch {
        await sleep(500);
      }
    }
    return await body(port, () => log);
  } finally {
    child.kill("SIGTERM");
    const stopped = await Promise.race([exited, sleep(60_000).then(() => "timeout")]);
    if (stopped === "timeout") child.kill("SIGKILL"), await exited;
    children.delete(child);
  }
}

// Compact the backfilled 2h blocks once, as Prometheus would have over the weeks (up to 54h).
t0 = Date.now();
await withPrometheus(tsdb, { global: { evaluation_interval: "1m" } }, ["--storage.tsdb.max-block-duration=54h"], async (port) => {
  let last = "";
  let still = 0;
  const begun = Date.now();
  for (let i = 0; i < 60 && (still < 3 || Date.now() - begun < 90_000); i++) {
    await sleep(10_000);
    const m = await metrics(port);
    const now = ["prometheus_tsdb_blocks_loaded", "prometheus_tsdb_compactions_total"].map((n) => m.find((s) => s.name === n)?.value ?? 0).join(" ");
    still = now === last ? still + 1 : 0;
    last = now;
  }
  if (still < 3) throw new Error("the backfilled blocks were not compacted within 10 minutes");
});
for (const d of ["wal", "chunks_head", "lock", "queries.active"]) rmSync(join(tsdb, d), { recursive: true, force: true });
const du = (dir) => readdirSync(dir, { recursive: true }).reduce((a, f) => a + (statSync(join(dir, f)).isFile() ? statSync(join(dir, f)).size : 0), 0);
console.log(`compacted: ${readdirSync(tsdb).length} blocks, ${(du(tsdb) / 1e6).toFixed(0)} MB, in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

const slos = N * 3;
async function measured(set) {
  const dir = join(base, "run");
  rmSync(dir, { recursive: true, force: true });
  cpSync(tsdb, dir, { recursive: true });
  const config = {
    global: { scrape_interval: `${STEP}s`, evaluation_interval: INTERVAL },
    rule_files: set ? set.files : [],
    scrape_configs: [{ job_name: "raw", honor_labels: true, static_configs: [{ targets: [`127.0.0.1:${targetPort}`] }] }],
  };
  try {
    return await withPrometheus(dir, config, ["--storage.tsdb.min-block-duration=2h", "--storage.tsdb.max-block-duration=2h"], async (port) => {
      // The first scrape comes at some offset within the scrape interval; the warmup starts after it.
      for (let i = 0; (await query(port, 'up{job="raw"} == 1')).length !== 1; i++) {
        if (i > 2 * STEP) throw new Error(`${set ? set.label : "baseline"}: the raw series target was not scraped within ${2 * STEP} s`);
        await sleep(1000);
      }
      await sleep(WARMUP * 1000);
      const before = await metrics(port);
      const t = Date.now();
      await sleep(MEASURE * 1000);
      const after = await metrics(port);
      const m = { ...measure(before, after), window: (Date.now() - t) / 1000, load: loadavg()[0] };
      const errs = set ? problems(m, { rules: set.rules, groups: set.groups.length }) : [];
      if ((await query(port, 'up{job="raw"} == 1')).length !== 1) errs.push("the raw series target is not scraped");
      if (set) {
        const ratio30d = await query(port, "count(slo:sli_error:ratio_rate30d)");
        if (Number(ratio30d[0]?.value[1] ?? 0) !== slos) errs.push(`slo:sli_error:ratio_rate30d for ${ratio30d[0]?.value[1] ?? 0} of ${slos} SLOs`);
        const rules = JSON.parse(await get(port, "/api/v1/rules")).data.groups.flatMap((g) => g.rules);
        m.perRule = new Map();
        for (const r of rules) {
          const key = r.type === "alerting" ? `alert ${r.name}` : r.name;
          m.perRule.set(key, (m.perRule.get(key) ?? 0) + r.evaluationTime);
        }
      }
      if (set) {
        // Samples read: this Prometheus (2.42) exposes no prometheus_engine_query_samples_total,
        // so every rule's expression is run once more as an instant query with stats=all, after
        // the measured window, at one time, and its totalQueryableSamples summed: one round's reads.
        const at = (Date.now() / 1000).toFixed(3);
        const exprs = set.groups.flatMap((g) => g.rules.map((r) => [r.record ?? `alert ${r.alert}`, String(r.expr)]));
        m.samples = 0;
        m.perRuleSamples = new Map();
        let next = 0;
        await Promise.all(Array.from({ length: 2 }, async () => {
          while (next < exprs.length) {
            const [name, expr] = exprs[next++];
            const r = await fetch(`http://127.0.0.1:${port}/api/v1/query`, { method: "POST", body: new URLSearchParams({ query: expr, time: at, stats: "all" }), signal: AbortSignal.timeout(60_000) });
            const body = await r.json();
            if (body.status !== "success") errs.push(`${name}: ${body.error}`);
            const n = body.data?.stats?.samples?.totalQueryableSamples ?? NaN;
            m.samples += n;
            m.perRuleSamples.set(name, (m.perRuleSamples.get(name) ?? 0) + n);
          }
        }));
        if (!Number.isFinite(m.samples)) errs.push("no totalQueryableSamples in the query stats");
      }
      if (errs.length) throw new Error(`${set ? set.label : "baseline"}: ${errs.join("; ")}`);
      return m;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`runs: evaluation_interval ${INTERVAL}, warmup ${WARMUP} s, measured ${MEASURE} s each, GOMAXPROCS=1; order baseline, then ${sets.map((s) => s.name).join(" ")} x ${PAIRS}`);
const baseline = await measured(null);
const idle = baseline.cpu / baseline.window;
console.log(`baseline (no rules, scrape only): ${idle.toFixed(4)} CPU s per s, load ${baseline.load.toFixed(1)}`);
const results = new Map(sets.map((s) => [s.name, []]));
for (let p = 0; p < PAIRS; p++) {
  for (const s of sets) {
    const m = await measured(s);
    results.get(s.name).push(m);
    console.log(`${s.label}: ${m.rounds.toFixed(1)} rounds, ${(m.cpu / m.rounds).toFixed(3)} CPU s/round, ${(m.samples / 1e6).toFixed(2)}M samples/round, groups ${(m.groupSeconds / m.rounds).toFixed(3)} s/round, missed ${m.missed}, compactions ${m.compactions}, load ${m.load.toFixed(1)}`);
  }
}
target.close();

// ---- report

const per = (ms, f) => median(ms.map(f));
const row = (s) => {
  const ms = results.get(s.name);
  return {
    label: s.label,
    rules: s.rules,
    groups: s.groups.length,
    cpu: per(ms, (m) => m.cpu / m.rounds),
    net: per(ms, (m) => (m.cpu - idle * m.window) / m.rounds),
    samples: per(ms, (m) => m.samples),
    group: per(ms, (m) => m.groupSeconds / m.rounds),
    all: ms.map((m) => (m.cpu / m.rounds).toFixed(3)).join(", "),
  };
};
const rows = sets.map(row);
const ref = rows.find((r) => r.label.startsWith("Sloth"));
console.log(`\n${N} services, ${slos} SLOs; ${DAYS} days backfilled; evaluation_interval ${INTERVAL}; medians of ${PAIRS} runs of ${MEASURE} s; baseline ${idle.toFixed(4)} CPU s/s`);
console.log("| rules | groups / rules | CPU s per round (runs) | net of baseline | samples per round | rule-group s per round | CPU / Sloth | samples / Sloth |");
console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
for (const r of rows)
  console.log(`| ${r.label} | ${r.groups} / ${r.rules} | ${r.cpu.toFixed(3)} (${r.all}) | ${r.net.toFixed(3)} | ${(r.samples / 1e6).toFixed(2)}M | ${r.group.toFixed(3)} | ${(r.net / ref.net).toFixed(2)} | ${(r.samples / ref.samples).toFixed(2)} |`);
for (const s of sets) {
  const last = results.get(s.name).at(-1).perRule;
  const total = [...last.values()].reduce((a, b) => a + b, 0);
  const top = [...last.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8);
  console.log(`\n${s.label}: where a round's rule time goes (/api/v1/rules evaluationTime of the last round, summed per name; ${total.toFixed(3)} s in all)`);
  const samples = results.get(s.name).at(-1).perRuleSamples;
  for (const [k, v] of top) console.log(`  ${((100 * v) / total).toFixed(1).padStart(5)}%  ${v.toFixed(3)} s  ${(samples.get(k) / 1e6).toFixed(2).padStart(6)}M samples  ${k}`);
}
