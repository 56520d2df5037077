/** The TypeScript types of the spec documents, generated from the JSON Schema, which is the one
 * source of the spec language: one type per definition, named after it (`params-pod-kill` ->
 * `ParamsPodKill`), its descriptions as doc comments. Run `npm run spec:types` after editing the
 * schema; test/spec-schema.test.ts fails while src/model/spec.generated.ts is stale.
 *
 * Read: $ref, type (or a list of types), enum, const, properties, required, items,
 * additionalProperties, and the `allOf` of `if: { properties: { <d>: { const } } }` / `then` pairs
 * that makes a property's schema depend on a discriminant (chaos `params` on `fault`): such a
 * definition becomes a union, one member per discriminant value. Keywords that only constrain
 * values (pattern, minimum, not, if/then/else between optional fields, ...) add nothing here. */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface JsonSchema {
  $ref?: string;
  description?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  allOf?: JsonSchema[];
  if?: JsonSchema;
  then?: JsonSchema;
  definitions?: Record<string, JsonSchema>;
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const SCHEMA_PATH = join(ROOT, "schemas", "svcspec.v1.schema.json");
export const TYPES_PATH = join(ROOT, "src", "model", "spec.generated.ts");

const WIDTH = 100;

/** `params-pod-kill` -> `ParamsPodKill`, `organizationSlo` -> `OrganizationSlo`. */
export function typeName(definition: string): string {
  return definition
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("");
}

function refName(ref: string): string {
  const m = /^#\/definitions\/(.+)$/.exec(ref);
  if (!m?.[1]) throw new Error(`spec-types: unsupported $ref ${ref}`);
  return typeName(m[1]);
}

/** A doc comment, wrapped at WIDTH columns. */
function doc(text: string | undefined, indent: string): string[] {
  if (!text) return [];
  const room = WIDTH - indent.length - 3;
  const lines: string[] = [];
  let line = "";
  for (const word of text.replace(/\*\//g, "*\\/").split(/\s+/)) {
    if (line && line.length + 1 + word.length > room) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  if (lines.length === 1 && indent.length + 7 + line.length <= WIDTH) return [`${indent}/** ${line} */`];
  return [`${indent}/**`, ...lines.map((l) => `${indent} * ${l}`), `${indent} */`];
}

const literal = (v: unknown): string => JSON.stringify(v);

function union(types: readonly string[]): string {
  const unique = [...new Set(types)];
  return unique.length ? unique.join(" | ") : "never";
}

function arrayOf(t: string): string {
  return /^[A-Za-z0-9_<>, ]+$/.test(t) || t.startsWith("{") ? `${t}[]` : `(${t})[]`;
}

/** The type of a schema, inline; objects with properties are written over several lines. */
function typeOf(s: JsonSchema, indent: string): string {
  if (s.$ref) return refName(s.$ref);
  if (s.const !== undefined) return literal(s.const);
  if (s.enum) return union(s.enum.map(literal));
  if (Array.isArray(s.type)) return union(s.type.map((t) => typeOf({ ...s, type: t }, indent)));
  switch (s.type) {
    case "string":
      return "string";
    case "integer":
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "array":
      return arrayOf(s.items ? typeOf(s.items, indent) : "unknown");
    case "object":
      return objectType(s, indent);
    default:
      return "unknown";
  }
}

function objectType(s: JsonSchema, indent: string): string {
  const props = Object.entries(s.properties ?? {});
  const extra = s.additionalProperties;
  if (!props.length) {
    if (extra === false) return "Record<string, never>";
    return `Record<string, ${typeof extra === "object" ? typeOf(extra, indent) : "unknown"}>`;
  }
  if (typeof extra === "object") throw new Error("spec-types: properties with an additionalProperties schema are not supported");
  return `{\n${members(s, indent + "  ").join("\n")}\n${indent}}`;
}

function members(s: JsonSchema, indent: string, omit: readonly string[] = []): string[] {
  const required = new Set(s.required ?? []);
  return Object.entries(s.properties ?? {})
    .filter(([name]) => !omit.includes(name))
    .flatMap(([name, p]) => [...doc(p.description, indent), ...declaration(`${indent}${propertyKey(name)}${required.has(name) ? "" : "?"}:`, typeOf(p, indent), indent)]);
}

/** `head type;`, with a union of literals too long for one line written one member a line. */
function declaration(head: string, type: string, indent: string): string[] {
  const line = `${head} ${type};`;
  const members = type.split(" | ");
  if (line.length <= WIDTH || members.length < 2 || !members.every((m) => /^"[^"]*"$/.test(m))) return [line];
  return [head, ...members.map((m, i) => `${indent}  | ${m}${i === members.length - 1 ? ";" : ""}`)];
}

/** `name?: Type` pairs on one line, without doc comments (members of a union). */
function fields(s: JsonSchema): string[] {
  const required = new Set(s.required ?? []);
  return Object.entries(s.properties ?? {}).map(([name, p]) => `${propertyKey(name)}${required.has(name) ? "" : "?"}: ${typeOf(p, "")}`);
}

function propertyKey(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : literal(name);
}

interface Variant {
  value: unknown;
  then: JsonSchema;
}

/** The `allOf` members of shape `if: { properties: { <d>: { const: v } }, required: [<d>] }, then:
 * { properties: ... }`, when every member has that shape and all name the same `<d>`. */
function discriminated(s: JsonSchema): { property: string; variants: Variant[] } | null {
  if (!s.allOf?.length) return null;
  let property: string | null = null;
  const variants: Variant[] = [];
  for (const member of s.allOf) {
    const cond = Object.entries(member.if?.properties ?? {});
    const [name, test] = cond[0] ?? [];
    if (cond.length !== 1 || !name || test?.const === undefined || !member.then?.properties || (property !== null && property !== name)) return null;
    property = name;
    variants.push({ value: test.const, then: member.then });
  }
  return property ? { property, variants } : null;
}

function definition(name: string, s: JsonSchema): string[] {
  const type = typeName(name);
  const head = doc(s.description, "");
  const split = s.type === "object" ? discriminated(s) : null;
  if (split) {
    const refined = [...new Set(split.variants.flatMap((v) => Object.keys(v.then.properties ?? {})))];
    const base = `${type}Base`;
    const listed = split.variants.map((v) => v.value);
    const rest = (s.properties?.[split.property]?.enum ?? []).filter((v) => !listed.includes(v));
    const variant = (value: string, then: JsonSchema) => `{ ${[`${split.property}: ${value}`, ...fields(then)].join("; ")} }`;
    const parts = split.variants.map((v) => variant(literal(v.value), v.then));
    if (rest.length) parts.push(variant(union(rest.map(literal)), { properties: Object.fromEntries(refined.map((k) => [k, s.properties?.[k] ?? {}])), required: s.required ?? [] }));
    return [
      ...doc(`What every ${type} has; the fields that depend on \`${split.property}\` are in ${type}.`, ""),
      `export interface ${base} {`,
      ...members(s, "  ", refined),
      "}",
      "",
      ...head,
      `export type ${type} = ${base} &`,
      "  (",
      ...parts.map((p) => `    | ${p}`),
      "  );",
    ];
  }
  if (s.type === "object" && s.properties && Object.keys(s.properties).length) {
    if (typeof s.additionalProperties === "object") throw new Error(`spec-types: ${name}: properties with an additionalProperties schema are not supported`);
    return [...head, `export interface ${type} {`, ...members(s, "  "), "}"];
  }
  return [...head, ...declaration(`export type ${type} =`, typeOf(s, ""), "")];
}

/** The generated module's text for a schema. */
export function specTypes(schema: JsonSchema): string {
  const defs = Object.entries(schema.definitions ?? {});
  const out = [
    "// Generated by scripts/spec-types.ts from schemas/svcspec.v1.schema.json: do not edit.",
    "// Regenerate with `npm run spec:types`; test/spec-schema.test.ts fails while this file is stale.",
    "",
    ...defs.flatMap(([name, s]) => [...definition(name, s), ""]),
  ];
  return out.join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, "utf8")) as JsonSchema;
  writeFileSync(TYPES_PATH, specTypes(schema));
  console.log(`wrote ${TYPES_PATH.slice(ROOT.length + 1)}`);
}
