/** docs/<service>.md: what a reviewer reads in a pull request. view.ts computes every figure from
 * the Model's exact arithmetic (budgets, burn factors, detection and exhaustion times); the
 * Handlebars templates in templates/ lay them out, and an organisation may replace any of them. */
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import type { Model, Organization, PlatformNamespaces, Service } from "../../src/model/model.js";
import type { GeneratedFile } from "../../src/output/fileset.js";
import { withHeader } from "../../src/render/header.js";
import type { DocsTemplates } from "../../src/render/docs-templates.js";
import { prepare, TemplateError } from "./templates.js";
import { serviceView } from "./view.js";

export { TEMPLATE_NAMES, TEMPLATE_SUFFIX, type DocsTemplates, type TemplateSource } from "../../src/render/docs-templates.js";

export interface DocsOptions {
  /** Templates that replace the built-in ones of the same name (`--docs-templates <dir>`). */
  docsTemplates?: DocsTemplates;
}

export function generateDocs(model: Model, options: DocsOptions = {}): GeneratedFile[] {
  return model.services.map((s) => docsService(model.organization, s, options));
}

/** docs/<service>.md: a function of the Organization, the service and the templates. */
export function docsService(organization: Organization, s: Service, options: DocsOptions = {}): GeneratedFile {
  return { path: `docs/${s.name}.md`, content: withHeader("html", [s.file ?? ""], serviceDoc(s, organization.platform.namespaces, options.docsTemplates)) };
}

/** The document body without the header: `svcspec explain` prints this. */
export function serviceDoc(s: Service, namespaces: PlatformNamespaces, templates?: DocsTemplates): string {
  const prepared = prepare(templates);
  if (!prepared.ok) throw new Error(`internal: docs templates not checked before rendering: ${prepared.diagnostics[0]?.message}`);
  return prepared.render(serviceView(s, namespaces));
}

/** What is wrong with the override templates, found by rendering every service with them once:
 * a missing field may show only for a service that has the section. Built-ins are not checked
 * here; a test renders them. */
export function checkDocs(model: Model, options: DocsOptions = {}): Diagnostic[] {
  if (!options.docsTemplates?.size) return [];
  const prepared = prepare(options.docsTemplates);
  if (!prepared.ok) return prepared.diagnostics;
  const found = new Map<string, Diagnostic>();
  for (const s of model.services) {
    try {
      prepared.render(serviceView(s, model.organization.platform.namespaces));
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      const d = e.diagnostic;
      found.set(`${d.file}:${d.line}:${d.col}:${d.message}`, d);
    }
  }
  return [...found.values()];
}
