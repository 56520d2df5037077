/** PromQL as the spec validator reads it: unknown functions are named with a suggestion, and
 * functions newer than Prometheus 2.42 (which the grammar knows) are refused. */
import { describe, expect, it } from "vitest";
import { checkPromql } from "../src/validate/promql.js";

describe("PromQL functions", () => {
  it("an unknown function is named, at its first character, with the closest real one", () => {
    expect(checkPromql("sum(increse(errors_total[$window]))", "windowQuery")).toEqual({ offset: 4, message: "unknown function `increse`, did you mean `increase`?" });
    expect(checkPromql("histogram_quantil(0.9, x)", "expr")).toEqual({ offset: 0, message: "unknown function `histogram_quantil`, did you mean `histogram_quantile`?" });
  });

  it("a function the grammar knows but Prometheus 2.42 does not is refused", () => {
    expect(checkPromql("sum(mad_over_time(x[$window]))", "windowQuery")?.message).toBe("function `mad_over_time` is newer than Prometheus 2.42, which svcspec's outputs target");
    expect(checkPromql('sort_by_label(x, "job")', "expr")?.offset).toBe(0);
  });

  it("2.42's functions, aggregations and keywords pass", () => {
    for (const q of ["sum by (job) (rate(x[$window]))", "histogram_quantile(0.9, sum by (le) (rate(x_bucket[$window])))", "clamp_min(sum(increase(x[$window])), 1)", "x and on (job) y", "sum without (pod) (irate(x[$window]))"]) {
      expect(checkPromql(q, "windowQuery"), q).toBeNull();
    }
  });
});
