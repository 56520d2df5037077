/** Edits of a spec in memory, for tests that compare two compilations: the example's sources, and
 * YAML edits addressed by path, where `{ name }` picks the list item of that name. Comments and
 * the untouched lines stay as they were (the `yaml` library's document model). */
import { parseDocument, type Document } from "yaml";
import type { SourceFile } from "../../src/load/source.js";
import { sourcesOf } from "../helpers.js";

export type Step = string | number | { name: string };
export type Edit = (doc: Document) => void;

export function exampleSources(): SourceFile[] {
  return sourcesOf("spec");
}

/** The concrete path of `steps` in `doc`: each `{ name }` becomes the index of that item. */
export function resolvePath(doc: Document, steps: readonly Step[]): (string | number)[] {
  const out: (string | number)[] = [];
  let node: unknown = doc.toJS();
  for (const s of steps) {
    if (typeof s === "object") {
      const i = Array.isArray(node) ? node.findIndex((x: { name?: unknown }) => x?.name === s.name) : -1;
      if (i < 0) throw new Error(`no item named ${s.name} at ${out.join(".")}`);
      out.push(i);
      node = (node as unknown[])[i];
    } else {
      out.push(s);
      node = (node as Record<string | number, unknown> | undefined)?.[s];
    }
  }
  return out;
}

export const set = (steps: Step[], value: unknown): Edit => (doc) => doc.setIn(resolvePath(doc, steps), doc.createNode(value));
export const remove = (steps: Step[]): Edit => (doc) => {
  const path = resolvePath(doc, steps);
  if (!doc.hasIn(path)) throw new Error(`nothing at ${path.join(".")}`);
  doc.deleteIn(path);
};
/** Appends to the list at `steps`. */
export const append = (steps: Step[], value: unknown): Edit => (doc) => doc.addIn(resolvePath(doc, steps), doc.createNode(value));

/** The sources with the edits applied to the file at `rel` (relative to the spec folder). */
export function editFile(sources: readonly SourceFile[], rel: string, ...edits: Edit[]): SourceFile[] {
  const name = `spec/${rel}`;
  const file = sources.find((s) => s.name === name);
  if (!file) throw new Error(`no spec file ${name}`);
  const doc = parseDocument(file.text);
  for (const e of edits) e(doc);
  return sources.map((s) => (s === file ? { ...s, text: doc.toString() } : s));
}

/** The sources with a file added (kept in byte order of name, as readSpecFolder returns them). */
export function addFile(sources: readonly SourceFile[], rel: string, text: string): SourceFile[] {
  const name = `spec/${rel}`;
  return [...sources.filter((s) => s.name !== name), { path: name, name, text }].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function removeFile(sources: readonly SourceFile[], rel: string): SourceFile[] {
  const name = `spec/${rel}`;
  if (!sources.some((s) => s.name === name)) throw new Error(`no spec file ${name}`);
  return sources.filter((s) => s.name !== name);
}

/** A file moved to another name, its text unchanged. */
export function moveFile(sources: readonly SourceFile[], from: string, to: string): SourceFile[] {
  const file = sources.find((s) => s.name === `spec/${from}`);
  if (!file) throw new Error(`no spec file spec/${from}`);
  return addFile(removeFile(sources, from), to, file.text);
}
