/** out/opa: an OPA bundle (Rego v1) with one generic authorization policy per service that has
 * access rules, its rules as data, and the error-budget deploy gate; out/opa-tests: Rego tests of
 * every spec access test and of derived boundary cases, outside the bundle. */
import { createHash } from "node:crypto";
import type { Access, Model, Organization, Service } from "../../src/model/model.js";
import type { GeneratedFile } from "../../src/output/fileset.js";
import { joinOutputs, type TargetOutput } from "../../src/package/request.js";
import { accessCases, deployCases, type Case } from "../../src/access/cases.js";
import { deployRowReason } from "../../src/access/evaluate.js";
import { contentDigest } from "../../src/model/digest.js";
import { oneLine } from "../../src/render/chars.js";
import { withHeader, withoutHeader } from "../../src/render/header.js";
import { toJson } from "../../src/render/json.js";
import { regoTerm } from "../../src/render/rego.js";
import { opaConfigMap, OPA_CONFIG_PATH, opaConfig } from "./configmap.js";
import { logMaskData } from "./mask.js";
import { deployPolicy, maskPolicy, servicePolicy } from "./policy.js";

export const OPA_ROOT = "svcspec";
/** The decision-log mask's root: OPA reads system.log.mask, so the bundle owns that root too. */
export const MASK_ROOT = "system/log";

/** An IPv4 block as the block of its IPv4-mapped IPv6 addresses; an IPv6 block has none. */
export function mappedBlock(cidr: string): string[] {
  const [address = "", prefix = ""] = cidr.split("/");
  return address.includes(":") ? [] : [`::ffff:${address}/${96 + Number(prefix)}`];
}

export function accessData(access: Access): unknown {
  return {
    resources: access.resources.map((r) => ({ name: r.name, actions: r.actions, piiFields: r.piiFields })),
    rules: access.rules.map((r) => ({
      name: r.name,
      effect: r.effect,
      actions: r.actions,
      resources: r.resources,
      subjects: { roles: r.subjects.roles, teams: r.subjects.teams, ids: r.subjects.ids },
      when: {
        mfa: r.when.mfa,
        networks: r.when.networks.flatMap((n) => n.cidrs),
        mappedNetworks: r.when.networks.flatMap((n) => n.cidrs).flatMap(mappedBlock),
        schedule: r.when.schedule
          ? { timezone: r.when.schedule.timezone, days: r.when.schedule.days, from: r.when.schedule.from, to: r.when.schedule.to }
          : null,
        attributes: Object.fromEntries(r.when.attributes),
      },
      pii: r.pii,
    })),
  };
}

const AT_HELPER = `# at(date, clock) is the RFC 3339 timestamp <date>T<clock>.
at(date, clock) := concat("T", [date, clock])`;

/** One Rego comment line: line breaks become spaces, other unsafe characters escapes. */
function comment(text: string): string {
  return `# ${oneLine(text)}`;
}

/** Test rule names derived from what each test checks, not from its position: `<prefix>_<12 hex
 * digits of sha256(key)>`, longer should two keys of one file ever share a prefix. Adding, removing
 * or changing one test (or one rule's boundary cases) leaves the names of the others alone. */
export function contentNames(prefix: string, keys: readonly string[]): string[] {
  const hashes = keys.map((k) => createHash("sha256").update(k).digest("hex"));
  for (let n = 12; n < 64; n += 4) {
    if (new Set(hashes.map((h) => h.slice(0, n))).size === new Set(hashes).size) return hashes.map((h) => `${prefix}_${h.slice(0, n)}`);
  }
  return hashes.map((h) => `${prefix}_${h}`);
}

/** `inputTerm`: the input as a Rego term with split times (Case.inputTerm, or regoTerm(input, true)). */
function testRule(name: string, title: string, ref: string, inputTerm: string, checks: string[]): string {
  return [comment(title), `${name} if {`, `\td := ${ref} with input as ${inputTerm}`, ...checks.map((c) => `\t${c}`), "}"].join("\n");
}

function serviceTests(service: Service, access: Access): { text: string; count: number } {
  const rules: string[] = [];
  // Spec test names are unique; boundary cases are told apart by their input.
  const specNames = contentNames("test_spec", access.tests.map((t) => t.name));
  access.tests.forEach((t, i) => {
    const checks = [`d.allow == ${t.expect === "allow"}`];
    if (t.maskedFields) checks.push(`d.maskedFields == ${regoTerm(t.maskedFields)}`);
    if (t.reason) checks.push(`${JSON.stringify(t.reason)} in d.reasons`);
    rules.push(testRule(specNames[i]!, `spec test: ${t.name}`, "authz.decision", regoTerm(t.request, true), checks));
  });
  const cases: Case<unknown>[] = accessCases(access);
  const caseNames = contentNames("test_boundary", cases.map((c) => c.inputTerm));
  cases.forEach((c, i) => {
    rules.push(testRule(caseNames[i]!, c.name, "authz.decision", c.inputTerm, [`d == ${regoTerm(c.expect)}`]));
  });
  const text = [`package svcspec.services.${service.id}.authz_test`, "", `import data.svcspec.services.${service.id}.authz`, "", AT_HELPER, "", rules.join("\n\n")].join("\n");
  return { text, count: rules.length };
}

