/** out/opa: an OPA bundle (Rego v1) with one generic authorization policy per service that has
 * access rules, its rules as data, and the error-budget deploy gate; out/opa-tests: Rego tests of
 * every spec access test and of derived boundary cases, outside the bundle. */
import { createHash } from "node:crypto";
import type { Access, Model, Service } from "../../src/model/model.js";
import type { GeneratedFile } from "../../src/output/fileset.js";
import { DEPLOY_INVALID_REASON, DEPLOY_NO_ROW_REASON, deployRowReason } from "../../src/access/evaluate.js";
import { withHeader } from "../../src/render/header.js";
import { toJson } from "../../src/render/json.js";
import { accessCases, deployCases, type Case } from "./cases.js";
import { opaConfigMap } from "./configmap.js";
import { deployPolicy, servicePolicy } from "./policy.js";

export const OPA_ROOT = "svcspec";

/** sha256 of the Model without its source file names: the bundle revision changes exactly when
 * the compiled spec does, and not when spec files are renamed, moved or merged. */
export function modelDigest(model: Model): string {
  const anonymous = { organization: { ...model.organization, file: null }, services: model.services.map((s) => ({ ...s, file: null })) };
  const text = JSON.stringify(anonymous, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  return `sha256:${createHash("sha256").update(text).digest("hex")}`;
}

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

const TIMESTAMP = /^([0-9]{4}-[0-9]{2}-[0-9]{2})T(.*)$/s;

/** A JSON value as a one-line Rego term, in the layout `opa fmt` keeps. With `splitTimes`, an
 * RFC 3339 string is written as `at(date, clock)` (a helper of the test files), so that no
 * generated file holds a literal timestamp. */
export function regoTerm(v: unknown, splitTimes = false): string {
  if (typeof v === "string") {
    // cheap test first: only strings shaped like 2026-11-23T... can be timestamps
    const m = splitTimes && v.length > 10 && v.charCodeAt(10) === 84 /* T */ ? TIMESTAMP.exec(v) : null;
    return m ? `at(${JSON.stringify(m[1])}, ${JSON.stringify(m[2])})` : JSON.stringify(v);
  }
  if (v === null || typeof v === "boolean" || typeof v === "number") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => regoTerm(x, splitTimes)).join(", ")}]`;
  if (typeof v === "object") {
    const obj = v as Record<string, unknown>;
    const keys = Object.keys(obj);
    // default sort: by UTF-16 code units, the order opa fmt keeps; generators mostly build objects
    // in that order already
    if (!isSorted(keys)) keys.sort();
    let out = "{";
    for (const k of keys) {
      const x = obj[k];
      if (x === undefined) continue;
      out += `${out.length > 1 ? ", " : ""}${JSON.stringify(k)}: ${regoTerm(x, splitTimes)}`;
    }
    return out + "}";
  }
  throw new Error(`internal: no Rego term for ${typeof v}`);
}

function isSorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return false;
  return true;
}

const AT_HELPER = `# at(date, clock) is the RFC 3339 timestamp <date>T<clock>.
at(date, clock) := concat("T", [date, clock])`;

function comment(text: string): string {
  return `# ${text.replace(/[\r\n]+/g, " ")}`;
}

function testRule(name: string, title: string, ref: string, input: unknown, checks: string[]): string {
  return [comment(title), `${name} if {`, `\td := ${ref} with input as ${regoTerm(input, true)}`, ...checks.map((c) => `\t${c}`), "}"].join("\n");
}

function serviceTests(service: Service, access: Access): { text: string; count: number } {
  const rules: string[] = [];
  access.tests.forEach((t, i) => {
    const checks = [`d.allow == ${t.expect === "allow"}`];
    if (t.maskedFields) checks.push(`d.maskedFields == ${regoTerm(t.maskedFields)}`);
    if (t.reason) checks.push(`${JSON.stringify(t.reason)} in d.reasons`);
    rules.push(testRule(`test_spec_${i + 1}`, `spec test: ${t.name}`, "authz.decision", t.request, checks));
  });
  accessCases(access).forEach((c: Case<unknown>, i) => {
    rules.push(testRule(`test_boundary_${i + 1}`, c.name, "authz.decision", c.input, [`d == ${regoTerm(c.expect)}`]));
  });
  const text = [`package svcspec.services.${service.id}.authz_test`, "", `import data.svcspec.services.${service.id}.authz`, "", AT_HELPER, "", rules.join("\n\n")].join("\n");
  return { text, count: rules.length };
}

export function generateOpa(model: Model): GeneratedFile[] {
  const org = model.organization;
  const orgSources = [org.file ?? ""].filter(Boolean);
  const revision = modelDigest(model);
  const files: GeneratedFile[] = [
    { path: "opa/.manifest", content: toJson({ revision, roots: [OPA_ROOT], rego_version: 1 }) },
    { path: "opa/svcspec/deploy/policy.rego", content: withHeader("hash", orgSources, deployPolicy(DEPLOY_INVALID_REASON, DEPLOY_NO_ROW_REASON)) },
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
  const deployTests = deployCases(org.deployPolicy).map((c, i) =>
    testRule(`test_deploy_${i + 1}`, c.name, "deploy.decision", c.input, [`d == ${regoTerm(c.expect)}`]),
  );
  files.push({
    path: "opa-tests/svcspec/deploy/deploy_test.rego",
    content: withHeader("hash", orgSources, ["package svcspec.deploy_test", "", "import data.svcspec.deploy", "", deployTests.join("\n\n")].join("\n")),
  });
  for (const service of model.services) {
    if (!service.access) continue;
    const sources = [service.file ?? ""].filter(Boolean);
    const dir = `svcspec/services/${service.id}`;
    files.push({ path: `opa/${dir}/policy.rego`, content: withHeader("hash", sources, servicePolicy(service.id)) });
    files.push({ path: `opa/${dir}/data.json`, content: toJson(accessData(service.access)) });
    files.push({ path: `opa-tests/${dir}/authz_test.rego`, content: withHeader("hash", sources, serviceTests(service, service.access).text) });
  }
  files.push(opaConfigMap(model, revision, files));
  return files;
}
