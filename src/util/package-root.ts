import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | null = null;

/** The svcspec package folder (holding schemas/ and generators/), found from this module whether
 * it runs from src/ under vitest or from dist/src/ when built. */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, "utf8")).name === "svcspec") return (cached = dir);
    dir = dirname(dir);
  }
  throw new Error("cannot find the svcspec package root");
}
