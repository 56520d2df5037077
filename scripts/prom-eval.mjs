// Pure helpers of scripts/bench-prometheus.mjs (no process, no file, no network): the synthetic raw
// series of the generated SLO services (scripts/bench-support.mjs's slosOf), the recorded series a
// rule set reads back over a range (its history must be backfilled too, or a 30d rule reads
// nothing), and reading Prometheus's own /metrics text. Unit-tested in test/prom-eval.test.ts.

const DAY = 86400;

/** Per-instance request rate of service `i`, instance `k` (req/s): 5-11 req/s, +25% a further instance. */
const rateOf = (i, k) => (5 + (i % 7)) * (1 + 0.25 * k);

/** Requests served by (i, k) from the data's start up to `tau` seconds after it: a daily wave
 * between 0.5x and 1.5x of the base rate (its derivative never falls below 0.5x, so counters only
 * grow). */
function requests(i, k, tau) {
  const r = rateOf(i, k);
  return r * (tau + (0.5 * DAY / (2 * Math.PI)) * (1 - Math.cos((2 * Math.PI * tau) / DAY)));
}

/** Extra events of an incident of `rate` events/s from `from` for `len` seconds, up to `tau`. */
const incident = (tau, from, len, rate) => rate * Math.min(len, Math.max(0, tau - from));

/** When service i's incidents start (seconds after the data's start): on day 1-27, at hour i%24. */
const incidentAt = (i) => DAY * (1 + (i % 27)) + 3600 * (i % 24);

const ERROR_SHARE = [0.0004, 0.001, 0.002];

/** The cumulative event counts of service i, instance k at tau (seconds after the data's start),
 * by role: what the three SLOs of slosOf(i) read. */
export function events(i, k, tau) {
  const c = requests(i, k, tau);
  const r = rateOf(i, k);
  const at = incidentAt(i);
  const errors = ERROR_SHARE[i % 3] * c + incident(tau, at, 1200, 0.05 * r); // 20 min at +5% 5xx
  const fast = 0.996 * c - incident(tau, at + 7200, 900, 0.3 * r); // 15 min with 30% more slow requests
  const searches = 1.5 * c;
  const fallbacks = 0.002 * searches;
  const failures = 0.001 * searches + incident(tau, at + 3 * 3600, 1800, 0.02 * 1.5 * r);
  return { requests: c, errors, ok: c - errors, count: c, le01: 0.7 * c, le03: fast, le1: 0.999 * c, searches, fallbacks, failures };
}

export const INSTANCES = 2;

/** The raw series of service i: [series text, role] (20 a service with 2 instances). */
export function rawSeries(i) {
  const out = [];
  for (let k = 0; k < INSTANCES; k++) {
    const l = (extra = "") => `{job="svc-${i}",instance="svc-${i}-${k}"${extra}}`;
    out.push(
      [k, `http_requests_total${l(',code="200"')}`, "ok"],
      [k, `http_requests_total${l(',code="500"')}`, "errors"],
      [k, `http_request_duration_seconds_count${l()}`, "count"],
      [k, `http_request_duration_seconds_bucket${l(',le="0.1"')}`, "le01"],
      [k, `http_request_duration_seconds_bucket${l(',le="0.3"')}`, "le03"],
      [k, `http_request_duration_seconds_bucket${l(',le="1"')}`, "le1"],
      [k, `http_request_duration_seconds_bucket${l(',le="+Inf"')}`, "count"],
      [k, `search_requests_total${l()}`, "searches"],
      [k, `search_fallback_total${l()}`, "fallbacks"],
      [k, `search_failures_total${l()}`, "failures"],
    );
  }
  return out.map(([k, series, role]) => ({ i, k, series, role }));
}

/** Counter values are whole events (floor keeps them monotonic). */
export const rawValue = (s, tau) => Math.floor(events(s.i, s.k, Math.max(0, tau))[s.role]);

/** Prometheus text exposition of every raw series of services 0..n-1 at tau. */
export function exposition(n, tau) {
  const lines = [];
  for (let i = 0; i < n; i++) for (const s of rawSeries(i)) lines.push(`${s.series} ${rawValue(s, tau)}`);
  return lines.join("\n") + "\n";
}

/** The SLI's errors and total events of an SLO of slosOf(i) over all instances at tau. */
function sli(i, slo, tau) {
  let errors = 0;
  let total = 0;
  for (let k = 0; k < INSTANCES; k++) {
    const e = events(i, k, Math.max(0, tau));
    if (slo === "availability") { errors += e.errors; total += e.requests; }
    else if (slo === "latency") { errors += e.count - e.le03; total += e.count; }
    else if (slo === "quality") { errors += e.fallbacks + e.failures; total += e.searches; }
    else throw new Error(`prom-eval: unknown SLO ${slo}`);
  }
  return { errors, total };
}

const UNIT = { s: 1, m: 60, h: 3600, d: DAY, w: 7 * DAY };
export const seconds = (d) => {
  const m = /^(\d+)([smhdw])$/.exec(d);
  if (!m) throw new Error(`prom-eval: not a duration: ${d}`);
  return Number(m[1]) * UNIT[m[2]];
};

/** What a recorded SLO series held at tau, had its rule run then: errors or total rate, or the
 * error ratio, over its window, from the same events as the raw series. Its name and labels say
 * which (svcspec: service, slo; Sloth: sloth_service, sloth_slo). */
