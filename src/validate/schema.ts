import type { ErrorObject, ValidateFunction } from "ajv";
import { createRequire } from "node:module";
import { join } from "node:path";
import schema from "../../schemas/svcspec.v1.schema.json" with { type: "json" };
import { defaultHint } from "../diagnostics/codes.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { displayPath, locate, locateInString, pointerToPath, type PathSegment } from "../load/locate.js";
import type { SpecDocument } from "../load/source.js";
import { closest, orList } from "../util/suggest.js";
import { clip } from "../util/text.js";
import { packageRoot } from "../util/package-root.js";
import { FORMAT_KEYWORD, type FormatProblem, formatProblem, superseded } from "./formats.js";

export const SCHEMA_FILE = "svcspec.v1.schema.json";

/** Where the precompiled validator lives, from the package root (shipped: package.json `files`). */
export const VALIDATOR_FILE = "src/validate/schema.validator.generated.cjs";

/** The published schema as `svcspec schema` prints it: the file's own bytes (a test holds the file
 * to this formatting). */
export function schemaText(): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

let validator: ValidateFunction | null = null;

/** The schema's validator, precompiled by `npm run validator:build` (schema-compile.ts): compiling
 * it with ajv at run time cost every process 0.25-0.8 s of CPU. */
function compiled(): ValidateFunction {
  validator ??= createRequire(import.meta.url)(join(packageRoot(), VALIDATOR_FILE)) as ValidateFunction;
  return validator;
}

/** Checks the shape of one document against the published schema. */
export function checkSchema(doc: SpecDocument): Diagnostic[] {
  return checkShape(doc).diagnostics;
}

/** The shape's diagnostics and the paths (instance paths) of every schema error, so the parts
 * of a document that the schema accepted can still have their meaning checked. */
export function checkShape(doc: SpecDocument): { diagnostics: Diagnostic[]; errorPaths: PathSegment[][]; typeErrorPaths: PathSegment[][] } {
  const validate = compiled();
  if (validate(doc.value)) return { diagnostics: [], errorPaths: [], typeErrorPaths: [] };
  const problems = new Map<ErrorObject, FormatProblem | null>();
  // A format that leaves a value to the schema's own error has not rejected it (formats.ts).
  const all = (validate.errors ?? []).filter((e) => {
    const problem = formatProblem(e);
    problems.set(e, problem);
    return problem !== null || e.keyword !== FORMAT_KEYWORD;
  });
  if (all.length === 0) return { diagnostics: [], errorPaths: [], typeErrorPaths: [] };
  const errors = withoutCascades(all.filter((e) => relevant(e) && !superseded(e, all)));
  const out = errors.map((e) => formatDiagnostic(doc, e, problems.get(e) ?? null) ?? toDiagnostic(doc, e)).map((d) => (d.hint ? d : { ...d, hint: defaultHint(d.code) }));
  return { diagnostics: dedupe(out), errorPaths: all.map((e) => pointerToPath(e.instancePath)), typeErrorPaths: all.filter((e) => e.keyword === "type").map((e) => pointerToPath(e.instancePath)) };
}

// `if` errors only say "must match then schema" on top of the real error inside `then`.
// A `propertyNames` error is reported again by its inner keyword.
function relevant(e: ErrorObject): boolean {
  return e.keyword !== "if" && e.keyword !== "propertyNames";
}

/** A misspelt field gives "unknown field X" and "missing field Y" for one mistake: keep the first
 * when X is a near miss of Y (`routingKey` for `routingKeyFile`, `metdata` for `metadata`). */
function withoutCascades(errors: ErrorObject[]): ErrorObject[] {
  const extras = errors.filter((e) => e.keyword === "additionalProperties");
  return errors.filter((e) => {
    if (e.keyword !== "required") return true;
    const missing = (e.params as { missingProperty: string }).missingProperty;
    return !extras.some((x) => {
      if (x.instancePath !== e.instancePath) return false;
      const extra = (x.params as { additionalProperty: string }).additionalProperty;
      return missing.startsWith(extra) || closest(extra, [missing]) !== null;
    });
  });
}

/** A value a domain format rejected (formats.ts), told in the format's terms: the same mistake
 * gets the same code and hint whichever layer sees it first. */
function formatDiagnostic(doc: SpecDocument, e: ErrorObject, problem: FormatProblem | null): Diagnostic | null {
  if (!problem) return null;
  const path = pointerToPath(e.instancePath);
  const at = problem.offset !== undefined ? locateInString(doc, path, problem.offset) : locate(doc, path);
  return { severity: "error", file: doc.source.path, ...at, code: problem.code, message: problem.message, hint: problem.hint };
}

