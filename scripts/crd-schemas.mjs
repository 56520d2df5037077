#!/usr/bin/env node
// Converts CustomResourceDefinitions into the JSON Schemas kubeconform reads offline (the one
// implementation is src/tools/crd-schemas.ts: run from the sources in a clone, from dist/ in the
// installed package).
// Usage: node scripts/crd-schemas.mjs <crd folder> <output folder>
// Output: <out>/<group>/<kind>_<version>.json, read with
//   kubeconform -schema-location '<out>/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json'
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const [crdDir, outDir] = process.argv.slice(2);
if (!crdDir || !outDir) {
  console.error("usage: crd-schemas.mjs <crd folder> <output folder>");
  process.exit(2);
}

const source = new URL("../src/tools/crd-schemas.ts", import.meta.url);
const built = new URL("../dist/src/tools/crd-schemas.js", import.meta.url);
async function load() {
  if (existsSync(fileURLToPath(source))) {
    try {
      const { tsImport } = await import("tsx/esm/api");
      return await tsImport(fileURLToPath(source), import.meta.url);
    } catch {
      // no tsx (not a clone with its devDependencies): the compiled module below
    }
  }
  return import(built.href);
}

const { convertCrds } = await load();
const count = convertCrds(crdDir, outDir);
console.error(`crd-schemas: ${count} schemas in ${outDir}`);
