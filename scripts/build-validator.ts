/** Writes the precompiled schema validator (src/validate/schema-compile.ts). Run after changing
 * schemas/svcspec.v1.schema.json or a format's pattern handling: `npm run validator:build`. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { VALIDATOR_FILE } from "../src/validate/schema.js";
import { validatorSource } from "../src/validate/schema-compile.js";
import { packageRoot } from "../src/util/package-root.js";

const file = join(packageRoot(), VALIDATOR_FILE);
writeFileSync(file, validatorSource());
console.log(`wrote ${VALIDATOR_FILE}`);
