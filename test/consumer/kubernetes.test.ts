/** Kubernetes manifests proven by kubeconform -strict with the CRD schemas (Chaos Mesh, k6-operator,
 * prometheus-operator), and by `svcspec verify --require-tools`. Without the schemas (a clone
 * without ../shared/crds) the custom-resource tests skip and say why; SVCSPEC_REQUIRE_CRDS=1 (CI)
 * makes them fail instead. (What holds without kubeconform: test/kubernetes.test.ts.) */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { localTool } from "../../src/tools/discover.js";
import { OUTPUTS as outputs, ROOT, run } from "../helpers.js";
import { CRD_SCHEMAS, crdTitle, expectCrdSchemas, SKIP_CRDS } from "../support/kube-schemas.js";
import { manifests } from "../support/kubernetes.js";

const kubeconform = localTool("kubeconform", ROOT);

describe("kubernetes manifests", () => {
  it("kubeconform is installed", () => {
    expect(kubeconform, "kubeconform missing: run scripts/setup-tools.sh").not.toBeNull();
  });

  it.skipIf(SKIP_CRDS).each(outputs)(crdTitle("kubeconform -strict accepts every custom resource of %s"), (out) => {
    expectCrdSchemas();
    const files = manifests(out).filter((f) => !f.endsWith("kustomization.yaml"));
    if (!files.length) return;
    const r = spawnSync(
      kubeconform!,
      ["-strict", "-summary", "-skip", "ConfigMap,Secret", "-schema-location", join(CRD_SCHEMAS.dir, "{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"), ...files],
      { cwd: out, encoding: "utf8", timeout: 120_000 },
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Invalid: 0, Errors: 0/);
  });

  it.skipIf(SKIP_CRDS)(crdTitle("svcspec verify --require-tools passes on the example"), async () => {
    expectCrdSchemas();
    const r = await run(["verify", "--out", "out", "--require-tools"]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/k6 inspect\s+ok \(\d+ files\)/);
    expect(r.err).toMatch(/kubeconform -strict\s+ok/);
  }, 300_000);
});
