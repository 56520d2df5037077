// What the benchmarks share: timing one process, medians, and generated spec folders (scripts/bench.mjs, scripts/bench-sloth.mjs).
//  - full: copies of the example's services under new names (every section of the language);
//  - slo:  services with 3 SLOs each, one of each SLI kind (ratio, latency, query), written both
//          as svcspec specs and as Sloth `prometheus/v1` specs that say the same thing.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const TIME = "/usr/bin/time";

/** One svcspec process: wall s, CPU s (user+sys), peak RSS MB, exit code. */
export function timed(argv, cwd = root) {
  return timedCommand(process.execPath, [join(root, "bin/svcspec.js"), ...argv], cwd);
}

/** Any process under /usr/bin/time: wall s, CPU s (user+sys of the child), peak RSS MB. */
export function timedCommand(command, argv, cwd = root) {
  if (!existsSync(TIME)) throw new Error("bench: needs /usr/bin/time (GNU time, Debian package `time`) for the CPU and peak RSS of each process");
  const r = spawnSync(TIME, ["-f", "@@%e %U %S %M", command, ...argv], { cwd, encoding: "utf8", maxBuffer: 64 << 20, timeout: 600_000 });
  const line = r.stderr.split("\n").reverse().find((l) => l.startsWith("@@"));
  if (!line) throw new Error(`bench: no timing from ${argv.join(" ")}: ${r.stderr.slice(-500)}`);
  const [wall, user, sys, kb] = line.slice(2).split(" ").map(Number);
  return { wall, cpu: user + sys, rss: kb / 1024, status: r.status, stderr: r.stderr };
}

/** Flushes the page cache's dirty pages to disk (sync(1)), so no process pays for another's writes. */
export function settle() {
  spawnSync("sync", [], { stdio: "ignore", timeout: 120_000 });
}

/** `bench(n, leave)` for each size; `leave(dir)` deletes the folder after the last size, not
 * before the next: ext4 makes a process that creates files soon after a deletion pay for it. */
export function forEachSize(sizes, bench) {
  const left = [];
  try {
    for (const n of sizes) bench(n, (dir) => left.push(dir));
  } finally {
    for (const dir of left) rmSync(dir, { recursive: true, force: true });
  }
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const spread = (xs, digits) => `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)})`;


/** `n` copies of the example services (renamed `<name>-<i>`) and the example Organization. */
export function writeFullSpec(dir, n) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "services"), { recursive: true });
  writeFileSync(join(dir, "organization.yaml"), readFileSync(join(root, "spec/organization.yaml")));
  const templates = readdirSync(join(root, "spec/services")).sort().map((f) => readFileSync(join(root, "spec/services", f), "utf8"));
  for (let i = 0; i < n; i++) {
    const t = templates[i % templates.length];
    const name = /\n {2}name: ([a-z0-9-]+)/.exec(t)[1];
    writeFileSync(join(dir, "services", `${name}-${i}.yaml`), t.replace(/\n {2}name: [a-z0-9-]+/, `\n  name: ${name}-${i}`));
  }
}

/** The 3 SLOs of service `i`: the same objective, window and SLI queries in both languages. The
 * objectives vary with `i` so services are not all alike. */
export function slosOf(i) {
  const job = `svc-${i}`;
  const sel = (extra = "") => `{job="${job}"${extra}}`;
  return [
    { name: "availability", objective: ["99.9", "99.5", "99.95"][i % 3],
      svcspec: { ratio: { errors: `http_requests_total${sel(',code=~"5.."')}`, total: `http_requests_total${sel()}` } },
      sloth: { error: `sum(rate(http_requests_total${sel(',code=~"5.."')}[{{.window}}]))`, total: `sum(rate(http_requests_total${sel()}[{{.window}}]))` } },
    { name: "latency", objective: "99",
      svcspec: { latency: { histogram: "http_request_duration_seconds", selector: sel(), threshold: "300ms" } },
      sloth: { error: `(sum(rate(http_request_duration_seconds_count${sel()}[{{.window}}])) - sum(rate(http_request_duration_seconds_bucket${sel(',le="0.3"')}[{{.window}}])))`, total: `sum(rate(http_request_duration_seconds_count${sel()}[{{.window}}]))` } },
    { name: "quality", objective: "99.5",
      svcspec: { query: { errors: `sum(rate(search_fallback_total${sel()}[$window])) + sum(rate(search_failures_total${sel()}[$window]))`, total: `sum(rate(search_requests_total${sel()}[$window]))` } },
      sloth: { error: `(sum(rate(search_fallback_total${sel()}[{{.window}}])) + sum(rate(search_failures_total${sel()}[{{.window}}])))`, total: `sum(rate(search_requests_total${sel()}[{{.window}}]))` } },
  ];
}

