/** Stage 2: shape (JSON Schema), then meaning (semantic checks) of every document, then the
 * checks of resolved values on the Model (checkResolved). */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { PathSegment } from "../load/locate.js";
import { foreignFormat } from "../load/foreign.js";
import type { SpecDocument } from "../load/source.js";
import { type Located, lower } from "../model/lower.js";
import { Origins } from "../model/origins.js";
import type { OrganizationDoc, ServiceDoc, ServiceSpec } from "../model/spec.js";
import { checkModel } from "./model.js";
import { checkOrganization } from "./organization.js";
import { Report } from "./report.js";
import { checkShape } from "./schema.js";
import { checkSections, checkService, checkServiceReferences, orgContext, SECTIONS } from "./service.js";
import { checkText } from "./text.js";

export interface ValidatedSpec {
  organization: Located<OrganizationDoc> | null;
  services: Located<ServiceDoc>[];
}

/** What an earlier run found (src/cache/validation.ts): documents whose text and shape checks
 * passed, services whose own checks found nothing under the same Organization. */
export interface CheckMemo {
  shaped(d: SpecDocument): boolean;
  serviceChecked(d: SpecDocument, organization: unknown): boolean;
}

export function validateDocuments(documents: readonly SpecDocument[], memo?: CheckMemo): { spec: ValidatedSpec; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const valid: SpecDocument[] = [];
  const rejected = new Map<SpecDocument, Shape>();
  for (const d of documents) {
    if (memo?.shaped(d)) {
      valid.push(d);
      continue;
    }
    const foreign = foreignFormat(d.value);
    if (foreign) {
      // One line that names the format beats a dozen unknown fields.
      new Report(d, diagnostics).error("SVC008", [foreign.key], `this is ${foreign.what}, not a svcspec document`, `run \`svcspec import ${foreign.format} ${d.source.path} --out <spec folder>/services\` and keep the original out of the spec folder`);
      continue;
    }
    checkText(new Report(d, diagnostics), d);
    const shape = checkShape(d);
    diagnostics.push(...shape.diagnostics);
    if (!shape.diagnostics.length) valid.push(d);
    else rejected.set(d, shape);
  }
  // An Organization that is present but invalid must not turn every service reference into an
  // error of its own: reference checks wait until it is fixed.
  const orgDocs = documents.filter((d) => kindOf(d) === "Organization");
  const orgDoc = valid.find((d) => kindOf(d) === "Organization") ?? null;
  orgDocs.slice(1).forEach((d) => {
    new Report(d, diagnostics).error("SVC020", ["kind"], "more than one Organization document", `the first is in ${orgDocs[0]?.source.path}; keep exactly one`);
  });
  const orgBroken = orgDocs.length > 0 && (orgDoc === null || orgDocs[0] !== orgDoc);
  const organization = orgDoc && !orgBroken ? (orgDoc.value as OrganizationDoc) : null;
  const org = organization && orgDoc ? { located: { doc: organization, file: orgDoc.source.name }, report: new Report(orgDoc, diagnostics) } : null;
  if (org) checkOrganization(org.report, org.located.doc);
  const context = orgBroken ? null : orgContext(organization);

  for (const [d, shape] of rejected) {
    if (kindOf(d) !== "Service") continue;
    const r = new Report(d, diagnostics);
    checkServiceReferences(r, d.value, context);
    const spec = (d.value as { spec?: unknown }).spec;
    if (spec === null || typeof spec !== "object" || Array.isArray(spec)) continue;
    const dirty = new Set(shape.errorPaths.filter((p) => p[0] === "spec" && p.length >= 2).map((p) => p[1]));
    checkSections(r, spec as Partial<ServiceSpec>, context, SECTIONS.filter((k) => !dirty.has(k)));
    for (const section of SECTIONS.filter((k) => dirty.has(k))) diagnostics.push(...checkAcceptedParts(d, spec as Partial<ServiceSpec>, section, shape, context));
  }

  const names = new Map<string, SpecDocument>();
  const services: Checked<ServiceDoc>[] = [];
  for (const d of valid.filter((x) => kindOf(x) === "Service")) {
    const doc = d.value as ServiceDoc;
    const r = new Report(d, diagnostics);
    const first = names.get(doc.metadata.name);
    if (first) {
      r.error("SVC021", ["metadata", "name"], `service \`${doc.metadata.name}\` is already declared`, `the first is in ${first.source.path}; service names are unique across the spec folder`);
      continue;
    }
    names.set(doc.metadata.name, d);
    // an Organization that is broken holds the reference checks back: nothing to remember then
    if (orgBroken || !memo?.serviceChecked(d, organization)) checkService(r, doc, context);
    services.push({ located: { doc, file: d.source.name }, report: r });
  }
  if (!orgBroken) checkResolved(org, services);
  return { spec: { organization: org?.located ?? null, services: services.map((s) => s.located) }, diagnostics };
}

