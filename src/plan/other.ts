/** The fallback: a setting of the Model the planner does not classify still appears, as "other
 * change in <path>", so a plan never hides a change. Every key of the Organization and of a Service
 * is either classified (CLASSIFIED, by the other modules) or compared here, so a field added to
 * the Model later is reported here until the planner learns it. */
import type { Organization, Service } from "../model/model.js";
import { type Change, change } from "./types.js";
import { same } from "./words.js";

/** Key paths another module reports (`file` is where it came from, not what it is). */
const ORGANIZATION_CLASSIFIED = new Set(["file", "tiers", "slo", "teams", "defaultReceiver", "deployPolicy", "logs", "access.networks", "access.sensitiveAttributes", "pii.defaults", "outputs.tests", "outputs.prometheusRule"]);
const SERVICE_CLASSIFIED = new Set(["file", "name", "id", "team", "namespace", "tier", "runbook", "selector", "slos", "cache", "access", "load", "chaos", "logs", "pii.detectors", "pii.added", "pii.fields", "pii.patterns"]);
/** Objects whose keys are compared one by one, as some are classified. */
const NESTED = new Set(["access", "pii", "outputs"]);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The key paths (one level into NESTED) whose values differ and that nothing classifies. */
export function unclassified(b: object, a: object, classified: ReadonlySet<string>): string[] {
  const x = b as Record<string, unknown>;
  const y = a as Record<string, unknown>;
  const out: string[] = [];
  for (const key of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) {
    if (classified.has(key)) continue;
    const [u, v] = [x[key], y[key]];
    if (NESTED.has(key) && isObject(u) && isObject(v)) {
      const inner = new Set([...classified].filter((p) => p.startsWith(`${key}.`)).map((p) => p.slice(key.length + 1)));
      out.push(...unclassified(u, v, inner).map((p) => `${key}.${p}`));
    } else if (!same(u, v)) out.push(key);
  }
  return out;
}

function line(service: string | null, path: string): Change {
  return change(service, "other", "neutral", `other change in ${path}: the plan does not classify it; review the spec diff`);
}

/** outputs.tests: the generated tests come or go for every service (slo, as most of them are the
 * rules' promtool tests). outputs.prometheusRule: every service's PrometheusRule comes or goes (a
 * weakening when it goes: where prometheus-operator loads the rules, the alerts stop). */
export function organizationOutputs(b: Organization, a: Organization): Change[] {
  return [...outputsTests(b, a), ...outputsPrometheusRule(b, a)];
}

function outputsTests(b: Organization, a: Organization): Change[] {
  if (b.outputs.tests === a.outputs.tests) return [];
  const what = "the promtool tests of every service's rules and the OPA tests of the policies";
  return a.outputs.tests
    ? [change(null, "slo", "strengthens", `generated tests turned on: ${what} are generated again, and \`svcspec verify\` runs them`, "false", "true")]
    : [change(null, "slo", "weakens", `generated tests turned off: ${what} are no longer generated, so \`svcspec verify\` no longer proves what the rules and policies do`, "true", "false")];
}

function outputsPrometheusRule(b: Organization, a: Organization): Change[] {
  if (b.outputs.prometheusRule === a.outputs.prometheusRule) return [];
  const what = "every service's kubernetes/<service>/prometheusrule.yaml";
  return a.outputs.prometheusRule
    ? [change(null, "slo", "neutral", `PrometheusRules turned on: ${what} is generated again, and listed in the service's kustomization`, "false", "true")]
    : [change(null, "slo", "weakens", `PrometheusRules turned off: ${what} is no longer generated; where prometheus-operator loads the rules, the recording rules and alerts stop (the rule files stay)`, "true", "false")];
}

export function organizationOther(b: Organization, a: Organization): Change[] {
  return unclassified(b, a, ORGANIZATION_CLASSIFIED).map((p) => line(null, p));
}

/** A service's sensitive keys hold the Organization's too: only its own are compared here. */
export function serviceOther(b: Service, a: Service, orgB: Organization, orgA: Organization): Change[] {
  const own = (s: Service, o: Organization) => ({ ...s, pii: { ...s.pii, sensitiveKeys: s.pii.sensitiveKeys.filter((k) => !o.pii.sensitiveKeys.includes(k)) } });
  return unclassified(own(b, orgB), own(a, orgA), SERVICE_CLASSIFIED).map((p) => line(a.name, p));
}
