#!/usr/bin/env node
// Benchmark of the access policies compiled to wasm and evaluated in Node (@open-policy-agent/opa-wasm
// with svcspec's time built-ins): decisions per second and per-decision latency (p50, p99, max) over
// the seeded random corpus of the differential test, per service and overall; the TypeScript
// reference evaluator on the same corpus for comparison. Needs opa (scripts/setup-tools.sh).
// Usage: npm run bench:opa [-- <requests per service>]
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { randomRequests } from "../dist/src/access/corpus.js";
import { evaluateAccess } from "../dist/src/access/evaluate.js";
import { buildWasmBundle, loadAccessWasm } from "../dist/src/access/wasm.js";
import { findTool, toolDirs } from "../dist/src/tools/discover.js";
import { processIo } from "../dist/src/cli/io.js";
import { validate } from "../dist/src/compile.js";
import { readSpecFolder } from "../dist/src/load/discover.js";

const root = new URL("..", import.meta.url).pathname;
const perService = Number(process.argv[2]) || 20_000;
const WARMUP = 2_000;

const opa = findTool("opa", toolDirs({ ...processIo, cwd: root }));
if (!opa) {
  console.error("opa is not installed: run scripts/setup-tools.sh");
  process.exit(1);
}
const { model } = validate(readSpecFolder(join(root, "spec"), root));
if (!model) {
  console.error("the example spec does not validate");
  process.exit(1);
}
const services = model.services.filter((s) => s.access);
const started = performance.now();
const bundle = buildWasmBundle(opa, join(root, "out", "opa"), services.map((s) => s.id));
const buildMs = performance.now() - started;
const wasm = await loadAccessWasm(bundle.policyWasm, bundle.data);

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function measure(label, corpus, decide) {
  for (let i = 0; i < Math.min(WARMUP, corpus.length); i++) decide(corpus[i]);
  const times = new Float64Array(corpus.length);
  const t0 = performance.now();
  for (let i = 0; i < corpus.length; i++) {
    const a = performance.now();
    decide(corpus[i]);
    times[i] = performance.now() - a;
  }
  const total = performance.now() - t0;
  const sorted = Array.from(times).sort((x, y) => x - y);
  const us = (ms) => `${(ms * 1000).toFixed(1)} µs`;
  console.log(`${label.padEnd(28)} ${String(Math.round(corpus.length / (total / 1000))).padStart(8)} decisions/s   p50 ${us(quantile(sorted, 0.5)).padStart(9)}   p99 ${us(quantile(sorted, 0.99)).padStart(9)}   max ${us(sorted.at(-1)).padStart(9)}`);
  return { n: corpus.length, total, sorted };
}

console.log(`opa build -t wasm: ${Math.round(buildMs)} ms, policy.wasm ${bundle.policyWasm.length} bytes, ${Object.keys(wasm.entrypoints).length} entrypoints`);
console.log(`${perService} seeded random requests per service, single thread, node ${process.version}\n`);
const all = [];
for (const [i, s] of services.entries()) {
  const corpus = randomRequests(s.access, perService, 0x5eed + i);
  all.push(measure(`wasm ${s.name}`, corpus, (input) => wasm.access(s.id, input)).sorted);
}
const merged = all.flat().sort((x, y) => x - y);
const totalMs = merged.reduce((a, b) => a + b, 0);
console.log(`${"wasm, all services".padEnd(28)} ${String(Math.round(merged.length / (totalMs / 1000))).padStart(8)} decisions/s   p50 ${(quantile(merged, 0.5) * 1000).toFixed(1).padStart(6)} µs   p99 ${(quantile(merged, 0.99) * 1000).toFixed(1).padStart(6)} µs`);
console.log("");
for (const [i, s] of services.entries()) {
  const corpus = randomRequests(s.access, perService, 0x5eed + i);
  measure(`typescript ${s.name}`, corpus, (input) => evaluateAccess(s.access, input));
}
