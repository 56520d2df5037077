/** alertmanager/alertmanager.yaml, alertmanager/routes.test.yaml and the Secret that carries the
 * config for prometheus-operator users. Alertmanager 0.25 accepts every key used here: no
 * inhibit-rule `name`, no `msteams_configs`, no route `labels`. */
import type { Model } from "../../src/model/model.js";
import type { SecretRequest, TargetOutput } from "../../src/package/request.js";
import { ALERTMANAGER_SECRET } from "../../src/model/platform.js";
import { withHeader } from "../../src/render/header.js";
import { toYaml } from "../../src/render/yaml.js";
import { receiverConfig } from "./receivers.js";
import { inhibitRules, routeTree, timeIntervals } from "./route-tree.js";
import { routingTable } from "./routing-table.js";


export function alertmanagerConfig(model: Model): Record<string, unknown> {
  const org = model.organization;
  const receivers = [org.defaultReceiver, ...org.teams.flatMap((t) => [t.receivers.page, t.receivers.ticket]).filter((r) => r !== null)];
  const intervals = timeIntervals(model);
  return {
    route: routeTree(model),
    inhibit_rules: inhibitRules(),
    receivers: receivers.map(receiverConfig),
    ...(intervals.length ? { time_intervals: intervals } : {}),
  };
}

export function generateAlertmanager(model: Model): TargetOutput {
  const orgSources = [model.organization.file ?? ""].filter(Boolean);
  const config = toYaml(alertmanagerConfig(model));
  const cases = routingTable(model);
  // The table's sources: the Organization and the services that raise alerts (a row each).
  const alerting = new Set(cases.map((c) => c.labels["service"]));
  const tableSources = [...orgSources, ...model.services.filter((s) => alerting.has(s.name)).map((s) => s.file ?? "")].filter(Boolean);
  const files = [
    { path: "alertmanager/alertmanager.yaml", content: withHeader("hash", orgSources, config) },
    {
      path: "alertmanager/routes.test.yaml",
      content: withHeader("hash", tableSources, toYaml({ config: "alertmanager.yaml", cases })),
    },
  ];
  const secret: SecretRequest = {
    kind: "Secret",
    path: "kubernetes/platform/alertmanager.secret.yaml",
    sources: orgSources,
    metadata: {
      name: ALERTMANAGER_SECRET,
      namespace: model.organization.platform.namespaces.monitoring,
      labels: { "app.kubernetes.io/managed-by": "svcspec", "app.kubernetes.io/component": "alertmanager" },
    },
    stringData: [{ kind: "file", key: "alertmanager.yaml", path: "alertmanager/alertmanager.yaml" }],
  };
  return { files, packages: [secret] };
}
