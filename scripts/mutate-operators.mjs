/** Mutation operators over a generated Prometheus rule file (the parsed `groups:` document). Each
 * operator returns single mutants: one change to one rule, or to one SLO's group where the change is
 * one decision (the SLO period). A mutant that cannot change what the rules compute is returned with
 * `equivalent` set to the reason, so the harness lists it instead of dropping it. */

const RATIO = /slo:sli_error:ratio_rate(\w+)(\{[^}]*\})/g;
const MIN_EVENTS = /(avg_over_time\([^)]*\)\[\w+\]\)|[^ ]+) \* (\d+) >= ([0-9.e+-]+)/;

/** An aggregation of one svcspec recorded series selected by the SLO's identity. */
const ONE_RECORDED = /^sum(?: by \([^)]*\))? ?\(slo:[\w:]+\{service="[^"]*",slo="[^"]*"\}\)/;

const UNITS = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
/** Prometheus duration text (single unit, as svcspec writes them) to seconds. */
export function seconds(text) {
  const m = /^(\d+)([smhdw])$/.exec(text);
  return m ? Number(m[1]) * UNITS[m[2]] : null;
}
/** Seconds to the shortest Prometheus duration text of a whole unit. */
export function durationText(s) {
  for (const [u, n] of [["d", 86400], ["h", 3600], ["m", 60]]) if (s % n === 0) return `${s / n}${u}`;
  return `${s}s`;
}
/** A number as short text, 12 significant digits (no binary noise such as 0.015000000000000001). */
export const num = (x) => String(Number(x.toPrecision(12)));

const isAlert = (r) => typeof r.alert === "string";
const isBurn = (r) => isAlert(r) && /slo:sli_error:ratio_rate\w+\{/.test(r.expr);
/** The windows an SLO group records a ratio for, shortest first. */
function groupWindows(group) {
  const ws = group.rules.map((r) => /^slo:sli_error:ratio_rate(\w+)$/.exec(r.record ?? "")?.[1]).filter(Boolean);
  return ws.sort((a, b) => seconds(a) - seconds(b));
}
const periodOf = (group) => group.rules.find((r) => r.record === "svcspec_slo_info")?.labels?.window ?? null;

/** Top-level ` and ` operands of an alert expression (svcspec joins its conditions with ` and `). */
const conditions = (expr) => expr.split(" and ");

function clone(doc) {
  return JSON.parse(JSON.stringify(doc));
}

/** All mutants of one rule file: { op, where, change, doc, equivalent? }. */
export function mutants(doc) {
  const out = [];
  doc.groups.forEach((group, gi) => {
    const windows = groupWindows(group);
    const period = periodOf(group);
    const at = (ri) => `${group.name} #${ri + 1} ${group.rules[ri].alert ?? group.rules[ri].record}`;
    const edit = (op, ri, change, f, equivalent) => {
      const d = clone(doc);
      f(d.groups[gi].rules[ri], d.groups[gi]);
      const m = { op, where: at(ri), change, doc: d };
      if (equivalent) m.equivalent = equivalent;
      out.push(m);
    };
    group.rules.forEach((rule, ri) => {
      if (isAlert(rule)) alertMutants(rule, ri, windows, edit);
      else recordMutants(rule, ri, windows, edit);
    });
    if (period) periodMutant(group, gi, period, doc, out);
  });
  return out;
}

function alertMutants(rule, ri, windows, edit) {
  const burn = isBurn(rule);
  // thresholds: every comparison of a ratio (burn tiers) or of the alert's lone ratio (cache)
  for (const f of [0.95, 1.05]) {
    const re = burn ? /(slo:sli_error:ratio_rate\w+\{[^}]*\} [<>]=? )([0-9.e+-]+)/g : /( [<>]=? )([0-9.e+-]+)/g;
    if (!re.test(rule.expr)) continue;
    re.lastIndex = 0;
    edit(`threshold x${f}`, ri, `threshold x${f}`, (r) => (r.expr = r.expr.replace(re, (_, a, n) => a + num(Number(n) * f))));
  }
  if (burn) {
    // each ratio the alert reads swapped to the neighbouring recorded windows
    const refs = [...rule.expr.matchAll(RATIO)];
    refs.forEach((m, k) => {
      const i = windows.indexOf(m[1]);
      for (const w of [windows[i - 1], windows[i + 1]]) {
        if (!w) continue;
        edit("alert window", ri, `condition ${k + 1} reads ${w} instead of ${m[1]}`, (r) => {
          let n = -1;
          r.expr = r.expr.replace(RATIO, (all, win, sel) => (++n === k ? `slo:sli_error:ratio_rate${w}${sel}` : all));
        });
      }
    });
    const parts = conditions(rule.expr);
    if (parts.length > 1) {
      parts.forEach((p, k) =>
        edit("drop condition", ri, `without condition ${k + 1} (${p.slice(0, 40)}...)`, (r) => (r.expr = parts.filter((_, j) => j !== k).join(" and "))),
      );
      for (let k = 0; k < parts.length - 1; k++) {
        edit("and -> or", ri, `condition ${k + 1} and ${k + 2} joined by or`, (r) => (r.expr = parts.slice(0, k + 1).join(" and ") + " or " + parts.slice(k + 1).join(" and ")));
      }
    }
    const me = MIN_EVENTS.exec(rule.expr);
    if (me) {
      for (const f of [0.95, 1.05]) edit("minEvents", ri, `minEvents ${me[3]} x${f}`, (r) => (r.expr = r.expr.replace(MIN_EVENTS, (_, a, s, n) => `${a} * ${s} >= ${num(Number(n) * f)}`)));
    }
  }
  const hold = seconds(rule.for ?? "0s") ?? 0;
  for (const d of [-60, 60]) {
    if (hold + d < 0) continue;
    edit("for", ri, `for ${rule.for ?? "0s"} ${d < 0 ? "-" : "+"}1m`, (r) => (r.for = durationText(hold + d)));
  }
}

