/** OPA output proven three ways: opa accepts it (check --strict, fmt clean, the generated tests
 * pass on the example and the golden fixtures); the bundle compiled to wasm and run in Node passes
 * every access test of the example; and the TypeScript reference evaluator, the wasm and a real OPA
 * server on loopback, loaded with the bundle, agree on at least 10,000 seeded random requests per
 * service. (What holds without opa, the evaluator among it: test/opa.test.ts.) */
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import jsyaml from "js-yaml";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AccessDecision, DEPLOY_INVALID_REASON, DEPLOY_NO_ROW_REASON, evaluateAccess, evaluateDeploy } from "../../src/access/evaluate.js";
import { prng, randomRequests } from "../../src/access/corpus.js";
import { deployCases } from "../../src/access/cases.js";
import { buildWasmBundle, loadAccessWasm, readTarGz, TIME_BUILTINS, type AccessWasm } from "../../src/access/wasm.js";
import { localTool } from "../../src/tools/discover.js";
import { validate } from "../../src/compile.js";
import { acceptedZoneNames, timeZoneProblem } from "../../src/validate/organization.js";
import { IANA_ZONE_NAMES } from "../../src/validate/zones.js";
import { toJson } from "../../src/render/json.js";
import { OPA_CONFIGMAP_PATH, opaServerArgs } from "../../generators/opa/configmap.js";
import { DEPLOY_REGO, REGO_DIR } from "../../generators/opa/policy.js";
import { modelOf, OUTPUTS, ROOT, run, sourcesOf, startOnFreePort, stopProcess, tempDir } from "../helpers.js";
import { ICU_ONLY_ZONES } from "../support/zones.js";

const opa = localTool("opa", ROOT);
const outputs = OUTPUTS.filter((d) => existsSync(join(d, "opa", ".manifest")));
const model = () => modelOf("spec");

function runOpa(args: string[], cwd: string) {
  return spawnSync(opa!, args, { cwd, encoding: "utf8", timeout: 120_000 });
}

