/** prometheus/<service>.rules.yaml, its promtool unit tests prometheus/<service>.rules.test.yaml,
 * and the same rule groups as a prometheus-operator PrometheusRule, kubernetes/<service>/prometheusrule.yaml
 * (promtool reads only the plain file, the operator only the object; the Organization's
 * outputs.prometheusRule false leaves the object out), for every service with SLOs
 * or a cache hit-ratio objective. One rule group per SLO: Prometheus evaluates a group's rules in order, so alerts
 * see the ratios recorded at the same timestamp. */
import type { Model, Organization, Service } from "../../src/model/model.js";
import { joinOutputs, type TargetOutput } from "../../src/package/request.js";
import { withHeader } from "../../src/render/header.js";
import { commonLabels } from "../../src/render/kubernetes.js";
import { toYaml } from "../../src/render/yaml.js";
import { sloAlerts } from "./alerts.js";
import { cacheGroup } from "./cache.js";
import { recordingRules } from "./recording.js";
import { renderGroups } from "./render.js";
import { historyRuleTests } from "./history-tests.js";
import { ruleTests } from "./tests.js";
import type { RuleGroup } from "./types.js";

export function serviceGroups(service: Service): RuleGroup[] {
  const groups: RuleGroup[] = service.slos.map((slo) => ({
    name: `svcspec-slo-${service.name}-${slo.name}`,
    rules: [...recordingRules(service, slo), ...sloAlerts(service, slo)],
  }));
  const cache = cacheGroup(service);
  if (cache) groups.push(cache);
  return groups;
}

/** One service's rule file, its tests (unless the Organization's outputs.tests is off) and its
 * PrometheusRule (unless outputs.prometheusRule is off): a function of the service and the
 * Organization alone, so its result can be cached. */
export function prometheusService(organization: Organization, service: Service): TargetOutput {
  const out: TargetOutput = { files: [], packages: [] };
  const groups = serviceGroups(service);
  if (!groups.length) return out;
  const sources = [service.file ?? ""];
  const spec = renderGroups(groups);
  const rulesFile = `${service.name}.rules.yaml`;
  out.files.push({ path: `prometheus/${rulesFile}`, content: withHeader("hash", sources, toYaml(spec)) });
  if (organization.outputs.tests) {
    out.files.push({ path: `prometheus/${service.name}.rules.test.yaml`, content: withHeader("hash", sources, ruleTests(service, rulesFile)) });
    const history = historyRuleTests(service, rulesFile);
    if (history) out.files.push({ path: `prometheus/${service.name}.history.rules.test.yaml`, content: withHeader("hash", sources, history) });
  }
  if (!organization.outputs.prometheusRule) return out;
  out.packages.push({
    kind: "PrometheusRule",
    path: `kubernetes/${service.name}/prometheusrule.yaml`,
    sources,
    metadata: { name: `${service.name}-slo`, namespace: service.namespace, labels: commonLabels(service) },
    // the groups as the rule file renders them, nested under spec: (rendered once)
    specFile: `prometheus/${rulesFile}`,
  });
  return out;
}

export function generatePrometheus(model: Model): TargetOutput {
  return joinOutputs(model.services.map((s) => prometheusService(model.organization, s)));
}