function recordMutants(rule, ri, windows, edit) {
  // a recording rule over another range: half and double the range of every selector in it
  const ranges = [...new Set([...rule.expr.matchAll(/\[(\d+[smhdw])\]/g)].map((m) => m[1]))];
  for (const range of ranges) {
    for (const f of [0.5, 2]) {
      const to = durationText(seconds(range) * f);
      edit("recording range", ri, `[${range}] -> [${to}]`, (r) => (r.expr = r.expr.split(`[${range}]`).join(`[${to}]`)));
    }
  }
  // sum -> max: every aggregation of the rule; the `or 0 * sum(...)` operand only turns a missing
  // series into 0 and is 0 whatever it aggregates, so mutating it alone is equivalent
  const sums = [...rule.expr.matchAll(/\bsum(_over_time)?\b/g)];
  sums.forEach((m, k) => {
    const guard = rule.expr.slice(Math.max(0, m.index - 4), m.index) === "0 * ";
    // `sum(slo:...{service=..,slo=..})` drops the labels of the one series svcspec records per
    // SLO (and group): any aggregation of one series is that series
    const single = !m[1] && ONE_RECORDED.test(rule.expr.slice(m.index));
    edit(
      "sum -> max",
      ri,
      `aggregation ${k + 1} (${m[0]}) -> max`,
      (r) => {
        let n = -1;
        r.expr = r.expr.replace(/\bsum(_over_time)?\b/g, (all, ot) => (++n === k ? `max${ot ?? ""}` : all));
      },
      guard
        ? "the `or 0 * ...` guard is multiplied by 0: any aggregation of a finite rate gives the same 0"
        : single
          ? "it aggregates the one series svcspec records per SLO and group: max of one series is the series"
          : undefined,
    );
  });
  // metadata: the objective, budget, period burn rate and budget remaining
  const meta = { "slo:objective:ratio": 1, "slo:error_budget:ratio": 1, "slo:period_burn_rate:ratio": 1, "slo:period_error_budget_remaining:ratio": 1 };
  if (meta[rule.record]) {
    const last = /([0-9.]+)\)?$/;
    for (const f of [0.95, 1.05]) {
      edit("metadata", ri, `constant x${f}`, (r) => (r.expr = r.expr.replace(last, (all, n) => all.replace(n, num(Number(n) * f)))));
    }
    const m = /ratio_rate(\w+)/.exec(rule.expr);
    if (m) {
      const i = windows.indexOf(m[1]);
      const w = windows[i - 1];
      if (w) edit("metadata", ri, `reads ${w} instead of ${m[1]}`, (r) => (r.expr = r.expr.replace(`ratio_rate${m[1]}`, `ratio_rate${w}`)));
    }
    if (rule.record === "slo:period_error_budget_remaining:ratio") edit("metadata", ri, "1 - x -> 1 + x", (r) => (r.expr = r.expr.replace(/^1 - /, "1 + ")));
  }
}

/** A 28d SLO alerting with the thresholds of a 30d one (and the reverse): every tier's threshold
 * scaled by the two periods' ratio, one mutant per SLO. */
function periodMutant(group, gi, period, doc, out) {
  const p = seconds(period);
  const other = p === 28 * 86400 ? 30 * 86400 : 28 * 86400;
  const d = clone(doc);
  let changed = false;
  for (const r of d.groups[gi].rules) {
    if (!isAlert(r) || !isBurn(r)) continue;
    r.expr = r.expr.replace(/(slo:sli_error:ratio_rate\w+\{[^}]*\} > )([0-9.e+-]+)/g, (_, a, n) => a + num((Number(n) * other) / p));
    changed = true;
  }
  if (changed) out.push({ op: "period", where: `${group.name}`, change: `${period} SLO with ${durationText(other)} thresholds`, doc: d });
}
