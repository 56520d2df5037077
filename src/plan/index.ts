/** The planner: two compiled specs in, the changes between them out, in production terms. Pure:
 * no disk, git or clock (the CLI, `svcspec plan`, reads both sides and compiles them). */
import { accessChanges, deployChanges } from "./access.js";
import { cacheChanges, chaosChanges, loadChanges } from "./checks.js";
import { fileChanges } from "./files.js";
import { logChanges, organizationLogs } from "./logs.js";
import { decisionLogMaskChanges } from "./mask.js";
import { matchServices, pairName } from "./match.js";
import { organizationOther, organizationOutputs, serviceOther } from "./other.js";
import { organizationPii, piiChanges } from "./pii.js";
import { routingChanges } from "./routing.js";
import { serviceChanges } from "./service.js";
import { sloChanges } from "./slo.js";
import { AREAS, type Change, type Plan, type Side } from "./types.js";

export type { Area, Change, Effect, FileChanges, Plan, Side } from "./types.js";
export { AREAS, EFFECTS } from "./types.js";

export function plan(base: Side, head: Side): Plan {
  const ob = base.model.organization;
  const oh = head.model.organization;
  const pairs = matchServices(base.model, head.model);
  const changes: Change[] = [
    ...organizationPii(ob, oh),
    ...decisionLogMaskChanges(ob, oh),
    ...organizationLogs(ob.logs, oh.logs),
    ...deployChanges(ob.deployPolicy, oh.deployPolicy),
    ...routingChanges(base, head, pairs),
    ...organizationOutputs(ob, oh),
    ...organizationOther(ob, oh),
  ];
  for (const p of pairs) {
    const name = pairName(p);
    changes.push(...serviceChanges(p));
    // An added or removed service is one line that says what comes or goes.
    if (!p.base || !p.head) continue;
    changes.push(
      ...accessChanges(p, ob, oh),
      ...sloChanges(name, p.base.slos, p.head.slos),
      ...piiChanges(name, p.base.pii, p.head.pii, ob, oh),
      ...loadChanges(name, p.base.load, p.head.load),
      ...chaosChanges(name, p.base.chaos, p.head.chaos),
      ...cacheChanges(name, p.base.cache, p.head.cache),
      ...logChanges(name, p.base.logs, p.head.logs, ob.logs, oh.logs),
      ...serviceOther(p.base, p.head, ob, oh),
    );
  }
  return { changes: sortChanges(changes), files: fileChanges(base.files, head.files) };
}

/** The Organization's first, then by service, by area; in the order found within an area. */
function sortChanges(changes: readonly Change[]): Change[] {
  const rank = (c: Change) => AREAS.indexOf(c.area);
  return changes
    .map((c, i) => ({ c, i }))
    .sort((x, y) => {
      const sx = x.c.service ?? "";
      const sy = y.c.service ?? "";
      if (sx !== sy) return x.c.service === null ? -1 : y.c.service === null ? 1 : sx < sy ? -1 : 1;
      return rank(x.c) - rank(y.c) || x.i - y.i;
    })
    .map(({ c }) => c);
}

export function weakening(p: Plan): Change[] {
  return p.changes.filter((c) => c.effect === "weakens");
}
