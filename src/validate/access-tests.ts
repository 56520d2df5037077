/** The access tests of the spec, decided by the TypeScript reference evaluator (src/access): a
 * wrong expectation fails `validate`, at the test, where no opa is needed. `svcspec verify` still
 * runs the same tests through the generated policy, in wasm and in opa. */
import { type AccessDecision, evaluateAccess } from "../access/evaluate.js";
import type * as M from "../model/model.js";
import type { Located, Origins } from "../model/origins.js";
import type { Report } from "./report.js";

const HINT = "the rules decide as the generated OPA policy does (default deny, deny wins): fix the rule, or the expectation";

export function checkAccessTests(service: M.Service, origins: Origins, report: (document: Located<unknown>) => Report): void {
  const at = origins.of(service);
  if (!service.access || !at) return;
  const access = service.access;
  const r = report(at.document);
  access.tests.forEach((t, i) => {
    const path = [...at.path, "spec", "access", "tests", i];
    const d = evaluateAccess(access, t.request);
    const got = d.allow ? "allow" : "deny";
    if (got !== t.expect) {
      r.error("SVC084", [...path, "expect"], `access test "${t.name}" expects ${t.expect}, but the rules ${got === "allow" ? "allow" : "deny"} it (${why(d)})`, HINT);
      return;
    }
    if (t.maskedFields && !sameList(t.maskedFields, d.maskedFields)) {
      r.error("SVC084", [...path, "maskedFields"], `access test "${t.name}" expects maskedFields ${JSON.stringify(t.maskedFields)}, but the decision masks ${JSON.stringify(d.maskedFields)}`, "masked are the resource's piiFields in their order, none when a granting rule has pii: true");
    }
    if (t.reason && !d.reasons.includes(t.reason)) {
      r.error("SVC084", [...path, "reason"], `access test "${t.name}" expects reason \`${t.reason}\`, but the decision's reasons are ${JSON.stringify(d.reasons)}`, HINT);
    }
  });
}

function why(d: AccessDecision): string {
  if (d.reasons.length) return `${d.allow ? "granted" : "denied"} by ${d.reasons.map((x) => `\`${x}\``).join(", ")}`;
  return "no allow rule applies: default deny";
}

/** Element by element, as `svcspec verify` compares them. */
function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
