/** What the Kubernetes tests of both tiers share: the manifests of an output folder. */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** The YAML files under `<out>/kubernetes`, as `kubernetes/...` paths, sorted. */
export function manifests(out: string): string[] {
  const dir = join(out, "kubernetes");
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => `kubernetes/${f}`)
    .sort();
}
