/** The Rego sources, real files beside this module (`opa check --strict` and `opa fmt` clean as
 * they are; test/opa.test.ts holds them to that). One generic authorization policy per service
 * reads that service's rules from `data.json`, so no spec string is ever spliced into Rego: only
 * the service id (a snake_case identifier) replaces the placeholder segment `service_id`. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../src/util/package-root.js";

/** The folder of the .rego files: from the package root, since dist/ holds no copy of them. */
export const REGO_DIR = join("generators", "opa");
export const AUTHZ_REGO = "authz.rego";
export const DEPLOY_REGO = "deploy.rego";
export const MASK_REGO = "mask.rego";

const sources = new Map<string, string>();

function source(file: string): string {
  let text = sources.get(file);
  if (text === undefined) sources.set(file, (text = readFileSync(join(packageRoot(), REGO_DIR, file), "utf8")));
  return text;
}

/** The placeholder as it appears in the package name and in every `data.svcspec.services.<id>` ref. */
const SERVICE_SEGMENT = /\bsvcspec\.services\.service_id\b/g;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function servicePolicy(id: string): string {
  if (!IDENTIFIER.test(id)) throw new Error(`internal: service id ${JSON.stringify(id)} is not a Rego identifier`);
  return source(AUTHZ_REGO).replace(SERVICE_SEGMENT, () => `svcspec.services.${id}`);
}

/** The deploy gate. Its two fixed reasons are literals in the Rego; test/opa.test.ts holds them
 * equal to DEPLOY_INVALID_REASON and DEPLOY_NO_ROW_REASON of the reference evaluator. */
export function deployPolicy(): string {
  return source(DEPLOY_REGO);
}

/** The decision-log mask (package system.log), as it is: what it masks is data (logMaskData). */
export function maskPolicy(): string {
  return source(MASK_REGO);
}
