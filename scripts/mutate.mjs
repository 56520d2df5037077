#!/usr/bin/env node
// Mutation score of the generated promtool tests: every single mutant of the generated rule files
// (scripts/mutate-operators.mjs) is run against the unchanged generated tests with `promtool test
// rules`, two mutants at a time, one test group at a time (shortest first) until one fails. A
// mutant is killed when a group fails. Prints a table
// per operator and the survivors; exits 1 below --min percent (default 95).
// Usage: npm run mutate [-- --min 95] [--jobs 2] [--json] [--limit N [--offset K]] [--only <name>] [dir...]
//   --limit N: every ceil(n/N)-th mutant of each rule file, starting at the K-th (--offset, default 0)
//   dir: folders holding <service>.rules.yaml and its *.rules.test.yaml (default: out/prometheus,
//   built by `npm run mutate`, and test/fixtures/*/expected/prometheus).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parse, stringify } from "yaml";
import { localTool } from "../dist/src/tools/discover.js";
import { pool } from "../dist/src/util/pool.js";
import { mutants } from "./mutate-operators.mjs";

const root = new URL("..", import.meta.url).pathname;
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const bool = (name) => {
  const i = args.indexOf(name);
  if (i >= 0) args.splice(i, 1);
  return i >= 0;
};
const min = Number(flag("--min", "95"));
const jobs = Math.max(1, Math.min(4, Number(flag("--jobs", "2"))));
const limit = Number(flag("--limit", "0"));
/** With --limit: which of the evenly spaced mutants (the k-th of each step), so samples with
 * different offsets are disjoint. */
const offset = Number(flag("--offset", "0"));
const only = flag("--only", null);
const json = bool("--json");
/** A mutant's run may not take longer than this, or four times the unmutated run on a loaded
 * machine (a mutant that hangs counts as killed; a survivor must not time out). */
const TIMEOUT_MS = 120_000;

const USAGE = "usage: npm run mutate [-- --min 95] [--jobs 2] [--json] [--limit N [--offset K]] [--only <name>] [dir...]";
if (bool("--help") || bool("-h")) {
  console.log(USAGE);
  process.exit(0);
}
const unknown = args.find((a) => a.startsWith("-"));
const missing = args.find((a) => !a.startsWith("-") && !existsSync(a));
if (unknown || missing) {
  console.error(unknown ? `mutate: unknown option ${unknown}` : `mutate: no such folder ${missing}`);
  console.error(USAGE);
  process.exit(2);
}

const fixtures = join(root, "test", "fixtures");
const dirs = args.length
  ? args
  : [join(root, "out", "prometheus"), ...readdirSync(fixtures).map((c) => join(fixtures, c, "expected", "prometheus")).filter(existsSync)];

const promtool = localTool("promtool", root);
if (!promtool) {
  console.error("mutate: promtool not found (run npm run setup-tools)");
  process.exit(2);
}

/** The rule files of a folder with their test files (every *.rules.test.yaml naming it). */
function suites(dir) {
  const files = readdirSync(dir).sort();
  return files
    .filter((f) => f.endsWith(".rules.yaml"))
    .map((rules) => ({
      dir,
      rules,
      tests: files.filter((t) => t.endsWith(".rules.test.yaml") && (parse(readFileSync(join(dir, t), "utf8"))?.rule_files ?? []).includes(rules)),
    }))
    .filter((s) => s.tests.length && (!only || s.rules.startsWith(only)));
}

/** The test groups of a suite, each as its own promtool test file (the file's rule_files and
 * evaluation interval kept), shortest first: a mutant is killed by the first group that fails, so
 * the cheap groups run first and most mutants never pay for the long ones (runTests then moves
 * each killing group to the front). */
function groupFiles(suite) {
  const files = [];
  for (const t of suite.tests) {
    const doc = parse(readFileSync(join(suite.dir, t), "utf8"));
    (doc.tests ?? []).forEach((group, i) => {
      const text = stringify({ ...doc, tests: [group] }, { lineWidth: 0 });
      files.push({ name: `g${files.length}-${i}.${t}`, text });
    });
  }
  return files.sort((a, b) => a.text.length - b.text.length || (a.name < b.name ? -1 : 1));
}

/** promtool test rules on `doc` as the rule file, in a scratch folder, one group at a time until
 * one fails: resolves passed true when every group passed. */
async function runTests(suite, doc, timeoutMs = TIMEOUT_MS) {
  const tmp = mkdtempSync(join(tmpdir(), "svcspec-mutate-"));
  writeFileSync(join(tmp, suite.rules), stringify(doc, { lineWidth: 0 }));
  suite.groups ??= groupFiles(suite);
  for (const g of suite.groups) writeFileSync(join(tmp, g.name), g.text);
  const started = Date.now();
  let result = { passed: true, err: "" };
  // A group that killed a mutant is likely to kill its neighbours (the same operator on the next
  // rule): it moves to the front. The order changes only how soon a kill is found, never whether.
  for (const g of [...suite.groups]) {
    result = await promtoolTest(tmp, g.name, started + timeoutMs);
    if (!result.passed) {
      suite.groups = [g, ...suite.groups.filter((x) => x !== g)];
      break;
    }
  }
  rmSync(tmp, { recursive: true, force: true });
  return { ...result, ms: Date.now() - started };
}

