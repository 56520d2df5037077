/** Access that must not fail open (issue #18, findings 7 and 8), without opa: the zone names
 * validation accepts, and requests spelled in ways the service does not declare. The consumer
 * tier (test/consumer/opa.test.ts) proves the same against opa and its wasm. */
import { describe, expect, it } from "vitest";
import { accessCases } from "../src/access/cases.js";
import { evaluateAccess } from "../src/access/evaluate.js";
import { acceptedZoneNames, timeZoneProblem } from "../src/validate/organization.js";
import { IANA_ZONE_NAMES } from "../src/validate/zones.js";
import { modelOf } from "./helpers.js";
import { ICU_ONLY_ZONES } from "./support/zones.js";

describe("finding 7: only zone names every engine loads identically", () => {
  it.each(ICU_ONLY_ZONES)("%s, which ICU knows and Go does not, is rejected with the IANA name as hint", (zone, iana) => {
    const p = timeZoneProblem(zone);
    expect(p, `${zone} accepted`).not.toBeNull();
    expect(p!.message).toMatch(/is not a name of the IANA database: OPA and Alertmanager \(Go\) cannot load it/);
    if (iana) expect(p!.hint).toContain(`write "${iana}", the IANA name ICU reads "${zone}" as`);
    else expect(p!.hint).toMatch(/use an IANA name such as Europe\/Berlin/);
  });

  it("accepts exactly the IANA names ICU knows too, spelled exactly", () => {
    const accepted = acceptedZoneNames();
    expect(accepted.length).toBeGreaterThan(550);
    for (const z of accepted) expect(IANA_ZONE_NAMES).toContain(z);
    for (const z of accepted) expect(timeZoneProblem(z), z).toBeNull();
    expect(accepted).not.toContain("Factory"); // Go loads it, ICU does not
  });
});

describe("finding 8: names match exactly; a spelling the service does not declare is allowed by no rule", () => {
  const checkout = () => modelOf("spec").services.find((s) => s.name === "checkout")!.access!;
  // the example's own test: an admin refunding from a CI runner is denied by no-changes-from-ci
  const ciRefund = { subject: { id: "ci-bot", roles: ["admin"], mfa: true }, action: "refund", resource: { type: "orders" }, environment: { ip: "10.8.200.17", time: "2026-11-23T10:00:00+01:00" } };
  const adminRead = { subject: { id: "u-9", roles: ["admin"], mfa: true }, action: "read", resource: { type: "orders" }, environment: { ip: "10.8.3.4", time: "2026-11-23T10:00:00+01:00" } };

  it("as declared: the deny rule applies, and the admin reads orders masked", () => {
    expect(evaluateAccess(checkout(), ciRefund)).toEqual({ allow: false, reasons: ["no-changes-from-ci"], maskedFields: ["customer.email", "customer.phone", "payment.card"] });
    expect(evaluateAccess(checkout(), adminRead)).toEqual({ allow: true, reasons: ["admins-manage-orders"], maskedFields: ["customer.email", "customer.phone", "payment.card"] });
  });

  it.each(["REFUND", "Refund", "*", "refund ", "WRITE"])("action %j from a CI runner does not escape no-changes-from-ci", (action) => {
    const d = evaluateAccess(checkout(), { ...ciRefund, action });
    expect(d.allow).toBe(false);
  });

  it.each(["ORDERS", "Orders", "*"])("resource type %j is not allowed by admins-manage-orders (it was, with no PII masking)", (type) => {
    const d = evaluateAccess(checkout(), { ...adminRead, resource: { type } });
    expect(d).toEqual({ allow: false, reasons: [], maskedFields: [] });
  });

  it("an action another resource declares is not allowed on this one", () => {
    const payments = modelOf("spec").services.find((s) => s.name === "payments-api")!.access!;
    const approver = { subject: { id: "u-5", roles: ["engineer"], mfa: true, attributes: { approver: true, department: "finance" } }, action: "approve", resource: { type: "payouts" }, environment: { ip: "10.8.9.9", time: "2026-11-24T11:00:00+01:00" } };
    expect(evaluateAccess(payments, approver).allow).toBe(true);
    expect(evaluateAccess(payments, { ...approver, resource: { type: "payments" } }).allow).toBe(false);
  });

  it("the generated boundary cases hold the respelt requests, each denied", () => {
    const cases = accessCases(checkout());
    const respelt = cases.filter((c) => /(action|resource type) (\S+|"\*")$/.test(c.name));
    expect(respelt.length).toBeGreaterThan(20);
    for (const c of respelt) expect(c.expect.allow, c.name).toBe(false);
    expect(cases.map((c) => c.name)).toContain("no-changes-from-ci and admins-manage-orders both met, action WRITE");
    expect(cases.find((c) => c.name === "no-changes-from-ci and admins-manage-orders both met")!.expect.reasons).toEqual(["no-changes-from-ci"]);
  });
});
