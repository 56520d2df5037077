/** handlebars is CommonJS typed with `export =`, which this project (no esModuleInterop) cannot
 * default-import; require() gives the same object Node's ESM loader would. */
import { createRequire } from "node:module";
import type * as HandlebarsTypes from "handlebars";

export const Handlebars: typeof HandlebarsTypes = createRequire(import.meta.url)("handlebars");
export type HelperDelegate = HandlebarsTypes.HelperDelegate;
export type TemplateDelegate = HandlebarsTypes.TemplateDelegate;
