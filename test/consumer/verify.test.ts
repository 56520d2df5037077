/** `svcspec verify` for users: custom-resource definitions from `--crds <dir>` or `$SVCSPEC_CRDS`
 * (files as `kubectl get crd ... -o yaml` writes them, a List included), converted on the fly;
 * missing validators exit 3 unless --allow-missing; `--format json`. (Validators found on the PATH
 * of an installed package: test/consumer/package.test.ts.) */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import jsyaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { localTool } from "../../src/tools/discover.js";
import { ROOT, run, tempDir } from "../helpers.js";

/** The CRDs CI has (../shared/crds, or $SVCSPEC_CRDS); a clone without them skips, saying so. */
const CRDS = process.env["SVCSPEC_CRDS"] || join(ROOT, "..", "shared", "crds");
const HAVE_CRDS = existsSync(CRDS);
const REQUIRED = process.env["SVCSPEC_REQUIRE_CRDS"] === "1";
const title = (t: string) => (HAVE_CRDS || REQUIRED ? t : `${t} [skipped: no CRD folder at ${CRDS}; SVCSPEC_REQUIRE_CRDS=1 makes this a failure]`);

interface Report {
  summary: { ran: number; failed: number; missing: number; exitCode: number };
  only?: string[];
  kubeSchemas: string;
  checks: { check: string; status: string; detail: string; problems: string[] }[];
}

const json = (out: string) => JSON.parse(out) as Report;
const kubeconform = (r: Report) => r.checks.find((c) => c.check === "kubeconform -strict")!;

describe("svcspec verify for users", () => {
  it("kubeconform and promtool are installed (scripts/setup-tools.sh)", () => {
    for (const t of ["kubeconform", "promtool"]) expect(localTool(t, ROOT), t).not.toBeNull();
  });

  it.skipIf(!HAVE_CRDS && !REQUIRED)(title("--crds <dir> and $SVCSPEC_CRDS convert the CRDs on the fly; a kubectl List file works too"), async () => {
    expect(existsSync(CRDS), `no CRD folder at ${CRDS}`).toBe(true);
    const empty = tempDir();
    try {
      // Pre-converted schemas elsewhere are empty: only the flag can supply them.
      // Only the Kubernetes checks read the schemas (validators.test.ts runs every check).
      const flag = await run(["verify", "--format", "json", "--only", "kubernetes", "--crds", CRDS], ROOT, { SVCSPEC_KUBE_SCHEMAS: empty.path });
      const r = json(flag.out);
      expect(flag.code, flag.out).toBe(0);
      expect(r.kubeSchemas).toMatch(/^\d+ schemas from .* \(--crds\)$/);
      expect(kubeconform(r)).toMatchObject({ status: "ok" });
      expect(r.only).toEqual(["kubernetes"]);
      expect(r.checks.map((c) => c.check)).toEqual(["kubeconform -strict", "kubernetes-models core"]);
      expect(r.summary).toEqual({ ran: 2, failed: 0, missing: 0, exitCode: 0 });

      const envRun = await run(["verify", "--format", "json", "--only", "kubernetes"], ROOT, { SVCSPEC_KUBE_SCHEMAS: "", SVCSPEC_CRDS: CRDS });
      expect(envRun.code, envRun.out).toBe(0);
      expect(json(envRun.out).kubeSchemas).toMatch(/\(\$SVCSPEC_CRDS\)$/);

      // `kubectl get crd a b c -o yaml` prints one List of the CRDs.
      const items = readdirSync(CRDS, { recursive: true, encoding: "utf8" })
        .filter((f) => /\.ya?ml$/.test(f))
        .flatMap((f) => jsyaml.loadAll(readFileSync(join(CRDS, f), "utf8")))
        .filter((d) => (d as { kind?: string } | null)?.kind === "CustomResourceDefinition");
      writeFileSync(join(empty.path, "crds.yaml"), jsyaml.dump({ apiVersion: "v1", kind: "List", items }));
      const list = await run(["verify", "--format", "json", "--only", "kubernetes", "--crds", empty.path], ROOT, { SVCSPEC_KUBE_SCHEMAS: "" });
      expect(list.code, list.out).toBe(0);
      expect(kubeconform(json(list.out)).status).toBe("ok");
    } finally {
      empty.cleanup();
    }
  });

  it("a --crds folder without CRDs: kubeconform is missing, exit 3, with how to get them; --allow-missing exits 0", async () => {
    const empty = tempDir();
    try {
      const r = await run(["verify", "--format", "json", "--only", "kubernetes", "--crds", empty.path], ROOT);
      expect(r.code).toBe(3);
      const report = json(r.out);
      expect(kubeconform(report)).toMatchObject({ status: "missing" });
      expect(kubeconform(report).detail).toMatch(/no CustomResourceDefinition in .* \(--crds\): save them with `kubectl get crd <names> -o yaml > .*crds\.yaml`/);
      expect(report.summary).toMatchObject({ failed: 0, missing: 1, exitCode: 3 });
      expect(r.err).toBe("");
      const text = await run(["verify", "--only", "kubernetes", "--crds", empty.path], ROOT);
      expect(text.err).toMatch(/✖ verify: 1 ran, 0 failed, 1 missing \(only kubernetes\)\n  hint: install the missing validators \(`svcspec setup-tools`\), or pass --allow-missing/);
      const allowed = await run(["verify", "--allow-missing", "--only", "kubernetes", "--crds", empty.path], ROOT);
      expect(allowed.code).toBe(0);
    } finally {
      empty.cleanup();
    }
  });

  it("--only with a name that is no target is a usage error (exit 2) naming the targets", async () => {
    const r = await run(["verify", "--only", "prometheus,kube"], ROOT);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/✖ --only "prometheus,kube": unknown target kube\n  hint: name one or more of docs, prometheus, .*kubernetes/);
  });

  it("a failed check is exit 1 whatever is missing", async () => {
    const t = tempDir();
    try {
      const built = await run(["build", "--out", join(t.path, "out")], ROOT);
      expect(built.code, built.err).toBe(0);
      const rules = join(t.path, "out", "prometheus", "checkout.rules.yaml");
      writeFileSync(rules, readFileSync(rules, "utf8").replace("expr: ", "expr: sum(("));
      // The rules' own tests would fail too, after minutes of promtool: without them the one failure is the rule file's.
      for (const f of readdirSync(join(t.path, "out", "prometheus"))) if (f.endsWith(".test.yaml")) rmSync(join(t.path, "out", "prometheus", f));
      const r = await run(["verify", "--format", "json", "--only", "prometheus,kubernetes", "--out", join(t.path, "out"), "--crds", join(t.path, "none")], ROOT);
      expect(r.code).toBe(1);
      const report = json(r.out);
      expect(report.checks.find((c) => c.check === "promtool check rules")).toMatchObject({ status: "failed" });
      expect(report.checks.find((c) => c.check === "promtool test rules")).toMatchObject({ status: "none" });
      expect(kubeconform(report)).toMatchObject({ status: "missing" });
      expect(report.summary).toEqual({ ran: 2, failed: 1, missing: 1, exitCode: 1 });
    } finally {
      t.cleanup();
    }
  });
});
