#!/usr/bin/env node
// Converts CustomResourceDefinitions into the JSON Schemas kubeconform reads offline, the way
// kubeconform's openapi2jsonschema does, with strict objects (additionalProperties: false where a
// CRD lists its properties and does not preserve unknown fields).
// Usage: node scripts/crd-schemas.mjs <crd folder> <output folder>
// Output: <out>/<group>/<kind>_<version>.json, read with
//   kubeconform -schema-location '<out>/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json'
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import jsyaml from "js-yaml";

const [crdDir, outDir] = process.argv.slice(2);
if (!crdDir || !outDir) {
  console.error("usage: crd-schemas.mjs <crd folder> <output folder>");
  process.exit(2);
}

function yamlFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(name) ? [p] : [];
  });
}

function strict(schema) {
  if (Array.isArray(schema)) return schema.map(strict);
  if (!schema || typeof schema !== "object") return schema;
  const out = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === "enum" || k === "required" ? v : strict(v);
  if (out["x-kubernetes-int-or-string"]) {
    delete out.type;
    out.oneOf = [{ type: "string" }, { type: "integer" }];
  }
  if (out.properties && out.additionalProperties === undefined && !out["x-kubernetes-preserve-unknown-fields"]) out.additionalProperties = false;
  return out;
}

let count = 0;
for (const file of yamlFiles(crdDir).sort()) {
  for (const doc of jsyaml.loadAll(readFileSync(file, "utf8"))) {
    if (doc?.kind !== "CustomResourceDefinition") continue;
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
console.error(`crd-schemas: ${count} schemas in ${outDir}`);