describe("opa accepts the generated bundle and tests", () => {
  it("opa is installed and every output holds a bundle", () => {
    expect(opa, "opa missing: run scripts/setup-tools.sh").not.toBeNull();
    expect(outputs.length).toBe(3);
  });

  it.each(outputs)("opa check --strict, opa fmt --list and opa test --fail-on-empty pass in %s", (dir) => {
    const check = runOpa(["check", "--strict", "opa", "opa-tests"], dir);
    expect(check.status, check.stdout + check.stderr).toBe(0);
    const fmt = runOpa(["fmt", "--list", "opa", "opa-tests"], dir);
    expect(fmt.status, fmt.stderr).toBe(0);
    expect(fmt.stdout).toBe("");
    const test = runOpa(["test", "--fail-on-empty", "opa", "opa-tests"], dir);
    expect(test.status, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toMatch(/PASS: \d+\/\d+/);
  });

  it("the generated tests can fail: a flipped expectation is caught", () => {
    const tmp = tempDir();
    try {
      for (const d of ["opa", "opa-tests"]) cpSync(join(ROOT, "out", d), join(tmp.path, d), { recursive: true });
      const file = join(tmp.path, "opa-tests", "svcspec", "services", "checkout", "authz_test.rego");
      const text = readFileSync(file, "utf8");
      writeFileSync(file, text.replace("d.allow == true", "d.allow == false"));
      expect(readFileSync(file, "utf8")).not.toBe(text);
      const test = runOpa(["test", "--fail-on-empty", "opa", "opa-tests"], tmp.path);
      expect(test.status).not.toBe(0);
      expect(test.stdout).toMatch(/FAIL: 1\//);
    } finally {
      tmp.cleanup();
    }
  });
});

describe("the Rego sources in generators/opa are Rego as they are", () => {
  const dir = join(ROOT, REGO_DIR);
  const sources = readdirSync(dir).filter((f) => f.endsWith(".rego")).sort();

  it("opa check --strict and opa fmt --list --fail pass on the source files", () => {
    expect(opa, "opa missing: run scripts/setup-tools.sh").not.toBeNull();
    const check = runOpa(["check", "--strict", ...sources], dir);
    expect(check.status, check.stdout + check.stderr).toBe(0);
    const fmt = runOpa(["fmt", "--list", "--fail", ...sources], dir);
    expect(fmt.status, fmt.stdout + fmt.stderr).toBe(0);
    expect(fmt.stdout).toBe("");
  });

  it("the deploy gate's fixed reasons are the reference evaluator's", () => {
    expect(opa, "opa missing: run scripts/setup-tools.sh").not.toBeNull();
    const tmp = tempDir();
    try {
      // An empty table: a valid request reaches the no-row reason, an invalid one the invalid reason.
      writeFileSync(join(tmp.path, "data.json"), JSON.stringify({ svcspec: { deploy: { table: [] } } }));
      const reason = (input: unknown) => {
        writeFileSync(join(tmp.path, "input.json"), JSON.stringify(input));
        const r = runOpa(["eval", "--format", "raw", "-d", join(dir, DEPLOY_REGO), "-d", "data.json", "-i", "input.json", "data.svcspec.deploy.decision.reason"], tmp.path);
        expect(r.status, r.stdout + r.stderr).toBe(0);
        return r.stdout.trim();
      };
      expect(reason({ service: "checkout", budgetRemaining: "0.9", risk: "low" })).toBe(DEPLOY_INVALID_REASON);
      expect(reason({ service: "checkout", budgetRemaining: 0.9, risk: "low" })).toBe(DEPLOY_NO_ROW_REASON);
    } finally {
      tmp.cleanup();
    }
  });
});

describe("the bundle compiled to wasm and run in Node", () => {
  const m = model();
  const services = m.services.filter((s) => s.access);
  let wasm: AccessWasm;
  let bundleBytes = 0;

  beforeAll(async () => {
    if (!opa) throw new Error("opa missing: run scripts/setup-tools.sh");
    const bundle = buildWasmBundle(opa, join(ROOT, "out", "opa"), services.map((s) => s.id));
    bundleBytes = bundle.archive.length;
    wasm = await loadAccessWasm(bundle.policyWasm, bundle.data);
  }, 120_000);

  it("has one entrypoint per service decision and the deploy gate", () => {
    expect(bundleBytes).toBeGreaterThan(0);
    expect(Object.keys(wasm.entrypoints).sort()).toEqual([...services.map((s) => `svcspec/services/${s.id}/authz/decision`), "svcspec/deploy/decision"].sort());
  });

  const tests = services.flatMap((s) => s.access!.tests.map((t) => [`${s.name}: ${t.name}`, s.id, t] as const));
  it.each(tests)("%s", (_name, id, t) => {
    const d = wasm.access(id, t.request)!;
    expect(d.allow).toBe(t.expect === "allow");
    if (t.maskedFields) expect(d.maskedFields).toEqual(t.maskedFields);
    if (t.reason) expect(d.reasons).toContain(t.reason);
  });

  it("refuses at build time a policy calling a built-in Node cannot run", () => {
    const tmp = tempDir();
    try {
      cpSync(join(ROOT, "out", "opa"), tmp.path, { recursive: true });
      const file = join(tmp.path, "svcspec", "deploy", "policy.rego");
      writeFileSync(file, readFileSync(file, "utf8") + "\nuses_crypto := crypto.sha256(\"x\")\n");
      expect(() => buildWasmBundle(opa!, tmp.path, [])).toThrow(/crypto\.sha256/);
      expect(() => buildWasmBundle(opa!, join(ROOT, "out", "opa"), [])).not.toThrow();
    } finally {
      tmp.cleanup();
    }
  });
});

describe("the deploy gate of every output, compiled to wasm", () => {
  it.each(outputs)("%s: every derived case and 2,000 random requests decide as the evaluator does", async (dir) => {
    const specDir = dir === join(ROOT, "out") ? join(ROOT, "spec") : join(dir, "..", "spec");
    const gate = validate(sourcesOf(specDir)).model!.organization.deployPolicy;
    const bundle = buildWasmBundle(opa!, join(dir, "opa"), []);
    const wasm = await loadAccessWasm(bundle.policyWasm, bundle.data);
    const rnd = prng(7);
    const inputs = [
      ...deployCases(gate).map((c) => c.input),
      ...Array.from({ length: 2000 }, () => ({ service: "s", budgetRemaining: Math.round((rnd() * 1.2 - 0.1) * 10_000) / 10_000, risk: rnd() < 0.5 ? "low" : "high" })),
    ];
    for (const input of inputs) expect(wasm.deploy(input), JSON.stringify(input)).toEqual(evaluateDeploy(gate, input));
  }, 60_000);
});

describe("svcspec bundle", () => {
  it("writes the Rego bundle, the wasm bundle and policy.wasm; the wasm decides like the evaluator", async () => {
    const tmp = tempDir();
    try {
      const r = await run(["bundle", "--dest", join(tmp.path, "opa")]);
      expect(r.code, r.err).toBe(0);
      const rego = readTarGz(readFileSync(join(tmp.path, "opa", "bundle.tar.gz")));
      expect(JSON.parse(rego.get(".manifest")!.toString())).toEqual(JSON.parse(readFileSync(join(ROOT, "out", "opa", ".manifest"), "utf8")));
      // one policy per service with access, the deploy gate, the decision-log mask
      expect([...rego.keys()].filter((k) => k.endsWith(".rego")).length).toBe(model().services.filter((x) => x.access).length + 2);
      const wasmFiles = readTarGz(readFileSync(join(tmp.path, "opa", "bundle.wasm.tar.gz")));
      expect(wasmFiles.get("policy.wasm")!.equals(readFileSync(join(tmp.path, "opa", "policy.wasm")))).toBe(true);
      const wasm = await loadAccessWasm(wasmFiles.get("policy.wasm")!, JSON.parse(wasmFiles.get("data.json")!.toString()));
      for (const s of model().services.filter((x) => x.access)) for (const t of s.access!.tests) expect(wasm.access(s.id, t.request), t.name).toEqual(evaluateAccess(s.access!, t.request));
    } finally {
      tmp.cleanup();
    }
  }, 60_000);
});

describe("svcspec's time built-ins for wasm match OPA's", () => {
  it("validation accepts exactly the zone names OPA can load (Go is case-sensitive, Intl is not)", () => {
    const names = [
      ...["UTC", "Etc/UTC", "GMT", "Asia/Kolkata", "Asia/Calcutta", "Europe/Kyiv", "Europe/Kiev", "US/Eastern", "EST5EDT", "America/Port-au-Prince", "Europe/Isle_of_Man", "America/Argentina/ComodRivadavia"],
      ...["utc", "europe/berlin", "Europe/berlin", "us/eastern", "America/new_york", "Mars/Olympus", "Europe/KYIV", "Asia/CALCUTTA", "America/Port-Au-Prince", "Antarctica/DumontDurville", "America/Port_Of_Spain", "ETC/GMT+5"],
      // every name of the list, and each in upper and in lower case
      ...IANA_ZONE_NAMES.flatMap((z) => [z, z.toUpperCase(), z.toLowerCase()]),
      // names ICU knows and Go does not (issue #18, finding 7): JST, IST, BST, US/Pacific-New, ...
      ...ICU_ONLY_ZONES.map(([z]) => z),
    ];
    const query = "{z | some z in input; time.clock([0, z])}";
    const r = spawnSync(opa!, ["eval", "-f", "raw", "--stdin-input", query], { input: JSON.stringify(names), encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const loadable = new Set(JSON.parse(r.stdout) as string[]);
    expect(loadable.size).toBeGreaterThan(8);
    // svcspec evaluates schedules too (Intl): a zone Go loads and ICU does not ("Factory") is refused
    const intl = (z: string) => {
      try {
        return Boolean(new Intl.DateTimeFormat("en-US", { timeZone: z }));
      } catch {
        return false;
      }
    };
    // (a Node whose ICU data is older than the list adds its newest zones here)
    expect(names.filter((z) => loadable.has(z) && !intl(z))).toContain("Factory");
    const disagree = [...new Set(names)].filter((z) => (timeZoneProblem(z) === null) !== (loadable.has(z) && intl(z)));
    expect(disagree).toEqual([]);
    expect(loadable.size).toBeGreaterThanOrEqual(IANA_ZONE_NAMES.length);
    for (const [z] of ICU_ONLY_ZONES) expect(loadable.has(z), `${z} loads in OPA`).toBe(false);
  });

  it("every zone name validation accepts loads in OPA and gives OPA's clock and weekday in svcspec's built-ins (winter, summer, now)", () => {
    const zones = acceptedZoneNames();
    const instants = ["2026-01-15T12:00:00Z", "2026-07-15T03:30:00Z", "2026-11-23T23:59:59Z"];
    const query = "{z: [[time.clock([time.parse_rfc3339_ns(t), z]), time.weekday([time.parse_rfc3339_ns(t), z])] | some t in input.instants] | some z in input.zones}";
    const r = spawnSync(opa!, ["eval", "-f", "raw", "--stdin-input", query], { input: JSON.stringify({ zones, instants }), encoding: "utf8", timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const fromOpa = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(fromOpa).sort()).toEqual([...zones].sort());
    const ours = Object.fromEntries(zones.map((z) => [z, instants.map((t) => { const ns = TIME_BUILTINS["time.parse_rfc3339_ns"]!(t); return [TIME_BUILTINS["time.clock"]!([ns, z]), TIME_BUILTINS["time.weekday"]!([ns, z])]; })]));
    const differ = zones.filter((z) => JSON.stringify(ours[z]) !== JSON.stringify(fromOpa[z]));
    expect(differ).toEqual([]);
  });

  const zones = ["UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Lord_Howe"];
  const texts = [
    "2026-11-23T09:00:00Z", "2026-11-23T08:59:59.999999999Z", "2026-11-23T08:59:59.99999999999999Z", "2026-11-23T9:00:00Z",
    "2026-11-23T09:00:00,5+01:00", "2026-11-23T09:00:00+24:00", "2026-11-23T09:00:00+23:60", "2026-11-23T09:00:00-00:00",
    "2026-03-08T06:59:59Z", "2026-03-08T07:00:00Z", "2026-03-29T00:59:59.5Z", "2026-03-29T01:00:00Z", "2026-11-01T05:59:59Z",
    "1969-12-31T23:59:59.9995Z", "1677-09-21T00:12:43Z", "1677-09-21T00:12:44Z", "2262-04-11T23:47:16Z", "2262-04-11T23:47:17Z",
    "2024-02-29T12:00:00Z", "2026-02-29T12:00:00Z", "2026-04-31T00:00:00Z", "2026-11-23T24:00:00Z", "2026-11-23T09:60:00Z",
    "2026-11-23T09:00:60Z", "2026-11-23t09:00:00z", "2026-11-23 09:00:00Z", "2026-11-23T09:00:00.Z", "2026-11-23T09:00:00+0100",
    "2026-11-23T09:00:00+25:00", "+2026-11-23T09:00:00Z", "2026-11-23T09:00:00", "", "yesterday",
  ];

  it("time.parse_rfc3339_ns, time.clock and time.weekday agree with opa eval on edge timestamps in several zones", () => {
    expect(opa, "opa missing").not.toBeNull();
    const query = "{t: [[z, time.clock([time.parse_rfc3339_ns(t), z]), time.weekday([time.parse_rfc3339_ns(t), z])] | some z in input.zones] | some t in input.texts; time.parse_rfc3339_ns(t)}";
    const r = spawnSync(opa!, ["eval", "-f", "raw", "--stdin-input", query], { input: JSON.stringify({ texts, zones }), encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const fromOpa = JSON.parse(r.stdout) as Record<string, unknown>;
    const ours: Record<string, unknown> = {};
    for (const t of texts) {
      const ns = TIME_BUILTINS["time.parse_rfc3339_ns"]!(t);
      if (ns === undefined) continue;
      ours[t] = zones.map((z) => [z, TIME_BUILTINS["time.clock"]!([ns, z]), TIME_BUILTINS["time.weekday"]!([ns, z])]);
    }
    expect(ours).toEqual(fromOpa);
    expect(Object.keys(ours).length).toBeGreaterThan(15);
  });
});

/** Runs `work` over `items` with at most `limit` in flight. */
async function pool<T, R>(items: readonly T[], limit: number, work: (t: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i] as T);
      }
    }),
  );
  return results;
}

const PER_SERVICE = 10_000;
const TOTAL_LIMIT_MS = 240_000;

/** An OPA server on loopback, started with `args(addr)`, up once its health check passes. */
async function startOpa(args: (addr: string) => string[], health = "/health"): Promise<{ decide(path: string, input: unknown): Promise<unknown>; stop(): Promise<void>; log(): string }> {
  if (!opa) throw new Error("opa missing: run scripts/setup-tools.sh");
  let log = "";
  const start = (port: number) => {
    log = "";
    // --skip-version-check: no call home from a test
    const child = spawn(opa!, [...args(`127.0.0.1:${port}`), "--skip-version-check"], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout?.on("data", (c) => (log += String(c)));
    child.stderr?.on("data", (c) => (log += String(c)));
    return child;
  };
  const { child: server, base } = await startOnFreePort("opa to become healthy", start, async (b) => (await fetch(`${b}${health}`)).ok).catch((e: unknown) => {
    throw new Error(`opa did not become healthy: ${log}`, { cause: e });
  });
  return {
    decide: async (path, input) => {
      const res = await fetch(`${base}/v1/data/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ input }), signal: AbortSignal.timeout(10_000) });
      return ((await res.json()) as { result?: unknown }).result;
    },
    stop: () => stopProcess(server),
    log: () => log,
  };
}

describe("differential: the TypeScript evaluator, the wasm in Node and a real OPA server agree", () => {
  let server: Awaited<ReturnType<typeof startOpa>> | null = null;
  let wasm: AccessWasm;
  const m = model();
  const services = m.services.filter((s) => s.access);

  beforeAll(async () => {
    const bundle = buildWasmBundle(opa!, join(ROOT, "out", "opa"), services.map((s) => s.id));
    wasm = await loadAccessWasm(bundle.policyWasm, bundle.data);
    server = await startOpa((addr) => ["run", "--server", "--addr", addr, "--log-level", "error", "--bundle", join(ROOT, "out", "opa")], "/health?bundles");
  }, 120_000);

  afterAll(() => server?.stop());

  it("the example has services with access rules", () => expect(services.length).toBeGreaterThanOrEqual(3));

  it(
    `${PER_SERVICE} random requests per service and the deploy gate: zero disagreements`,
    async () => {
      const started = Date.now();
      const disagreements: string[] = [];
      let total = 0;
      const allowed: Record<string, number> = {};
      const ask = async (path: string, input: unknown): Promise<unknown> => {
        if (Date.now() - started > TOTAL_LIMIT_MS) throw new Error("differential test over its time limit");
        return server!.decide(path, input);
      };
      for (const [i, s] of services.entries()) {
        const corpus = randomRequests(s.access!, PER_SERVICE, 0x5eed + i);
        const answers = await pool(corpus, 32, (input) => ask(`svcspec/services/${s.id}/authz/decision`, input));
        corpus.forEach((input, j) => {
          const want: AccessDecision = evaluateAccess(s.access!, input);
          const got = answers[j];
          const inWasm = wasm.access(s.id, input);
          total++;
          if (want.allow) allowed[s.name] = (allowed[s.name] ?? 0) + 1;
          if ((toJson(got ?? null) !== toJson(want) || toJson(inWasm) !== toJson(want)) && disagreements.length < 20) {
            disagreements.push(`${s.name}: ${JSON.stringify(input)}\n  ts:   ${JSON.stringify(want)}\n  opa:  ${JSON.stringify(got)}\n  wasm: ${JSON.stringify(inWasm)}`);
          }
        });
      }
      const rnd = prng(42);
      const deploy = Array.from({ length: 2000 }, () => ({
        service: rnd() < 0.97 ? "checkout" : undefined,
        budgetRemaining: rnd() < 0.95 ? Math.round((rnd() * 1.2 - 0.1) * 10_000) / 10_000 : "0.5",
        risk: rnd() < 0.97 ? (rnd() < 0.5 ? "low" : "high") : "medium",
      })).map((x) => JSON.parse(JSON.stringify(x)) as unknown);
      const answers = await pool(deploy, 16, (input) => ask("svcspec/deploy/decision", input));
      deploy.forEach((input, j) => {
        const want = evaluateDeploy(m.organization.deployPolicy, input);
        const inWasm = wasm.deploy(input);
        total++;
        if ((toJson(answers[j] ?? null) !== toJson(want) || toJson(inWasm) !== toJson(want)) && disagreements.length < 20) {
          disagreements.push(`deploy: ${JSON.stringify(input)}\n  ts:   ${JSON.stringify(want)}\n  opa:  ${JSON.stringify(answers[j])}\n  wasm: ${JSON.stringify(inWasm)}`);
        }
      });
      console.log(`differential: ${total} requests (${PER_SERVICE} per service x ${services.length} services + ${deploy.length} deploy), ${disagreements.length} disagreements, ${Date.now() - started} ms; allowed per service ${JSON.stringify(allowed)}`);
      // The corpus is only worth something if it reaches both outcomes in every service.
      for (const s of services) expect(allowed[s.name] ?? 0, s.name).toBeGreaterThan(PER_SERVICE / 50);
      expect(disagreements).toEqual([]);
      expect(total).toBe(PER_SERVICE * services.length + deploy.length);
    },
    TOTAL_LIMIT_MS + 30_000,
  );
});

describe("the policies ConfigMap, mounted as Kubernetes mounts it, serves the same decisions", () => {
  const m = model();
  const services = m.services.filter((s) => s.access);
  let tmp: ReturnType<typeof tempDir> | null = null;
  let server: Awaited<ReturnType<typeof startOpa>> | null = null;

  beforeAll(async () => {
    const dir = (tmp = tempDir()).path;
    const docs = jsyaml.loadAll(readFileSync(join(ROOT, "out", OPA_CONFIGMAP_PATH), "utf8")) as { data: Record<string, string> }[];
    // The kubelet's layout: the keys in a hidden timestamped folder, `..data` pointing at it, and
    // one symlink per key through `..data` (a projected volume merges several ConfigMaps so).
    const stamp = "..2026_11_23_00_00_00.000000001";
    mkdirSync(join(dir, stamp));
    for (const doc of docs) for (const [key, text] of Object.entries(doc.data)) {
      writeFileSync(join(dir, stamp, key), text);
      symlinkSync(join("..data", key), join(dir, key));
    }
    symlinkSync(stamp, join(dir, "..data"));
    server = await startOpa((addr) => opaServerArgs(addr, dir));
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    tmp?.cleanup();
  });

  const post = (path: string, input: unknown) => server!.decide(path, input);

  it("every access test of the example and every deploy-gate case: the same decision as the evaluator", async () => {
    let n = 0;
    for (const s of services) {
      for (const t of s.access!.tests) {
        expect(await post(`svcspec/services/${s.id}/authz/decision`, t.request), `${s.name}: ${t.name}`).toEqual(evaluateAccess(s.access!, t.request));
        n++;
      }
    }
    for (const c of deployCases(m.organization.deployPolicy)) {
      expect(await post("svcspec/deploy/decision", c.input), c.name).toEqual(c.expect);
      n++;
    }
    expect(n).toBeGreaterThan(40);
    // decision logs are on (opa-config.yaml); they carry inputs, so look at OPA's own lines only
    const own = server!.log().split("\n").filter((l) => !l.includes('"msg":"Decision Log"'));
    expect(own.join("\n")).not.toMatch(/error/i);
  }, 60_000);
});
