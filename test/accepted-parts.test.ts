/** Issue #16, problems in one run: when the schema rejects part of a section, the parts it
 * accepted still get their meaning checked, item by item (src/validate/index.ts,
 * checkAcceptedParts); what it rejected is not checked again, and nothing becomes an internal
 * error. The fixture test/fixtures/invalid/mistakes-in-shape-and-meaning shows the same in a file. */
import { describe, expect, it } from "vitest";
import { compile } from "../src/compile.js";
import { ROOT, sourcesOf } from "./helpers.js";

const edit = (from: string, to: string) =>
  sourcesOf("spec", ROOT).map((s) => {
    if (s.name !== "spec/services/payments-api.yaml") return s;
    if (!s.text.includes(from)) throw new Error(`test setup: ${from} not found`);
    return { ...s, text: s.text.replace(from, to) };
  });
const codes = (from: string, to: string) => compile(edit(from, to)).diagnostics.map((d) => d.code).sort();

describe("semantic checks of the parts of a section the schema accepted", () => {
  it("a rule's roles given as a string (wrong type) and an unknown role in the same section's other rule: both reported", () => {
    const sources = edit("subjects: { ids: [u-incident-commander] }", "subjects: { ids: u-incident-commander }");
    const withRole = sources.map((s) => (s.name === "spec/services/payments-api.yaml" ? { ...s, text: s.text.replace("subjects: { roles: [engineer, admin] }", "subjects: { roles: [engineerr, admin] }") } : s));
    const found = compile(withRole).diagnostics.map((d) => `${d.code} ${d.message}`);
    expect(found).toEqual(expect.arrayContaining([expect.stringMatching(/^SVC012 /), expect.stringMatching(/^SVC032 unknown role `engineerr`/)]));
  });

  it("a rejected value is reported once, by the schema: a bad time gives no second error about its window", () => {
    const found = codes('timezone: Europe/Berlin, days: [sat, sun], from: "00:00"', 'timezone: Europe/Berlinn, days: [sat, sun], from: "9am"');
    expect(found).toContain("SVC081"); // the zone, beside the time the schema rejected
    expect(found.filter((c) => c === "SVC082")).toEqual([]);
    expect(found).toContain("SVC014");
  });
});
