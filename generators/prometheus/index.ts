/** prometheus/<service>.rules.yaml, its promtool unit tests prometheus/<service>.rules.test.yaml,
 * and kubernetes/<service>/prometheusrule.yaml, for every service with SLOs or a cache hit-ratio
 * objective. One rule group per SLO: Prometheus evaluates a group's rules in order, so alerts
 * see the ratios recorded at the same timestamp. */
import type { Model, Service } from "../../src/model/model.js";
import type { GeneratedFile } from "../../src/output/fileset.js";
import { withHeader } from "../../src/render/header.js";
import { toYaml } from "../../src/render/yaml.js";
import { prometheusRule } from "../kubernetes/prometheusrule.js";
import { sloAlerts } from "./alerts.js";
import { cacheGroup } from "./cache.js";
import { recordingRules } from "./recording.js";
import { renderGroups } from "./render.js";
import { ruleTests } from "./tests.js";
import type { RuleGroup } from "./types.js";

/** Whether serviceGroups has anything to say, without building the rules. */
export function hasRuleGroups(service: Service): boolean {
  return service.slos.length > 0 || cacheGroup(service) !== null;
}

export function serviceGroups(service: Service): RuleGroup[] {
  const groups: RuleGroup[] = service.slos.map((slo) => ({
    name: `svcspec-slo-${service.name}-${slo.name}`,
    rules: [...recordingRules(service, slo), ...sloAlerts(service, slo)],
  }));
  const cache = cacheGroup(service);
  if (cache) groups.push(cache);
  return groups;
}

export function generatePrometheus(model: Model): GeneratedFile[] {
  return model.services.flatMap((service) => {
    const groups = serviceGroups(service);
    if (!groups.length) return [];
    const header = (body: string) => withHeader("hash", [service.file ?? ""], body);
    const spec = renderGroups(groups);
    const rulesFile = `${service.name}.rules.yaml`;
    return [
      { path: `prometheus/${rulesFile}`, content: header(toYaml(spec)) },
      { path: `prometheus/${service.name}.rules.test.yaml`, content: header(ruleTests(service, rulesFile)) },
      { path: `kubernetes/${service.name}/prometheusrule.yaml`, content: header(toYaml(prometheusRule(service, spec))) },
    ];
  });
}
