/** kubernetes/<service>/prometheusrule.yaml: the same rule groups as a prometheus-operator
 * PrometheusRule (promtool reads only the plain file, the operator only this). */
import type { Service } from "../../src/model/model.js";

export function prometheusRule(service: Service, spec: { groups: unknown[] }): unknown {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: {
      name: `${service.name}-slo`,
      namespace: service.namespace,
      labels: { "app.kubernetes.io/managed-by": "svcspec", "svcspec.dev/service": service.name },
    },
    spec,
  };
}
