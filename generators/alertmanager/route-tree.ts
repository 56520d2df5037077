/** The routing tree: root -> team -> severity. Alerts carry the labels the prometheus generator
 * sets (service, slo, severity, team, tier). */
import type { Model, Schedule, Severity, Team } from "../../src/model/model.js";

/** Delivery timings: pages go out fast and repeat hourly; tickets batch and repeat daily. */
export const TIMINGS = {
  root: { group_wait: "30s", group_interval: "5m", repeat_interval: "4h" },
  page: { group_wait: "30s", group_interval: "5m", repeat_interval: "1h" },
  ticket: { group_wait: "5m", group_interval: "30m", repeat_interval: "24h" },
} as const;

export const GROUP_BY = ["alertname", "service", "slo"];

/** A matcher string whose value is double-quoted and escaped: valid for Alertmanager 0.25's
 * classic parser and for the UTF-8 parser of later versions alike. */
export function matcher(name: string, op: "=" | "!=" | "=~" | "!~", value: string): string {
  return `${name}${op}"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

export function businessHoursName(team: string): string {
  return `${team}-business-hours`;
}

export function routeTree(model: Model): Record<string, unknown> {
  const org = model.organization;
  return {
    receiver: org.defaultReceiver.name,
    group_by: GROUP_BY,
    ...TIMINGS.root,
    routes: org.teams.filter((t) => t.receivers.page || t.receivers.ticket).map((t) => teamRoute(t, org.defaultReceiver.name)),
  };
}

function teamRoute(team: Team, fallback: string): Record<string, unknown> {
  const routes = (["page", "ticket"] as const).filter((s) => team.receivers[s]).map((s) => severityRoute(team, s));
  // The team node keeps the default receiver: an alert of this team with neither severity (or a
  // severity the team has no receiver for) reaches someone rather than nobody.
  return { receiver: fallback, matchers: [matcher("team", "=", team.name)], routes };
}

function severityRoute(team: Team, severity: Severity): Record<string, unknown> {
  const route: Record<string, unknown> = {
    receiver: team.receivers[severity]!.name,
    matchers: [matcher("severity", "=", severity)],
    ...TIMINGS[severity],
  };
  if (severity === "ticket" && team.businessHours) route["active_time_intervals"] = [businessHoursName(team.name)];
  return route;
}

const WEEKDAYS = { mon: "monday", tue: "tuesday", wed: "wednesday", thu: "thursday", fri: "friday", sat: "saturday", sun: "sunday" } as const;

export function timeIntervals(model: Model): Record<string, unknown>[] {
  return model.organization.teams
    .filter((t) => t.businessHours && t.receivers.ticket)
    .map((t) => ({ name: businessHoursName(t.name), time_intervals: [interval(t.businessHours!)] }));
}

function interval(s: Schedule): Record<string, unknown> {
  return { times: [{ start_time: s.fromText, end_time: s.toText }], weekdays: s.days.map((d) => WEEKDAYS[d]), location: s.timezone };
}

/** A firing page mutes the tickets of the same service and SLO, and only those: both sides must
 * carry an SLO label, or two alerts without one would count as "equal". */
export function inhibitRules(): Record<string, unknown>[] {
  return [
    {
      source_matchers: [matcher("severity", "=", "page"), matcher("slo", "=~", ".+")],
      target_matchers: [matcher("severity", "=", "ticket"), matcher("slo", "=~", ".+")],
      equal: ["service", "slo"],
    },
  ];
}
