/** Stage 2: shape (JSON Schema), then meaning (semantic checks) of every document, then the
 * checks of resolved values on the Model of the documents that passed. */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { SpecDocument } from "../load/source.js";
import { type Located, lower } from "../model/lower.js";
import { Origins } from "../model/origins.js";
import type { OrganizationDoc, ServiceDoc } from "../model/spec.js";
import { checkModel } from "./model.js";
import { checkOrganization } from "./organization.js";
import { Report } from "./report.js";
import { checkSchema } from "./schema.js";
import { checkService, checkServiceReferences, orgContext } from "./service.js";

export interface ValidatedSpec {
  organization: Located<OrganizationDoc> | null;
  services: Located<ServiceDoc>[];
}

export function validateDocuments(documents: readonly SpecDocument[]): { spec: ValidatedSpec; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const valid: SpecDocument[] = [];
  for (const d of documents) {
    const problems = checkSchema(d);
    diagnostics.push(...problems);
    if (!problems.length) valid.push(d);
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
  const orgClean = !orgBroken && withoutErrors(diagnostics, () => {
    if (organization && orgDoc) checkOrganization(new Report(orgDoc, diagnostics), organization);
  });
  const context = orgBroken ? null : orgContext(organization);

  for (const d of documents) {
    if (kindOf(d) === "Service" && !valid.includes(d)) checkServiceReferences(new Report(d, diagnostics), d.value, context);
  }

  const names = new Map<string, SpecDocument>();
  const services: Located<ServiceDoc>[] = [];
  const clean = new Map<Located<unknown>, SpecDocument>();
  for (const d of valid.filter((x) => kindOf(x) === "Service")) {
    const doc = d.value as ServiceDoc;
    const r = new Report(d, diagnostics);
    const first = names.get(doc.metadata.name);
    if (first) {
      r.error("SVC021", ["metadata", "name"], `service \`${doc.metadata.name}\` is already declared`, `the first is in ${first.source.path}; service names are unique across the spec folder`);
      continue;
    }
    names.set(doc.metadata.name, d);
    const located = { doc, file: d.source.name };
    if (withoutErrors(diagnostics, () => checkService(r, doc, context))) clean.set(located, d);
    services.push(located);
  }
  const org = organization && orgDoc ? { doc: organization, file: orgDoc.source.name } : null;
  if (org && orgDoc) clean.set(org, orgDoc);
  // Resolved values exist once the documents they resolve from are valid: lower() assumes so.
  if (orgClean) {
    const origins = new Origins();
    const model = lower(org, services.filter((s) => clean.has(s)), origins);
    checkModel(model, origins, (document) => new Report(clean.get(document)!, diagnostics));
  }
  return { spec: { organization: org, services }, diagnostics };
}

/** Runs checks; true when they reported no error. */
function withoutErrors(diagnostics: readonly Diagnostic[], checks: () => void): boolean {
  const errors = () => diagnostics.filter((d) => d.severity === "error").length;
  const before = errors();
  checks();
  return errors() === before;
}

function kindOf(d: SpecDocument): unknown {
  return (d.value as { kind?: unknown } | null)?.kind;
}
