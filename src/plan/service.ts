/** `service`: added, removed, renamed (with what a rename breaks), and the settings every output
 * of the service hangs on: team, tier, namespace, workload selector, runbook. */
import type { Service } from "../model/model.js";
import { dashboardPath, dashboardUid, hasDashboard } from "../model/platform.js";
import type { ServicePair } from "./match.js";
import { type Change, change } from "./types.js";
import { and, arrow, plural } from "./words.js";

const selectorText = (s: Service) => s.selector.map(([k, v]) => `${k}=${v}`).join(", ");

export function serviceChanges(p: ServicePair): Change[] {
  const { base, head } = p;
  if (!base && head) return [added(head)];
  if (base && !head) return [removed(base)];
  if (!base || !head) return [];
  const out: Change[] = [];
  const name = head.name;
  if (p.renamed) out.push(renamed(base, head));
  if (base.team !== head.team) out.push(change(name, "service", "neutral", `team ${arrow(base.team, head.team)}: its alerts go to ${head.team}'s receivers`, base.team, head.team));
  if (base.tier.name !== head.tier.name) out.push(change(name, "service", "neutral", `tier ${arrow(base.tier.name, head.tier.name)}: objectives and alerting the SLOs do not set follow the new tier`, base.tier.name, head.tier.name));
  if (base.namespace !== head.namespace) {
    out.push(change(name, "service", "neutral", `namespace ${arrow(base.namespace, head.namespace)}: its Kubernetes objects move, and Fluent Bit applies its redaction policy to pods of the new namespace`, base.namespace, head.namespace));
  }
  if (selectorText(base) !== selectorText(head)) {
    out.push(change(name, "service", "neutral", `workload selector ${arrow(selectorText(base), selectorText(head))}: chaos experiments, load tests and the redaction policy target the pods it selects`, selectorText(base), selectorText(head)));
  }
  if (base.runbook !== head.runbook) out.push(change(name, "service", "neutral", `runbook ${arrow(base.runbook ?? "none", head.runbook ?? "none")}`, base.runbook, head.runbook));
  return out;
}

function added(s: Service): Change {
  const parts = [`team ${s.team}`, `tier ${s.tier.name}`, `namespace ${s.namespace}`];
  const has = [
    s.slos.length ? plural(s.slos.length, "SLO") : "",
    s.access ? `${plural(s.access.rules.length, "access rule")} (decision path svcspec/services/${s.id}/authz/decision)` : "",
    s.pii.fields.length || s.pii.patterns.length || s.pii.added.length ? "its own redaction rules" : "",
    s.load.length ? plural(s.load.length, "load scenario") : "",
    s.chaos.length ? plural(s.chaos.length, "chaos experiment") : "",
    s.cache ? "a cache policy" : "",
  ].filter(Boolean);
  const what = has.length ? `: ${and(has)}` : "";
  const quiet = s.slos.length ? "" : "; it has no SLO, so nothing alerts on it";
  return change(s.name, "service", "neutral", `service ${s.name} added (${parts.join(", ")})${what}${quiet}`, null, s.name);
}

function removed(s: Service): Change {
  const gone: string[] = [];
  if (s.slos.length) gone.push("its SLO recording rules and burn-rate alerts");
  if (s.access) gone.push("its access policy (the OPA decision path answers nothing)");
  if (s.pii.fields.length || s.pii.patterns.length || s.pii.added.length) gone.push("its redaction rules (its logs get the Organization's defaults)");
  if (s.load.length || s.chaos.length) gone.push("its load and chaos tests");
  return change(s.name, "service", "weakens", `service ${s.name} removed${gone.length ? `: ${and(gone)} go` : ""}`, s.name, null);
}

function renamed(b: Service, h: Service): Change {
  const effects: string[] = [];
  if (b.slos.length) {
    effects.push(`the \`service\` label of its SLO series and alerts changes, so SLO history in Prometheus starts again and dashboards, silences and alerts keyed on ${b.name} break`);
  }
  if (b.access && h.access && b.id !== h.id) effects.push(`its OPA decision path moves from svcspec/services/${b.id} to svcspec/services/${h.id}: callers asking the old path get no decision`);
  const dashboard = hasDashboard(b);
  effects.push(`its generated files move (${[`k6/${b.name}/`, `kubernetes/${b.name}/`, ...(dashboard ? [dashboardPath(b.name)] : []), `docs/${b.name}.md`].join(", ")})`);
  if (dashboard && hasDashboard(h)) effects.push(`its Grafana dashboard's uid ${arrow(dashboardUid(b.name), dashboardUid(h.name))}: links and bookmarks to the old one break`);
  return change(h.name, "service", b.slos.length || b.access ? "weakens" : "neutral", `service renamed ${arrow(b.name, h.name)}: ${effects.join("; ")}`, b.name, h.name);
}
