/** The Handlebars side of the docs: the built-in templates (read once per process from
 * generators/docs/templates, compiled once), an organisation's overrides, and every way an override
 * can break turned into a located diagnostic (SVC004). Markdown, not HTML: `noEscape`, and spec
 * text is escaped explicitly with the `md` and `code` helpers. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { handlebars, type HelperDelegate, type TemplateDelegate } from "./handlebars.js";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { type DocsTemplates, TEMPLATE_NAMES, TEMPLATE_SUFFIX, type TemplateSource } from "../../src/render/docs-templates.js";
import { packageRoot } from "../../src/util/package-root.js";
import { orList, unknownNameHint } from "../../src/util/suggest.js";
import { type CallOptions, HELPERS, located, written } from "./helpers.js";
import type { ServiceView } from "./view.js";

export const MAIN = "service";
const PARTIALS = TEMPLATE_NAMES.filter((n) => n !== MAIN);
const BUILTIN_DIR = "generators/docs/templates";
/** Handlebars' own helpers a template may call besides ours. */
const BLOCK_HELPERS = ["if", "unless", "each", "with"] as const;
const KNOWN_HELPERS = [...Object.keys(HELPERS), ...BLOCK_HELPERS, "lookup", "log"];
/** trackIds: helpers see their arguments as written, to name a misspelt field. */
const OPTIONS = { strict: true, noEscape: true, trackIds: true } as const;


/** A template that failed while rendering: a user error when the template is an override. */
export class TemplateError extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(`${diagnostic.file}:${diagnostic.line}:${diagnostic.col}: ${diagnostic.message}`);
  }
}

export type Renderer = (view: ServiceView) => string;
export type Prepared = { ok: true; render: Renderer } | { ok: false; diagnostics: Diagnostic[] };

let builtin: { sources: Map<string, TemplateSource>; render: Renderer } | null = null;
const overridden = new WeakMap<DocsTemplates, Prepared>();

/** The renderer for the built-in templates with `overrides` (by name) in their place. */
export function prepare(overrides?: DocsTemplates): Prepared {
  const base = builtinTemplates();
  if (!overrides?.size) return { ok: true, render: base.render };
  let prepared = overridden.get(overrides);
  if (!prepared) {
    prepared = compileSet(new Map([...base.sources, ...overrides]), unknownNames(overrides));
    overridden.set(overrides, prepared);
  }
  return prepared;
}

function builtinTemplates(): NonNullable<typeof builtin> {
  if (builtin) return builtin;
  const dir = join(packageRoot(), BUILTIN_DIR);
  const sources = new Map<string, TemplateSource>(
    TEMPLATE_NAMES.map((name) => [name, { path: `${BUILTIN_DIR}/${name}${TEMPLATE_SUFFIX}`, text: readFileSync(join(dir, name + TEMPLATE_SUFFIX), "utf8") }]),
  );
  const prepared = compileSet(sources, []);
  if (!prepared.ok) throw new Error(`internal: built-in docs templates are broken:\n${prepared.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`).join("\n")}`);
  return (builtin = { sources, render: prepared.render });
}

function unknownNames(overrides: DocsTemplates): Diagnostic[] {
  const known: readonly string[] = TEMPLATE_NAMES;
  return [...overrides]
    .filter(([name]) => !known.includes(name))
    .map(([name, src]) =>
      problem(src, 0, 0, `no docs template is named ${name}`, `${unknownNameHint(name, known, "templates")}; a file overrides the built-in template of the same name (${TEMPLATE_NAMES.map((n) => n + TEMPLATE_SUFFIX).join(", ")})`),
    );
}

/** Parses and checks every template up front (syntax, helpers, partials), then compiles the set. */
function compileSet(sources: ReadonlyMap<string, TemplateSource>, found: Diagnostic[]): Prepared {
  const diagnostics = [...found];
  for (const name of TEMPLATE_NAMES) diagnostics.push(...staticProblems(sources.get(name)!));
  if (diagnostics.length) return { ok: false, diagnostics };
  const env = handlebars().create();
  for (const [name, fn] of Object.entries(HELPERS)) env.registerHelper(name, fn);
  for (const name of BLOCK_HELPERS) env.registerHelper(name, definedFirst(env.helpers[name]!));
  for (const name of PARTIALS) {
    const src = sources.get(name)!;
    env.registerPartial(name, guarded(src, env.compile(src.text, OPTIONS)));
  }
  const main = guarded(sources.get(MAIN)!, env.compile(sources.get(MAIN)!.text, OPTIONS));
  return { ok: true, render: (view) => tidy(main(view)) };
}

/** Blank lines as Markdown wants them: sections that render empty leave no gap. */
function tidy(text: string): string {
  return text.replace(/\n{3,}/g, "\n\n").trimEnd() + "\n";
}

/** Strict mode checks `{{field}}` but passes a missing block-helper argument as undefined,
 * which `#if` would read as false: a misspelt field would silently drop a section. */
function definedFirst(builtinHelper: HelperDelegate): HelperDelegate {
  return function (this: unknown, ...args: unknown[]) {
    const options = args[args.length - 1] as CallOptions;
    if (args.length > 1 && args[0] === undefined) throw located(`\`#${options.name}\`${written(options, 0)} got undefined: not a field of the view model here`, options);
    return (builtinHelper as (...a: unknown[]) => unknown).apply(this, args);
  };
}

