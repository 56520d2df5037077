/** Generated files change only where the meaning changed (issue #11, item 4): Rego test names come
 * from what each test checks, the OPA bundle revision from what goes into the bundle, the Fluent
 * Bit filter (and the checksum that rolls its pods) from the redaction policy, and headers name
 * only the specs a file is made of, so a spec change touches only the files it is about. */
import { describe, expect, it } from "vitest";
import { compile } from "../src/compile.js";
import type { SourceFile } from "../src/load/source.js";
import type { FileSet } from "../src/output/fileset.js";
import { MFA_TESTS } from "./support/plan-cases.js";
import { addFile, editFile, exampleSources, remove, set } from "./support/spec-edit.js";

/** Dropping MFA from engineers-read-orders, with the access tests that held it (validate runs them). */
const dropMfa = [remove(["spec", "access", "rules", { name: "engineers-read-orders" }, "when", "mfa"]), ...MFA_TESTS.map((name) => remove(["spec", "access", "tests", { name }]))];

function filesOf(sources: readonly SourceFile[]): FileSet {
  const r = compile(sources);
  if (!r.files) throw new Error(r.diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.message}`).join("\n"));
  return r.files;
}

function touched(a: FileSet, b: FileSet): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].filter((p) => a.get(p) !== b.get(p)).sort();
}

/** Test rule name by its comment line (the case's title). */
function testNames(rego: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of rego.matchAll(/^# (.*)\n(test_\w+) if \{/gm)) out.set(m[1]!, m[2]!);
  return out;
}

const CHECKOUT_TESTS = "opa-tests/svcspec/services/checkout/authz_test.rego";
const base = exampleSources();
const before = filesOf(base);

describe("Rego test names come from content, not position", () => {
  it("changing one rule keeps the name of every test of the other rules and of the spec tests", () => {
    const after = filesOf(editFile(base, "services/checkout.yaml", ...dropMfa, set(["spec", "access", "rules", { name: "engineers-read-orders" }, "when", "networks"], ["corp-vpn", "office"])));
    const a = testNames(before.get(CHECKOUT_TESTS)!);
    const b = testNames(after.get(CHECKOUT_TESTS)!);
    const untouched = [...a].filter(([title]) => !title.startsWith("engineers-read-orders:") && !MFA_TESTS.some((t) => title.endsWith(t)));
    expect(untouched.length).toBeGreaterThan(40);
    for (const [title, name] of untouched) expect(b.get(title), title).toBe(name);
    // The rule's own cases are new (its MFA cases are gone, the office cases appear).
    expect([...b.keys()].filter((t) => t.startsWith("engineers-read-orders: office")).length).toBeGreaterThan(0);
    expect([...b.keys()].some((t) => t === "engineers-read-orders: mfa missing")).toBe(false);
  });

  it("names are unique per file and Rego identifiers", () => {
    for (const [path, text] of before) {
      if (!path.endsWith("_test.rego")) continue;
      const names = [...text.matchAll(/^(test_\w+) if \{/gm)].map((m) => m[1]!);
      expect(names.length, path).toBeGreaterThan(5);
      expect(new Set(names).size, path).toBe(names.length);
      for (const n of names) expect(n).toMatch(/^test_(spec|boundary|deploy)_[0-9a-f]{12,}$/);
    }
  });

  it("inserting a spec test before the others leaves their names", () => {
    const test = { name: "a new first test", request: { subject: { roles: ["viewer"] }, action: "read", resource: { type: "orders" } }, expect: "deny" };
    const edited = editFile(base, "services/checkout.yaml", (doc) => {
      const tests = doc.getIn(["spec", "access", "tests"]) as { items: unknown[] };
      tests.items.unshift(doc.createNode(test));
    });
    const a = testNames(before.get(CHECKOUT_TESTS)!);
    const b = testNames(filesOf(edited).get(CHECKOUT_TESTS)!);
    expect(b.size).toBe(a.size + 1);
    for (const [title, name] of a) expect(b.get(title), title).toBe(name);
  });
});

describe("the OPA bundle revision is a digest of the bundle", () => {
  const revision = (f: FileSet) => (JSON.parse(f.get("opa/.manifest")!) as { revision: string }).revision;

  it("a change outside the bundle (an objective, a spec test) leaves the manifest and the ConfigMap alone", () => {
    const after = filesOf(editFile(base, "services/checkout.yaml", set(["spec", "slos", { name: "availability" }, "objective"], 99.9), remove(["spec", "access", "tests", 0])));
    expect(touched(before, after).filter((p) => p.startsWith("opa/") || p.includes("opa-bundle"))).toEqual([]);
  });

  it("a rule change changes the revision in the manifest and the ConfigMap annotation alike", () => {
    const after = filesOf(editFile(base, "services/checkout.yaml", ...dropMfa));
    expect(revision(after)).not.toBe(revision(before));
    expect(after.get("kubernetes/platform/opa-bundle.configmap.yaml")).toContain(`svcspec.dev/revision: ${revision(after)}`);
    expect(touched(before, after)).toEqual(["docs/checkout.md", "kubernetes/platform/opa-bundle.configmap.yaml", CHECKOUT_TESTS, "opa/.manifest", "opa/svcspec/services/checkout/data.json"]);
  });

  it("renaming or merging spec files leaves the revision alone", () => {
    const merged = base.filter((s) => s.name !== "spec/services/search.yaml" && s.name !== "spec/services/catalog.yaml");
    const text = ["catalog", "search"].map((n) => base.find((s) => s.name === `spec/services/${n}.yaml`)!.text).join("\n---\n");
    const after = filesOf(addFile(merged, "services/catalogue-team.yaml", text));
    expect(revision(after)).toBe(revision(before));
  });
});

describe("a spec change touches only the files it is about", () => {
  const EMPTY = "apiVersion: svcspec/v1\nkind: Service\nmetadata:\n  name: wishlist\n  team: growth\nspec:\n  tier: best-effort\n";

  it("adding a service with nothing of its own adds its docs page and changes nothing else", () => {
    expect(touched(before, filesOf(addFile(base, "services/wishlist.yaml", EMPTY)))).toEqual(["docs/wishlist.md"]);
  });

  it("adding a full service touches no file of another service, and the shared files only where it adds to them", () => {
    const checkout = base.find((s) => s.name === "spec/services/checkout.yaml")!.text;
    const copy = checkout.replace(/name: checkout\n/, "name: basket\n").replace("namespace: shop", "namespace: basket").replaceAll("app.kubernetes.io/name: checkout", "app.kubernetes.io/name: basket");
    const after = filesOf(addFile(base, "services/basket.yaml", copy));
    const others = touched(before, after).filter((p) => !/(^|\/)basket([./]|$)/.test(p));
    expect(others).toEqual([
      "alertmanager/routes.test.yaml",
      "fluent-bit/fluent-bit.values.yaml",
      "fluent-bit/redact.lua",
      "kubernetes/platform/fluent-bit.configmap.yaml",
      "kubernetes/platform/grafana-dashboards.configmap.yaml",
      "kubernetes/platform/opa-bundle.configmap.yaml",
      "opa/.manifest",
      "opa/svcspec/logmask/data.json",
    ]);
  });

  it("the Fluent Bit filter and its checksum change with the redaction policy, and only then", () => {
    const fluent = (f: FileSet) => touched(before, f).filter((p) => p.includes("fluent-bit"));
    expect(fluent(filesOf(editFile(base, "services/checkout.yaml", set(["spec", "slos", { name: "availability" }, "objective"], 99.9))))).toEqual([]);
    expect(fluent(filesOf(addFile(base, "services/wishlist.yaml", EMPTY)))).toEqual([]);
    const dropped = filesOf(editFile(base, "services/payments-api.yaml", remove(["spec", "pii", "fields", 3])));
    expect(fluent(dropped)).toEqual(["fluent-bit/fluent-bit.values.yaml", "fluent-bit/redact.lua", "kubernetes/platform/fluent-bit.configmap.yaml"]);
    expect(dropped.get("fluent-bit/fluent-bit.values.yaml")).not.toContain(/checksum\/svcspec-redact-lua: (\w+)/.exec(before.get("fluent-bit/fluent-bit.values.yaml")!)![1]);
  });

  it("a service with the default policy keeps an entry where it decides which policy its pods get", () => {
    // wishlist's pods (namespace shop, app.kubernetes.io/name: wishlist) would match a later
    // service of the namespace that selects on another label only: the entry keeps them on the default.
    const empty = EMPTY.replace("team: growth\n", "team: growth\n  namespace: shop\n").replace("name: wishlist", "name: a-wishlist");
    const zoo = "apiVersion: svcspec/v1\nkind: Service\nmetadata:\n  name: zoo\n  team: growth\n  namespace: shop\nspec:\n  tier: best-effort\n  workload: { selector: { tier: web } }\n  pii: { detectors: [phone] }\n";
    const lua = filesOf(addFile(addFile(base, "services/a-wishlist.yaml", empty), "services/zoo.yaml", zoo)).get("fluent-bit/redact.lua")!;
    expect(lua).toContain('name = "a-wishlist"');
    expect(lua.indexOf('name = "a-wishlist"')).toBeLessThan(lua.indexOf('name = "zoo"'));
    // With a selector zoo cannot share (another value of app.kubernetes.io/name), no entry.
    const apart = zoo.replace("{ tier: web }", "{ app.kubernetes.io/name: zoo }");
    expect(filesOf(addFile(addFile(base, "services/a-wishlist.yaml", empty), "services/zoo.yaml", apart)).get("fluent-bit/redact.lua")).not.toContain('name = "a-wishlist"');
  });
});

describe("headers name the specs a file is made of", () => {
  it("the routing table names the services that raise alerts; the pipeline configs name no spec", () => {
    expect(before.get("alertmanager/routes.test.yaml")!.split("\n")[0]).toMatch(/^# Generated by svcspec from spec\/organization\.yaml and \d+ more spec files\./);
    expect(before.get("fluent-bit/filters.conf")!.split("\n")[0]).toBe("# Generated by svcspec from built-in defaults. DO NOT EDIT.");
    const noSlo = editFile(base, "services/recommendations.yaml", (doc) => doc.deleteIn(["spec", "slos"]));
    const after = filesOf(noSlo);
    expect(after.get("alertmanager/routes.test.yaml")!.split("\n")[0]).not.toBe(before.get("alertmanager/routes.test.yaml")!.split("\n")[0]);
  });

  it("an alert-free service does not appear in the routing table's header", () => {
    const after = filesOf(addFile(base, "services/wishlist.yaml", "apiVersion: svcspec/v1\nkind: Service\nmetadata:\n  name: wishlist\n  team: growth\nspec:\n  tier: best-effort\n"));
    expect(after.get("alertmanager/routes.test.yaml")).toBe(before.get("alertmanager/routes.test.yaml"));
  });
});
