import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "./package-root.js";

/** The svcspec version, from the package.json beside schemas/ and generators/: the one that
 * `npm pack` ships, so a clone and an installed tarball report what they are. */
export const SVCSPEC_VERSION: string = (JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string }).version;
