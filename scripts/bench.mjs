#!/usr/bin/env node
// Compile benchmark: N synthetic services (copies of the example's services under new names) go
// through the whole pure pipeline (parse, validate, lower, generate) in memory. Reports the median
// wall time of several runs and the peak RSS, for growing N, so linear growth is visible.
// Usage: npm run bench [-- 100 1000 2000]
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
console.log(`svcspec compile benchmark (node ${process.version}, ${RUNS} runs each)`);
console.log("services  files  median ms  ms/service  peak RSS MB");
for (const n of counts) {
  const src = sources(n);
  const times = [];
  let files = 0;
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    const result = compile(src);
    times.push(performance.now() - t0);
    if (result.diagnostics.some((d) => d.severity === "error")) throw new Error(`benchmark spec invalid: ${JSON.stringify(result.diagnostics[0])}`);
    files = result.files.size;
  }
  const ms = median(times);
  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(`${String(n).padStart(8)}  ${String(files).padStart(5)}  ${ms.toFixed(0).padStart(9)}  ${(ms / n).toFixed(2).padStart(10)}  ${rss.toFixed(0).padStart(11)}`);
}