const q = (s) => JSON.stringify(s);

const ORGANIZATION = `apiVersion: svcspec/v1
kind: Organization
metadata: { name: bench }
spec:
  slo: { window: 30d }
  teams:
    bench:
      receivers:
        page: { slack: { channel: "#bench-pages", apiUrlFile: /etc/alertmanager/secrets/slack-api-url } }
        ticket: { slack: { channel: "#bench-tickets", apiUrlFile: /etc/alertmanager/secrets/slack-api-url } }
`;

function svcspecService(i) {
  const slos = slosOf(i).map((s) => {
    const [kind, body] = Object.entries(s.svcspec)[0];
    const fields = Object.entries(body).map(([k, v]) => `          ${k}: ${q(v)}`).join("\n");
    return `    - name: ${s.name}\n      objective: ${s.objective}\n      sli:\n        ${kind}:\n${fields}`;
  });
  return `apiVersion: svcspec/v1\nkind: Service\nmetadata: { name: svc-${i}, team: bench }\nspec:\n  tier: high\n  runbook: https://runbooks.example/svc-${i}\n  slos:\n${slos.join("\n")}\n`;
}

function slothService(i) {
  const slos = slosOf(i).map((s) => `  - name: ${s.name}
    objective: ${s.objective}
    sli:
      events:
        error_query: ${q(s.sloth.error)}
        total_query: ${q(s.sloth.total)}
    alerting:
      name: SLOErrorBudgetBurn
      page_alert: { labels: { severity: page } }
      ticket_alert: { labels: { severity: ticket } }`);
  return `version: "prometheus/v1"\nservice: "svc-${i}"\nslos:\n${slos.join("\n")}\n`;
}

/** The svcspec specs of writeSloSpecs: folder -> the Organization's `outputs`. */
export const SLO_SPEC_OUTPUTS = {
  // everything: the rule files, their promtool tests, the PrometheusRules
  svcspec: null,
  // one rule file per service and nothing else: the work Sloth does
  "svcspec-rules": "{ tests: false, prometheusRule: false }",
  // the rule files and the PrometheusRules, no tests (what this row measured before #15's stop 30)
  "svcspec-rules-operator": "{ tests: false }",
};

/** `<dir>/<folder>` for each folder of SLO_SPEC_OUTPUTS (an Organization and one file per
 * service) and `<dir>/sloth` (one file per service) for `n` services. */
export function writeSloSpecs(dir, n) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "sloth"), { recursive: true });
  for (const [folder, outputs] of Object.entries(SLO_SPEC_OUTPUTS)) {
    mkdirSync(join(dir, folder, "services"), { recursive: true });
    const organization = outputs ? ORGANIZATION.replace("  slo: { window: 30d }\n", `  slo: { window: 30d }\n  outputs: ${outputs}\n`) : ORGANIZATION;
    if (organization === ORGANIZATION && outputs) throw new Error("bench: the Organization has no `slo:` line to put `outputs:` after");
    writeFileSync(join(dir, folder, "organization.yaml"), organization);
  }
  for (let i = 0; i < n; i++) {
    const service = svcspecService(i);
    for (const folder of Object.keys(SLO_SPEC_OUTPUTS)) writeFileSync(join(dir, folder, "services", `svc-${i}.yaml`), service);
    writeFileSync(join(dir, "sloth", `svc-${i}.yaml`), slothService(i));
  }
}
