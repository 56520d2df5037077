/** Stage 2: shape (JSON Schema) then meaning (semantic checks) of every document. */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { SpecDocument } from "../load/source.js";
import type { Located } from "../model/lower.js";
import type { OrganizationDoc, ServiceDoc } from "../model/spec.js";
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
  if (organization && orgDoc) checkOrganization(new Report(orgDoc, diagnostics), organization);
  const context = orgBroken ? null : orgContext(organization);

  for (const d of documents) {
    if (kindOf(d) === "Service" && !valid.includes(d)) checkServiceReferences(new Report(d, diagnostics), d.value, context);
  }

  const names = new Map<string, SpecDocument>();
  const services: Located<ServiceDoc>[] = [];
  for (const d of valid.filter((x) => kindOf(x) === "Service")) {
    const doc = d.value as ServiceDoc;
    const r = new Report(d, diagnostics);
    const first = names.get(doc.metadata.name);
    if (first) {
      r.error("SVC021", ["metadata", "name"], `service \`${doc.metadata.name}\` is already declared`, `the first is in ${first.source.path}; service names are unique across the spec folder`);
      continue;
    }
    names.set(doc.metadata.name, d);
    checkService(r, doc, context);
    services.push({ doc, file: d.source.name });
  }
  return {
    spec: { organization: organization && orgDoc ? { doc: organization, file: orgDoc.source.name } : null, services },
    diagnostics,
  };
}

function kindOf(d: SpecDocument): unknown {
  return (d.value as { kind?: unknown } | null)?.kind;
}
