/** The custom-resource schemas kubeconform needs, found as `svcspec verify` finds them. A clone
 * without ../shared/crds has none: its custom-resource tests skip and say why, unless
 * SVCSPEC_REQUIRE_CRDS=1 (CI), where they run and fail. */
import { dirname, join, relative, sep } from "node:path";
import { expect } from "vitest";
import { kubeSchemas, localTool } from "../../src/tools/discover.js";
import { ROOT } from "../helpers.js";

const kubeconform = localTool("kubeconform", ROOT);
export const CRD_SCHEMAS = kubeSchemas(process.env, kubeconform ? dirname(dirname(kubeconform)) : join(ROOT, ".tools"));
const REQUIRED = process.env["SVCSPEC_REQUIRE_CRDS"] === "1";
export const SKIP_CRDS = !CRD_SCHEMAS.present && !REQUIRED;
const shown = CRD_SCHEMAS.dir.startsWith(ROOT + sep) ? relative(ROOT, CRD_SCHEMAS.dir) : CRD_SCHEMAS.dir;
const WHY = `no custom-resource schemas in ${shown} (scripts/setup-tools.sh converts them from ../shared/crds or SVCSPEC_CRDS; SVCSPEC_REQUIRE_CRDS=1 makes this a failure)`;
if (SKIP_CRDS) console.warn(`skipping the custom-resource checks: ${WHY}`);

/** The title of a test that needs the schemas: with the reason it is skipped, when it is. */
export const crdTitle = (title: string): string => (SKIP_CRDS ? `${title} [skipped: ${WHY}]` : title);

/** A test that needs the schemas first fails without them (reached only when they are required). */
export function expectCrdSchemas(): void {
  expect(CRD_SCHEMAS.present, WHY).toBe(true);
}
