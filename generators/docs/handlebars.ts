/** handlebars is CommonJS typed with `export =`, which this project (no esModuleInterop) cannot
 * default-import; require() gives the same object Node's ESM loader would. It is loaded on first
 * use: only a build that renders docs (or checks an organisation's templates) pays its load time. */
import { createRequire } from "node:module";
import type * as HandlebarsTypes from "handlebars";

let loaded: typeof HandlebarsTypes | undefined;

export function handlebars(): typeof HandlebarsTypes {
  loaded ??= createRequire(import.meta.url)("handlebars") as typeof HandlebarsTypes;
  return loaded;
}
export type HelperDelegate = HandlebarsTypes.HelperDelegate;
export type TemplateDelegate = HandlebarsTypes.TemplateDelegate;
