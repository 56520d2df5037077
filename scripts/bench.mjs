#!/usr/bin/env node
// Compile benchmark: N synthetic services (copies of the example's services under new names) go
// through the whole pure pipeline (parse, validate, lower, generate) in memory. Reports the median
// wall time (cold, in a new process, and warm) and the peak RSS of one compile, for growing N,
// so linear growth is visible.
// Usage: npm run bench [-- 100 1000 2000]
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { compile } from "../dist/src/compile.js";

const root = new URL("..", import.meta.url).pathname;
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const counts = sizes.length ? sizes : [100, 500, 1000];
const RUNS = 5;

const org = { path: "spec/organization.yaml", name: "spec/organization.yaml", text: readFileSync(join(root, "spec/organization.yaml"), "utf8") };
const templates = readdirSync(join(root, "spec/services")).sort().map((f) => readFileSync(join(root, "spec/services", f), "utf8"));

function sources(n) {
  const out = [org];
  for (let i = 0; i < n; i++) {
    const t = templates[i % templates.length];
    const name = /\n {2}name: ([a-z0-9-]+)/.exec(t)[1];
    const renamed = t.replace(/\n {2}name: [a-z0-9-]+/, `\n  name: ${name}-${i}`);
    const path = `spec/services/${name}-${i}.yaml`;
    out.push({ path, name: path, text: renamed });
  }
  return out;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One process, `runs` compiles: the wall time of each and the process's peak RSS. */
function measure(n, runs) {
  const src = sources(n);
  const times = [];
  let files = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const result = compile(src);
    times.push(performance.now() - t0);
    if (result.diagnostics.some((d) => d.severity === "error")) throw new Error(`benchmark spec invalid: ${JSON.stringify(result.diagnostics[0])}`);
    files = result.files.size;
  }
  return { times, files, rss: process.resourceUsage().maxRSS / 1024 };
}

// A child measures in a fresh process, so the peak RSS of one compile is not the garbage that
// earlier sizes and runs left behind.
if (process.argv[2] === "--child") {
  console.log(JSON.stringify(measure(Number(process.argv[3]), Number(process.argv[4]))));
  process.exit(0);
}

const child = (n, runs) => JSON.parse(execFileSync(process.execPath, [new URL(import.meta.url).pathname, "--child", String(n), String(runs)], { encoding: "utf8", maxBuffer: 1 << 20 }));

console.log(`svcspec compile benchmark (node ${process.version}; each figure from fresh processes)`);
console.log("  cold: one compile in a new process, as \`svcspec build\` does (median of 3 processes)");
console.log(`  warm: median of ${RUNS} compiles in one process; peak RSS: the most one cold compile used`);
console.log("services  files  cold ms  warm ms  warm ms/service  peak RSS MB");
for (const n of counts) {
  const cold = [0, 1, 2].map(() => child(n, 1));
  const warm = child(n, RUNS);
  const coldMs = median(cold.map((c) => c.times[0]));
  const warmMs = median(warm.times);
  const rss = Math.max(...cold.map((c) => c.rss));
  console.log(`${String(n).padStart(8)}  ${String(warm.files).padStart(5)}  ${coldMs.toFixed(0).padStart(7)}  ${warmMs.toFixed(0).padStart(7)}  ${(warmMs / n).toFixed(2).padStart(15)}  ${rss.toFixed(0).padStart(11)}`);
}