/** One `promtool test rules` run, killed at the mutant's deadline. */
function promtoolTest(cwd, file, deadline) {
  return new Promise((resolve) => {
    const timeout = Math.max(1000, deadline - Date.now());
    const p = spawn(promtool, ["test", "rules", file], { cwd, stdio: ["ignore", "ignore", "pipe"], timeout });
    let err = "";
    p.stderr.on("data", (b) => (err = (err + b).slice(-2000)));
    p.on("close", (code) => resolve({ passed: code === 0, err }));
  });
}

const started = Date.now();
const all = dirs.flatMap(suites);
if (!all.length) {
  console.error(`mutate: no rule files with tests in ${dirs.join(", ")}`);
  process.exit(2);
}
const rows = [];
const baseline = [];
for (const suite of all) {
  const name = relative(root, join(suite.dir, suite.rules));
  const doc = parse(readFileSync(join(suite.dir, suite.rules), "utf8"));
  const clean = await runTests(suite, doc);
  if (!clean.passed) {
    console.error(`mutate: the generated tests of ${name} fail on the unmutated rules:\n${clean.err}`);
    process.exit(2);
  }
  baseline.push({ file: name, ms: clean.ms });
  const original = stringify(doc);
  const seen = new Set([original]);
  let ms = mutants(doc);
  if (limit) ms = ms.filter((_, i) => i % Math.ceil(ms.length / limit) === offset % Math.ceil(ms.length / limit));
  for (const m of ms) {
    const text = stringify(m.doc);
    if (!m.equivalent && seen.has(text)) m.equivalent = text === original ? "the change leaves the rule text as it was" : "the same rules as another mutant";
    seen.add(text);
  }
  const results = await pool(
    ms.map((m) => () => (m.equivalent ? Promise.resolve(null) : runTests(suite, m.doc, Math.max(TIMEOUT_MS, 4 * clean.ms)))),
    jobs,
  );
  ms.forEach((m, i) => rows.push({ file: name, op: m.op, where: m.where, change: m.change, equivalent: m.equivalent ?? null, killed: results[i] ? !results[i].passed : null }));
}

const ops = [...new Set(rows.map((r) => r.op))];
const table = ops.map((op) => {
  const rs = rows.filter((r) => r.op === op);
  const live = rs.filter((r) => r.equivalent === null);
  const killed = live.filter((r) => r.killed).length;
  return { op, mutants: live.length, killed, survived: live.length - killed, equivalent: rs.length - live.length };
});
const total = table.reduce((t, r) => ({ mutants: t.mutants + r.mutants, killed: t.killed + r.killed, equivalent: t.equivalent + r.equivalent }), { mutants: 0, killed: 0, equivalent: 0 });
const score = total.mutants ? (100 * total.killed) / total.mutants : 100;
const survivors = rows.filter((r) => r.equivalent === null && !r.killed);
const equivalents = rows.filter((r) => r.equivalent !== null);
const pct = (k, n) => (n ? `${((100 * k) / n).toFixed(1)}%` : "-");

if (json) {
  console.log(JSON.stringify({ score, total, table, survivors, equivalents, baseline, seconds: (Date.now() - started) / 1000 }, null, 2));
} else {
  console.log(`files: ${all.map((s) => relative(root, join(s.dir, s.rules))).join(", ")}`);
  console.log(`unmutated test run: ${baseline.map((b) => `${b.file} ${(b.ms / 1000).toFixed(2)}s`).join(", ")}`);
  console.log("");
  console.log("operator            mutants  killed  survived  equivalent  score");
  for (const r of table) console.log(`${r.op.padEnd(20)}${String(r.mutants).padStart(7)}${String(r.killed).padStart(8)}${String(r.survived).padStart(10)}${String(r.equivalent).padStart(12)}  ${pct(r.killed, r.mutants)}`);
  console.log(`${"total".padEnd(20)}${String(total.mutants).padStart(7)}${String(total.killed).padStart(8)}${String(total.mutants - total.killed).padStart(10)}${String(total.equivalent).padStart(12)}  ${pct(total.killed, total.mutants)}`);
  if (survivors.length) {
    console.log("\nsurvivors:");
    for (const s of survivors) console.log(`  ${s.file}: ${s.op}: ${s.where}: ${s.change}`);
  }
  if (equivalents.length) {
    console.log("\nequivalent (not scored):");
    for (const s of equivalents) console.log(`  ${s.file}: ${s.op}: ${s.where}: ${s.change}: ${s.equivalent}`);
  }
  console.log(`\nscore ${score.toFixed(1)}% (minimum ${min}%) in ${((Date.now() - started) / 1000).toFixed(0)}s`);
}
process.exit(score < min ? 1 : 0);