/** The deploy gate's Rego tests: one per boundary case of the Organization's deploy policy. */
function deployTests(org: Organization): string {
  const cases = deployCases(org.deployPolicy);
  const names = contentNames("test_deploy", cases.map((c) => c.inputTerm));
  const rules = cases.map((c, i) => testRule(names[i]!, c.name, "deploy.decision", c.inputTerm, [`d == ${regoTerm(c.expect)}`]));
  return ["package svcspec.deploy_test", "", "import data.svcspec.deploy", "", rules.join("\n\n")].join("\n");
}

export function generateOpa(model: Model): TargetOutput {
  const services = model.services.map((s) => opaService(model.organization, s));
  return joinOutputs([...services, assembleOpa(model, services)]);
}

/** The per-service files assembleOpa reads (the bundle's, not the tests): compile() keeps only these. */
export function opaAssembleReads(path: string): boolean {
  return path.startsWith("opa/");
}

/** One service's policy, data and tests (none without access rules; the tests unless the
 * Organization's outputs.tests is off): a function of the service and the Organization alone. */
export function opaService(organization: Organization, service: Service): TargetOutput {
  if (!service.access) return { files: [], packages: [] };
  const sources = [service.file ?? ""].filter(Boolean);
  const dir = `svcspec/services/${service.id}`;
  return {
    files: [
      { path: `opa/${dir}/policy.rego`, content: withHeader("hash", sources, servicePolicy(service.id)) },
      { path: `opa/${dir}/data.json`, content: toJson(accessData(service.access)) },
      ...(organization.outputs.tests ? [{ path: `opa-tests/${dir}/authz_test.rego`, content: withHeader("hash", sources, serviceTests(service, service.access).text) }] : []),
    ],
    packages: [],
  };
}

/** The bundle's cross-service part: the Organization's files around the services' (opaService, in
 * the Model's order, which this reads and does not return), its manifest and revision, the config
 * and the ConfigMap of the whole bundle. */
export function assembleOpa(model: Model, services: readonly TargetOutput[]): TargetOutput {
  const org = model.organization;
  const orgSources = [org.file ?? ""].filter(Boolean);
  const head: GeneratedFile[] = [
    { path: "opa/svcspec/deploy/policy.rego", content: withHeader("hash", orgSources, deployPolicy()) },
    {
      path: "opa/svcspec/deploy/data.json",
      content: toJson({
        table: org.deployPolicy.map((r) => ({
          minBudgetRemaining: r.minBudgetRemaining.toNumber(),
          allow: r.allow,
          emergencyHold: r.emergencyHold,
          reason: deployRowReason(r),
        })),
      }),
    },
  ];
  if (org.outputs.tests) head.push({ path: "opa-tests/svcspec/deploy/deploy_test.rego", content: withHeader("hash", orgSources, deployTests(org)) });
  // the mask's code is the same for every spec (what it masks is data): its header names the Organization only
  const tail: GeneratedFile[] = [
    { path: "opa/system/log/policy.rego", content: withHeader("hash", orgSources, maskPolicy()) },
    { path: "opa/svcspec/logmask/data.json", content: toJson(logMaskData(model)) },
  ];
  const perService = services.flatMap((s) => s.files.filter((f) => opaAssembleReads(f.path)));
  const revision = bundleRevision([...head, ...perService, ...tail]);
  const manifest = { path: "opa/.manifest", content: toJson({ revision, roots: [OPA_ROOT, MASK_ROOT], rego_version: 1 }) };
  const config = { path: OPA_CONFIG_PATH, content: withHeader("hash", orgSources, opaConfig()) };
  const files = [manifest, ...head, ...tail, config];
  return { files, packages: [opaConfigMap(model, revision, [manifest, ...head, ...perService, ...tail, config])] };
}

/** The bundle's revision: a digest of what OPA loads (every file under opa/, by path, without the
 * header naming its spec file), so it changes exactly when a policy or its data does, and not when
 * a spec change leaves the bundle alone or spec files are renamed. */
export function bundleRevision(files: readonly GeneratedFile[]): string {
  return contentDigest(files.filter((f) => f.path.startsWith("opa/") && f.path !== "opa/.manifest").map((f) => [f.path, withoutHeader(f.content)]));
}
