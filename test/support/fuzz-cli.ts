/** `npm run fuzz -- --runs N --seed S [--differential N] [--json]`: the injection fuzz suite of
 * test/support/fuzz.ts over N cases (default 5000), printing the figures per consumer and every
 * failure (exit 1 when there is one). `--promtool-tests N` (default 40): how many distinct
 * generated promtool test files to run (seconds each). The consumer tier runs a few hundred cases. */
import { CONSUMERS, exampleBase, findTools, makeCases, runFuzz, TIMINGS } from "./fuzz.js";

const argv = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(argv[i + 1]) : dflt;
  if (!Number.isInteger(v) || v < 0) {
    console.error(`--${name} takes a whole number`);
    process.exit(2);
  }
  return v;
};
const runs = opt("runs", 5000);
const seed = opt("seed", 1);
const differential = opt("differential", Math.max(100, Math.round(runs / 10)));
const promtoolTests = opt("promtool-tests", 40);
const tools = findTools();
const missing = Object.entries(tools).filter(([, p]) => !p).map(([n]) => n);
if (missing.length) console.error(`missing consumers (npm run setup-tools): ${missing.join(", ")}; their checks are skipped`);
const base = exampleBase();
const started = Date.now();
const stats = runFuzz(base, makeCases(base, runs, seed), tools, { differential, seed, promtoolTests, log: (s) => console.error(s) });
const secs = ((Date.now() - started) / 1000).toFixed(1);
if (argv.includes("--json")) console.log(JSON.stringify(stats, null, 2));
else {
  console.log(`fuzz: ${stats.cases} cases (seed ${seed}) in ${secs} s: ${stats.accepted} accepted, ${stats.rejected} rejected with located diagnostics, ${stats.failures} failures`);
  console.log(`schema string places held by the base spec: ${stats.places.covered} of ${stats.places.total}${argv.includes("-v") ? ` (not held: ${stats.places.uncovered.join(", ")})` : ""}`);
  console.log("consumer          cases  distinct files  failures");
  for (const c of CONSUMERS) {
    const p = stats.perConsumer[c];
    console.log(`${c.padEnd(16)} ${String(p.cases).padStart(6)}  ${String(p.files).padStart(14)}  ${String(p.failures).padStart(8)}`);
  }
  console.log(`time in consumers: ${[...TIMINGS].map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`).join(", ")}`);
  const d = stats.promqlDifferential;
  console.log(`PromQL differential: ${d.cases} queries: ${d.bothAccept} both accept (same value), ${d.bothReject} both reject, ${d.stricter} only svcspec rejects, ${d.failures} failures`);
  for (const f of stats.failed.slice(0, 50)) console.log(`FAIL case ${f.id} ${f.place} (${f.mode} ${JSON.stringify(f.value).slice(0, 80)}) ${f.consumer}: ${f.message}`);
  for (const f of d.failed.slice(0, 20)) console.log(`FAIL PromQL ${f}`);
}
process.exit(stats.failures || stats.promqlDifferential.failures ? 1 : 0);
