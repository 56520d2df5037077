/** Checks of resolved values: they read the Model, where every default is applied (the tier's
 * objective and paging, the Organization's window and burn-rate table), and report at the spec
 * node each Model node was lowered from (the Origins lower() recorded). */
import { formatDuration } from "../model/duration.js";
import type * as M from "../model/model.js";
import type { Located, Origins, Source } from "../model/origins.js";
import { checkAccessTests } from "./access-tests.js";
import type { Report } from "./report.js";

/** `report` gives the Report of a lowered document. */
export function checkModel(model: M.Model, origins: Origins, report: (document: Located<unknown>) => Report): void {
  for (const service of model.services) {
    const team = model.organization.teams.find((t) => t.name === service.team) ?? null;
    for (const slo of service.slos) {
      pageWithoutReceiver(service, slo, team, origins, report);
      neverFiring(slo, origins, report);
    }
    checkAccessTests(service, origins, report);
  }
}

/** An SLO that pages needs a page receiver on its team (when teams are declared). */
function pageWithoutReceiver(service: M.Service, slo: M.Slo, team: M.Team | null, origins: Origins, report: (document: Located<unknown>) => Report): void {
  if (!(slo.alerting.page || slo.alerting.noData === "page") || !team || team.receivers.page) return;
  // At `alerting.page: true` when the SLO says so, else at the service's team.
  const at = (slo.alerting.page && origins.field(slo.alerting, "page")) || within(origins.of(service), "metadata", "team");
  if (!at) return;
  report(at.document).error("SVC038", at.path, `SLO \`${slo.name}\` pages, but team \`${team.name}\` has no page receiver`, `add receivers.page to team ${team.name} in the Organization, or set alerting.page: false`);
}

/** An alert tier whose threshold (factor x budget) is 1 or more can never fire: the error ratio
 * cannot exceed 100%. Sloth emits such rules silently; we say so. */
function neverFiring(slo: M.Slo, origins: Origins, report: (document: Located<unknown>) => Report): void {
  const at = origins.field(slo, "objective") ?? origins.field(slo, "name");
  if (!at) return;
  for (const a of slo.alerts.filter((x) => !x.canFire)) {
    report(at.document).warn("SVC045", at.path, `the ${a.severity} alert over ${formatDuration(a.long)} can never fire: it needs an error ratio of ${a.threshold} (burn factor ${a.factor} x budget ${slo.budget})`, "raise the objective, or lower budgetConsumed of that burn-rate row");
  }
}

function within(source: Source | null, ...path: (string | number)[]): Source | null {
  return source ? { document: source.document, path: [...source.path, ...path] } : null;
}