function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const key = `${d.line}:${d.col}:${d.code}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Required params of a chaos fault, read from the schema so the hint never drifts from it. */
function faultParams(fault: string): string[] {
  const definitions: Record<string, object> = schema.definitions;
  const params = definitions[`params-${fault}`];
  return params && "required" in params ? [...(params.required as string[])] : [];
}

function describe(schema: unknown): string | undefined {
  const d = (schema as { description?: unknown } | undefined)?.description;
  return typeof d === "string" ? d : undefined;
}

function toDiagnostic(doc: SpecDocument, e: ErrorObject): Diagnostic {
  const path = pointerToPath(e.instancePath);
  const where = displayPath(path) || "document";
  const parent = e.parentSchema as Record<string, unknown> | undefined;
  const base = { severity: "error" as const, file: doc.source.path };
  const at = (p: PathSegment[], target: "key" | "value" = "value") => locate(doc, p, target);
  const props = (parent?.properties ?? {}) as Record<string, unknown>;
  const value = e.data;

  switch (e.keyword) {
    case "required": {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      const fault = (value as { fault?: unknown } | null)?.fault;
      if (e.schemaPath.includes("/then/") && typeof fault === "string") {
        const needs = faultParams(fault);
        return { ...base, code: "SVC010", message: `${where}: fault \`${fault}\` needs \`${missing}\``, hint: needs.length ? `add ${missing}: { ${needs.map((k) => `${k}: ...`).join(", ")} }` : `add ${missing}:`, ...at(path) };
      }
      return {
        ...base,
        code: "SVC010",
        message: `${where} is missing the required field \`${missing}\``,
        hint: describe(props[missing]) ?? `add \`${missing}:\``,
        ...at(path),
      };
    }
    case "additionalProperties": {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys(props);
      const near = closest(extra, known);
      const secretHint = /key$|url$|password$|token$|secret$/i.test(extra) && known.some((k) => k === `${extra}File`)
        ? `secrets are never inlined: put it in a file and reference it with \`${extra}File\``
        : null;
      return {
        ...base,
        code: "SVC011",
        message: `unknown field \`${clip(extra)}\` in ${where}`,
        hint: secretHint ?? (near ? `did you mean \`${near}\`?` : known.length ? `allowed fields: ${known.join(", ")}` : "remove it"),
        ...at([...path, extra], "key"),
      };
    }
    case "type": {
      const type = (e.params as { type: string | string[] }).type;
      const types = Array.isArray(type) ? type : type.split(",");
      return {
        ...base,
        code: "SVC012",
        message: `${where} must be ${orList(types.map(article), "")}, not ${kindOf(value)}`,
        hint: describe(parent) ?? describe(e.schema),
        ...at(path),
      };
    }
    case "enum":
    case "const": {
      const allowed = (e.keyword === "enum" ? (e.params as { allowedValues: unknown[] }).allowedValues : [(e.params as { allowedValue: unknown }).allowedValue]).map(String);
      const near = typeof value === "string" ? closest(value, allowed) : null;
      return {
        ...base,
        code: "SVC013",
        message: `${where} is ${JSON.stringify(value)}; allowed: ${allowed.join(", ")}`,
        hint: near ? `did you mean \`${near}\`?` : describe(parent),
        ...at(path),
      };
    }
    case "pattern":
    case "format": {
      const propertyName = (e as ErrorObject & { propertyName?: string }).propertyName;
      if (propertyName !== undefined) {
        return {
          ...base,
          code: "SVC014",
          message: `name \`${propertyName}\` in ${where} is not valid`,
          hint: describe(parent) ?? "names are DNS-1123 labels: lower-case letters, digits and `-`, at most 63",
          ...at([...path, propertyName], "key"),
        };
      }
      return {
        ...base,
        code: "SVC014",
        message: `${where} has an invalid value ${JSON.stringify(value)}`,
        hint: describe(parent) ?? describe(e.schema) ?? `must match ${String(e.schema)}`,
        ...at(path),
      };
    }
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum": {
      const p = e.params as { comparison: string; limit: number };
      return {
        ...base,
        code: "SVC015",
        message: `${where} is ${JSON.stringify(value)} but must be ${p.comparison} ${p.limit}`,
        hint: describe(parent),
        ...at(path),
      };
    }
    case "not": {
      return {
        ...base,
        code: "SVC017",
        message: `${where}: ${describe(e.schema) ?? "fields that exclude each other are both set"}`,
        hint: describe(parent),
        ...at(path),
      };
    }
    case "maxProperties": {
      const keys = Object.keys(props);
      return {
        ...base,
        code: "SVC017",
        message: `${where} must hold exactly one of ${orList(keys)}, found ${orList(Object.keys(value as object))}`,
        hint: describe(parent),
        ...at(path),
      };
    }
    case "minProperties": {
      const keys = Object.keys(props);
      return {
        ...base,
        code: "SVC016",
        message: keys.length ? `${where} must hold at least one of ${orList(keys)}` : `${where} must not be empty`,
        hint: describe(parent),
        ...at(path),
      };
    }
    case "minItems": {
      const limit = (e.params as { limit: number }).limit;
      return { ...base, code: "SVC016", message: limit === 1 ? `${where} must not be empty` : `${where} needs at least ${limit} items`, hint: describe(parent), ...at(path) };
    }
    case "uniqueItems": {
      const p = e.params as { i: number; j: number };
      return { ...base, code: "SVC016", message: `${where} lists ${JSON.stringify((value as unknown[])[p.i])} twice`, hint: "remove the repeated item", ...at([...path, p.i]) };
    }
    default: {
      return {
        ...base,
        code: "SVC016",
        message: `${where} ${e.message ?? "is invalid"}`,
        hint: describe(parent),
        ...at(path),
      };
    }
  }
}

function article(t: string): string {
  return t === "integer" ? "an integer" : t === "object" ? "a mapping" : t === "array" ? "a list" : `a ${t}`;
}

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return `the string ${JSON.stringify(v)}`;
  return `${typeof v} ${JSON.stringify(v)}`;
}
