/** The SLI as PromQL: errors and total events per second over a window, for each SLI kind. */
import type { Ratio } from "../../src/model/decimal.js";
import type { Sli } from "../../src/model/model.js";
import { unreachable } from "../../src/model/never.js";
import { labelMatcher, mergeMatchers } from "../../src/render/promql.js";

export interface SliExprs {
  /** Error events per second over the window (unparenthesised). */
  errors(window: string): string;
  /** All events per second over the window (unparenthesised). */
  total(window: string): string;
  /** total() safe as an operand of `>` (a query's own operators may bind more loosely). */
  totalOperand(window: string): string;
  /** Error events per second over the window, given `total` (the same window's total, already
   * recorded and aggregated by aggregate()) so the raw total is not read a second time. */
  errorsGiven(window: string, total: string): string;
  /** The SLI's own aggregation of a recorded series (its groupBy labels kept, service and slo
   * dropped), or null when the SLI is opaque PromQL whose labels are unknown. */
  aggregate: ((series: string) => string) | null;
}

export function sliExprs(sli: Sli): SliExprs {
  switch (sli.kind) {
    case "ratio": {
      const agg = (x: string) => (sli.groupBy.length ? `sum by (${sli.groupBy.join(", ")}) (${x})` : `sum(${x})`);
      const total = (w: string) => agg(`rate(${sli.total}[${w}])`);
      // A counter that never incremented is often not exported at all (no 5xx yet): `or 0 * total`
      // turns a missing errors (or good) series into 0 instead of an empty ratio.
      const orZero = (x: string, w: string, t: string) => `${agg(`rate(${x}[${w}])`)} or 0 * ${t}`;
      if (sli.errors !== null) {
        const errors = sli.errors;
        return { total, totalOperand: total, errors: (w) => orZero(errors, w, total(w)), errorsGiven: (w, t) => orZero(errors, w, t), aggregate: agg };
      }
      const good = sli.good ?? "";
      return { total, totalOperand: total, errors: (w) => `${total(w)} - (${orZero(good, w, total(w))})`, errorsGiven: (w, t) => `${t} - (${orZero(good, w, t)})`, aggregate: agg };
    }
    case "latency": {
      const total = (w: string) => `sum(rate(${sli.histogram}_count${sli.selector}[${w}]))`;
      const bucket = `${sli.histogram}_bucket${mergeMatchers(sli.selector, [leMatcher(sli.threshold)])}`;
      // Only while the bucket is exported now: a rate over a bucket that stopped reads its last
      // hour (say) against a total that goes on, which is a burst of false errors (a false page
      // until the 5m window empties). The no-data alert names the bucket instead.
      const errorsGiven = (w: string, t: string) => `(${t} - sum(rate(${bucket}[${w}]))) and on() count(${bucket})`;
      return { total, totalOperand: total, errors: (w) => errorsGiven(w, total(w)), errorsGiven, aggregate: (x) => `sum(${x})` };
    }
    case "query": {
      const sub = (q: string, w: string) => q.split("$window").join(w);
      const total = (w: string) => sub(sli.total, w);
      const totalOperand = (w: string) => `(${total(w)})`;
      if (sli.errors !== null) {
        const errors = sli.errors;
        return { total, totalOperand, errors: (w) => sub(errors, w), errorsGiven: (w) => sub(errors, w), aggregate: null };
      }
      const good = sli.good ?? "";
      const errors = (w: string) => `(${total(w)}) - (${sub(good, w)})`;
      return { total, totalOperand, errors, errorsGiven: errors, aggregate: null };
    }
    default:
      return unreachable(sli, "SLI kind");
  }
}

/** The `le` matcher of a classic-histogram bucket. Exporters disagree on whole numbers (Go writes
 * `1`, Python and Prometheus 3 write `1.0`), so a whole-number bound matches both. */
export function leMatcher(threshold: Ratio): string {
  const text = threshold.toString();
  return threshold.isInteger() ? labelMatcher("le", `${text}(\\.0)?`, "=~") : labelMatcher("le", text);
}

/** The `le` label value the test inputs use for a bucket bound. */
export function leValue(threshold: Ratio): string {
  return threshold.toString();
}