/** Tags an error with the template it happened in (the innermost one: partials are guarded too). */
function guarded(src: TemplateSource, fn: TemplateDelegate): TemplateDelegate {
  return (context, options) => {
    try {
      return fn(context, options);
    } catch (e) {
      throw e instanceof TemplateError ? e : new TemplateError(runtimeProblem(src, e));
    }
  };
}

interface HbsError {
  message: string;
  lineNumber?: number;
  column?: number;
}

function runtimeProblem(src: TemplateSource, e: unknown): Diagnostic {
  const err = (e ?? {}) as HbsError;
  const text = String(err.message ?? e).replace(/ - \d+:\d+$/, "");
  const line = typeof err.lineNumber === "number" ? err.lineNumber : 0;
  const col = line && typeof err.column === "number" ? err.column + 1 : 0;
  const missing = /^"([^"]+)" not defined in (.*)$/.exec(text);
  if (missing?.[2] === "null" || missing?.[2] === "undefined") {
    return problem(src, line, col, `\`${missing[1]}\` is read from a null value`, "wrap it in {{#if}} on the field that holds it: cache, access, sli.ratio and other optional parts are null when absent");
  }
  if (missing) {
    return problem(src, line, col, `\`${missing[1]}\` is not a field of the view model here`, "docs/docs-templates.md lists the fields; inside {{#each}} the context is the item (reach outer fields with ../ or @root.)");
  }
  return problem(src, line, col, text, "docs/docs-templates.md lists the helpers, their arguments and the view model fields");
}

/** Syntax errors, unknown helpers and unknown partials: found without rendering anything. */
function staticProblems(src: TemplateSource): Diagnostic[] {
  let ast: hbs.AST.Program;
  try {
    ast = handlebars().parse(src.text);
  } catch (e) {
    return [syntaxProblem(src, e)];
  }
  const out: Diagnostic[] = [];
  const at = (node: hbs.AST.Node) => [node.loc.start.line, node.loc.start.column + 1] as const;
  const checker = new (class extends handlebars().Visitor {
    override MustacheStatement(node: hbs.AST.MustacheStatement): void {
      this.call(node);
      super.MustacheStatement(node);
    }
    override BlockStatement(node: hbs.AST.BlockStatement): void {
      this.call(node);
      super.BlockStatement(node);
    }
    override SubExpression(node: hbs.AST.SubExpression): void {
      this.call(node);
      super.SubExpression(node);
    }
    override PartialStatement(node: hbs.AST.PartialStatement): void {
      this.partial(node);
      super.PartialStatement(node);
    }
    override PartialBlockStatement(node: hbs.AST.PartialBlockStatement): void {
      this.partial(node);
      super.PartialBlockStatement(node);
    }
    /** A path with arguments, or a block, calls a helper; a bare `{{name}}` is a field. */
    call(node: hbs.AST.MustacheStatement | hbs.AST.BlockStatement | hbs.AST.SubExpression): void {
      const isCall = node.type === "BlockStatement" || node.params.length > 0 || (node.hash?.pairs.length ?? 0) > 0;
      const path = node.path as hbs.AST.PathExpression;
      if (!isCall || path.type !== "PathExpression" || path.parts.length !== 1 || path.data) return;
      const name = path.original;
      if (!KNOWN_HELPERS.includes(name)) out.push(problem(src, ...at(node), `unknown helper ${name}`, unknownNameHint(name, KNOWN_HELPERS, "helpers")));
    }
    partial(node: hbs.AST.PartialStatement | hbs.AST.PartialBlockStatement): void {
      const name = node.name as hbs.AST.PathExpression;
      if (name.type !== "PathExpression") return; // a dynamic partial is checked when it renders
      if (!(PARTIALS as readonly string[]).includes(name.original)) {
        out.push(problem(src, ...at(node), `unknown partial ${name.original}`, `the partials are ${orList(PARTIALS)}`));
      }
    }
  })();
  checker.accept(ast);
  return out;
}

function syntaxProblem(src: TemplateSource, e: unknown): Diagnostic {
  const err = e as HbsError;
  const message = String(err.message ?? e);
  if (typeof err.lineNumber === "number") return problem(src, err.lineNumber, (err.column ?? 0) + 1, `Handlebars syntax error: ${message.replace(/ - \d+:\d+$/, "")}`, SYNTAX_HINT);
  // The parser reports only "Parse error on line N"; its lexer still holds the failing token.
  const where = (handlebars() as unknown as { Parser?: { lexer?: { yylloc?: { first_line: number; first_column: number } } } }).Parser?.lexer?.yylloc;
  const line = where?.first_line ?? Number(/on line (\d+)/.exec(message)?.[1] ?? 0);
  const col = where ? where.first_column + 1 : line ? 1 : 0;
  return problem(src, line, col, `Handlebars syntax error: ${message.split("\n").at(-1)}`, SYNTAX_HINT);
}

const SYNTAX_HINT = "every {{#block}} needs its {{/block}}, every {{ its }}; see https://handlebarsjs.com/guide/";

function problem(src: TemplateSource, line: number, col: number, message: string, hint: string): Diagnostic {
  return { code: "SVC004", severity: "error", message: `docs template: ${message}`, file: src.path, line, col, hint };
}
