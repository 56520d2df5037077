/** Rule groups as the plain objects a rule file (and a PrometheusRule's spec) holds. */
import { templateLiteral } from "../../src/render/go-template.js";
import type { RuleGroup } from "./types.js";

/** Prometheus expands alert labels and annotations as Go templates; spec strings are literal. */
const literalMap = (pairs: readonly [string, string][]) => Object.fromEntries(pairs.map(([k, v]) => [k, templateLiteral(v)]));

export function renderGroups(groups: readonly RuleGroup[]): { groups: unknown[] } {
  return {
    groups: groups.map((g) => ({
      name: g.name,
      rules: g.rules.map((r) =>
        "record" in r
          ? { record: r.record, expr: r.expr, labels: Object.fromEntries(r.labels) }
          : { alert: r.alert, expr: r.expr, for: r.for, labels: literalMap(r.labels), annotations: literalMap(r.annotations) },
      ),
    })),
  };
}
