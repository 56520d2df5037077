/** CustomResourceDefinitions -> the JSON Schemas kubeconform reads offline, the way kubeconform's
 * openapi2jsonschema converts them, with strict objects (additionalProperties: false where a CRD
 * lists its properties and does not preserve unknown fields). Output:
 * `<out>/<group>/<kind>_<version>.json`, read with
 * `kubeconform -schema-location '<out>/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json'`.
 * One implementation for scripts/setup-tools.sh (through scripts/crd-schemas.mjs) and for
 * `svcspec verify --crds <dir>` / `$SVCSPEC_CRDS`, which convert on the fly. */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import jsyaml from "js-yaml";

/** The kubeconform `-schema-location` template for a folder of converted schemas. */
export function schemaLocation(dir: string): string {
  return `${dir}/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json`;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(name) ? [p] : [];
    });
}

type Schema = unknown;

function strict(schema: Schema): Schema {
  if (Array.isArray(schema)) return schema.map(strict);
  if (!schema || typeof schema !== "object") return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === "enum" || k === "required" ? v : strict(v);
  if (out["x-kubernetes-int-or-string"]) {
    delete out["type"];
    out["oneOf"] = [{ type: "string" }, { type: "integer" }];
  }
  if (out["properties"] && out["additionalProperties"] === undefined && !out["x-kubernetes-preserve-unknown-fields"]) out["additionalProperties"] = false;
  return out;
}

interface Crd {
  kind?: string;
  spec?: { group: string; names: { kind: string }; versions?: { name: string; schema?: { openAPIV3Schema?: Schema } }[] };
}

/** Converts every CRD (any YAML file, any depth, `kubectl get crd -o yaml` lists included) under
 * `crdDir` into `outDir`; returns how many schemas it wrote. Throws on unreadable YAML. */
export function convertCrds(crdDir: string, outDir: string): number {
  let count = 0;
  for (const file of yamlFiles(crdDir)) {
    const docs = jsyaml.loadAll(readFileSync(file, "utf8")) as (Crd & { kind?: string; items?: Crd[] })[];
    // `kubectl get crd a b -o yaml` prints a List whose items are the CRDs.
    for (const doc of docs.flatMap((d) => (d?.kind === "List" ? (d.items ?? []) : [d]))) {
      if (doc?.kind !== "CustomResourceDefinition" || !doc.spec) continue;
      const { group, names, versions } = doc.spec;
      for (const v of versions ?? []) {
        const schema = v.schema?.openAPIV3Schema;
        if (!schema) continue;
        const dir = join(outDir, group);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, `${names.kind.toLowerCase()}_${v.name}.json`), JSON.stringify(strict(schema)));
        count++;
      }
    }
  }
  return count;
}