type Shape = ReturnType<typeof checkShape>;

/** The meaning of the parts of a section the schema accepted: the section's checks run on a copy
 * without the values the schema rejected (a wrong enum value, a bad time, a list where a string
 * goes; an array item becomes a hole, which the checks skip), so an access rule with a bad
 * `effect` still gets its unknown role reported, a schedule with a bad time its unknown zone. A
 * check that cannot run on what is left (a required field missing) ends the section's checks:
 * its shape errors stand. Nothing is reported twice at the place of a shape error. */
function checkAcceptedParts(d: SpecDocument, spec: Partial<ServiceSpec>, section: (typeof SECTIONS)[number], shape: Shape, context: ReturnType<typeof orgContext> | null): Diagnostic[] {
  const paths = shape.errorPaths.filter((p) => p[0] === "spec" && p[1] === section);
  if (paths.some((p) => p.length <= 2)) return []; // the section itself has the wrong shape
  const view = { ...spec, [section]: structuredClone(spec[section]) } as Partial<ServiceSpec>;
  const types = new Set(shape.typeErrorPaths.map((p) => JSON.stringify(p)));
  for (const p of paths) removeRejected(view, p.slice(1), types.has(JSON.stringify(p)));
  if (section === "access" && view.access) {
    // rules name resources, tests name rules and resources: a check against a list with a
    // rejected item would report a reference to it as unknown
    const dirty = (k: string) => paths.some((p) => p[2] === k);
    if (dirty("resources")) view.access = { ...view.access, rules: [], tests: [] };
    else if (dirty("rules")) view.access = { ...view.access, tests: [] };
  }
  const found: Diagnostic[] = [];
  try {
    checkSections(new Report(d, found), view, context, [section]);
  } catch {
    // what the checks reported before they met the rejected part stands
  }
  const taken = new Set(shape.diagnostics.map((x) => `${x.line}:${x.col}`));
  return found.filter((x) => !taken.has(`${x.line}:${x.col}`));
}

/** Removes the value at `path` when the schema rejected it as a value (a primitive) or for its
 * type; a mapping or list rejected for what it holds (an unknown field, a missing one) stays. */
function removeRejected(root: unknown, path: readonly PathSegment[], wrongType: boolean): void {
  let parent: unknown = root;
  for (const k of path.slice(0, -1)) {
    if (parent === null || typeof parent !== "object") return;
    parent = (parent as Record<string | number, unknown>)[k];
  }
  const last = path[path.length - 1];
  if (last === undefined || parent === null || typeof parent !== "object") return;
  const value = (parent as Record<string | number, unknown>)[last];
  if (wrongType || value === null || typeof value !== "object") delete (parent as Record<string | number, unknown>)[last];
}

interface Checked<T> {
  located: Located<T>;
  report: Report;
}

/** Checks of resolved values (model.ts) run on the Model of the parts they read: the
 * Organization's tiers, SLO settings, teams and access vocabulary, each service's team, tier, SLOs
 * and access. lower() assumes valid input, so an error in those parts holds the checks back; an
 * error elsewhere in a document does not (one run reports every mistake at once). */
function checkResolved(org: Checked<OrganizationDoc> | null, services: readonly Checked<ServiceDoc>[]): void {
  if (org && [["spec", "tiers"], ["spec", "slo"]].some((p) => org.report.hasErrorsUnder(p))) return;
  const reports = new Map<Located<unknown>, Report>();
  const part = <T>(c: Checked<T>, doc: T): Located<T> => {
    const located = { doc, file: c.located.file };
    reports.set(located, c.report);
    return located;
  };
  // Access (the access tests) joins when it and the Organization's networks are free of errors.
  const accessOk = !org || !org.report.hasErrorsUnder(["spec", "access"]);
  const orgPart = org && part(org, { ...org.located.doc, spec: pick(org.located.doc.spec, ["tiers", "slo", "teams", ...(accessOk ? (["access"] as const) : [])]) });
  const serviceParts = services
    .filter((s) => ![["metadata", "team"], ["spec", "tier"], ["spec", "slos"]].some((p) => s.report.hasErrorsUnder(p)))
    .map((s) => part(s, { ...s.located.doc, spec: pick(s.located.doc.spec, ["tier", "slos", ...(accessOk && !s.report.hasErrorsUnder(["spec", "access"]) ? (["access"] as const) : [])]) }));
  const origins = new Origins();
  const model = lower(orgPart, serviceParts, origins);
  checkModel(model, origins, (document) => reports.get(document)!);
}

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]])) as Pick<T, K>;
}

function kindOf(d: SpecDocument): unknown {
  return (d.value as { kind?: unknown } | null)?.kind;
}
