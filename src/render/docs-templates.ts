/** The contract between the CLI, which reads an organisation's docs templates folder
 * (`--docs-templates <dir>`), and the docs generator, which renders with them: the template names
 * and the files' suffix. compile() receives the files as data. */

/** The main template, then one partial per section, in the order the main template uses them. */
export const TEMPLATE_NAMES = ["service", "header", "slos", "cache", "pii", "access", "load", "chaos"] as const;
export const TEMPLATE_SUFFIX = ".md.hbs";

/** One template file: `path` is what diagnostics name, as the user sees it. */
export interface TemplateSource {
  path: string;
  text: string;
}
/** Templates by name (the file name without `.md.hbs`). */
export type DocsTemplates = ReadonlyMap<string, TemplateSource>;
