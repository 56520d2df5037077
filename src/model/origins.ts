/** Where Model nodes came from. Checks of resolved values (an alert that can never fire, a page
 * with no receiver) run on the Model, but report at a place in a spec file: lower() records, for
 * the nodes such checks read, the document and the path of the spec node it was lowered from, and
 * which fields that spec node wrote (the others hold defaults). */

export interface Located<T> {
  doc: T;
  /** Stable source name for headers. */
  file: string;
}

/** A path into a document, as keys and list indexes. */
export type SourcePath = readonly (string | number)[];

export interface Source {
  document: Located<unknown>;
  path: SourcePath;
}

interface NodeOrigin extends Source {
  written: ReadonlySet<string>;
}

export class Origins {
  readonly #nodes = new WeakMap<object, NodeOrigin>();

  record(node: object, document: Located<unknown>, path: SourcePath, spec: object | undefined): void {
    this.#nodes.set(node, { document, path, written: new Set(Object.keys(spec ?? {})) });
  }

  /** Where a node was lowered from; null for a node no document wrote (a built-in default). */
  of(node: object): Source | null {
    return this.#nodes.get(node) ?? null;
  }

  /** Where a field of a node was written, or null when it holds a default. */
  field(node: object, field: string): Source | null {
    const o = this.#nodes.get(node);
    return o?.written.has(field) ? { document: o.document, path: [...o.path, field] } : null;
  }
}
