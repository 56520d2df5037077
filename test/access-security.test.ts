/** Access that must not fail open (issue #18, findings 7 and 8), without opa: the zone names
 * validation accepts, and requests spelled in ways the service does not declare. The consumer
 * tier (test/consumer/opa.test.ts) proves the same against opa and its wasm. */
import { describe, expect, it } from "vitest";
import { acceptedZoneNames, timeZoneProblem } from "../src/validate/organization.js";
import { IANA_ZONE_NAMES } from "../src/validate/zones.js";
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
