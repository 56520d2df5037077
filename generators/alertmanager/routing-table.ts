/** The routing table the spec implies: label sets of the alerts svcspec generates (and a few it
 * does not) with the receivers Alertmanager must resolve them to. `amtool config routes test
 * --verify.receivers` checks every row against the generated config. */
import type { Model, Severity, Team } from "../../src/model/model.js";

export interface RoutingCase {
  name: string;
  /** Sorted by label name. */
  labels: Record<string, string>;
  receivers: string[];
}

export function routingTable(model: Model): RoutingCase[] {
  const org = model.organization;
  const fallback = org.defaultReceiver.name;
  const teams = new Map(org.teams.map((t) => [t.name, t]));
  const resolve = (team: string, severity: string): string => {
    const t: Team | undefined = teams.get(team);
    const r = t && (severity === "page" || severity === "ticket") ? t.receivers[severity as Severity] : null;
    return r?.name ?? fallback;
  };
  const cases: RoutingCase[] = [];
  const add = (name: string, labels: Record<string, string>) => {
    const sorted = Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
    cases.push({ name, labels: sorted, receivers: [resolve(labels["team"] ?? "", labels["severity"] ?? "")] });
  };
  // Every alert the rules can raise, with its real labels.
  for (const s of model.services) {
    for (const slo of s.slos) {
      const severities = new Set<Severity>(slo.alerts.map((a) => a.severity));
      if (slo.alerting.noData !== "none") severities.add(slo.alerting.noData);
      for (const severity of [...severities].sort()) {
        add(`${s.name} ${slo.name} ${severity}`, { alertname: slo.alerting.name, service: s.name, slo: slo.name, severity, team: s.team, tier: s.tier.name });
      }
    }
    if (s.cache?.hitRatio) add(`${s.name} cache ticket`, { alertname: "CacheHitRatioLow", service: s.name, severity: "ticket", team: s.team, tier: s.tier.name });
  }
  // Every route of the tree, whether or not a service uses it today.
  for (const t of org.teams) {
    for (const severity of ["page", "ticket"] as const) add(`team ${t.name} ${severity}`, { alertname: "Synthetic", service: "any", severity, team: t.name });
    add(`team ${t.name} without severity`, { alertname: "Synthetic", service: "any", team: t.name });
  }
  add("unknown team", { alertname: "Synthetic", service: "any", severity: "page", team: "no-such-team" });
  add("no team label", { alertname: "Synthetic", service: "any", severity: "page" });
  return cases;
}