export function recordedValue(name, labels, tau) {
  const m = /^slo:sli_(errors|total):rate(\w+)$/.exec(name) ?? /^slo:sli_(error):ratio_rate(\w+)$/.exec(name);
  const service = labels.service ?? labels.sloth_service;
  const slo = labels.slo ?? labels.sloth_slo;
  if (!m || !service || !slo) throw new Error(`prom-eval: no history known for ${name}${JSON.stringify(labels)}`);
  const i = Number(/^svc-(\d+)$/.exec(service)?.[1] ?? NaN);
  const w = seconds(m[2]);
  const now = sli(i, slo, tau);
  const then = sli(i, slo, tau - w);
  const errors = (now.errors - then.errors) / w;
  const total = (now.total - then.total) / w;
  return m[1] === "errors" ? errors : m[1] === "total" ? total : errors / total;
}

const METRIC = /([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?\s*\[(\d+[smhdw])\]/g;

/** Equality matchers of a selector's `{...}` (=~, != and !~ left out). */
export function equalityMatchers(braces) {
  const out = {};
  for (const m of (braces ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!=|!~|=)\s*"((?:[^"\\]|\\.)*)"/g)) if (m[2] === "=") out[m[1]] = m[3];
  return out;
}

/** The recorded series (names with a colon) some rule reads over a range (`x{...}[30d]`, also
 * under offset), each with the labels its recording rule gives it: their history must exist for the
 * rule to read what it would read in a Prometheus that had run the rules for weeks. `groups` is
 * the parsed rule files' groups. Throws when no recording rule makes a series that is read. */
export function rangeReadSeries(groups) {
  const rules = groups.flatMap((g) => g.rules ?? []);
  const recording = rules.filter((r) => r.record);
  const found = new Map();
  for (const r of rules) {
    for (const m of String(r.expr).matchAll(METRIC)) {
      const name = m[1];
      if (!name.includes(":")) continue;
      const want = equalityMatchers(m[2]);
      const makers = recording.filter((x) => x.record === name && Object.entries(want).every(([k, v]) => (x.labels ?? {})[k] === v));
      if (makers.length === 0) throw new Error(`prom-eval: ${name}${m[2] ?? ""}[${m[3]}] is read but no recording rule makes it`);
      for (const x of makers) {
        const labels = Object.fromEntries(Object.entries(x.labels ?? {}).map(([k, v]) => [k, String(v)]).sort(([a], [b]) => (a < b ? -1 : 1)));
        const key = name + JSON.stringify(labels);
        if (!found.has(key)) found.set(key, { name, labels, longest: m[3] });
        else if (seconds(m[3]) > seconds(found.get(key).longest)) found.get(key).longest = m[3];
      }
    }
  }
  return [...found.values()];
}

/** A series as exposition text: name{k="v",...}. */
export const seriesText = (name, labels) => `${name}{${Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}}`;

/** Prometheus text exposition (0.0.4) as samples; comments and blank lines skipped. Label values
 * may hold escaped quotes; a value is a float, +Inf, -Inf or NaN. */
export function parseMetrics(text) {
  const out = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\S+)?$/.exec(line);
    if (!m) throw new Error(`prom-eval: not a sample line: ${line.slice(0, 200)}`);
    const labels = {};
    for (const l of (m[3] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2].replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));
    out.push({ name: m[1], labels, value: Number(m[4].replace(/^\+?Inf$/, "Infinity").replace(/^-Inf$/, "-Infinity")) });
  }
  return out;
}

/** Sum of a metric's samples whose labels include `where`. */
export function metricSum(samples, name, where = {}) {
  let sum = 0;
  for (const s of samples) if (s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v)) sum += s.value;
  return sum;
}

/** One value per label `by` of a metric (e.g. each rule group's last duration). */
export function metricBy(samples, name, by) {
  const out = new Map();
  for (const s of samples) if (s.name === name && s.labels[by] !== undefined) out.set(s.labels[by], (out.get(s.labels[by]) ?? 0) + s.value);
  return out;
}

/** What a measured window says, from /metrics before and after it: evaluation rounds (group
 * iterations over groups), Prometheus's CPU seconds, rule-group time,
 * and the failures that make the benchmark invalid. */
export function measure(before, after) {
  const d = (name, where) => metricSum(after, name, where) - metricSum(before, name, where);
  const groups = metricBy(after, "prometheus_rule_group_rules", "rule_group");
  const rules = [...groups.values()].reduce((a, b) => a + b, 0);
  const iterations = d("prometheus_rule_group_iterations_total");
  const rounds = groups.size ? iterations / groups.size : 0;
  return {
    groups: groups.size,
    rules,
    rounds,
    cpu: d("process_cpu_seconds_total"),
    groupSeconds: d("prometheus_rule_group_duration_seconds_sum"),
    ruleSeconds: d("prometheus_rule_evaluation_duration_seconds_sum"),
    missed: d("prometheus_rule_group_iterations_missed_total"),
    failures: metricSum(after, "prometheus_rule_evaluation_failures_total"),
    compactions: d("prometheus_tsdb_compactions_total"),
    lastDurations: metricBy(after, "prometheus_rule_group_last_duration_seconds", "rule_group"),
  };
}

/** Why a measured window cannot stand (an empty list when it can). */
export function problems(m, expect) {
  const out = [];
  if (m.groups === 0) out.push("no rule group is loaded");
  if (expect.rules !== undefined && m.rules !== expect.rules) out.push(`${m.rules} rules loaded, the files hold ${expect.rules}`);
  if (expect.groups !== undefined && m.groups !== expect.groups) out.push(`${m.groups} rule groups loaded, the files hold ${expect.groups}`);
  if (m.failures > 0) out.push(`${m.failures} rule evaluation failures`);
  if (m.groups > 0 && m.rounds < 1) out.push("no evaluation round in the window");
  return out;
}
