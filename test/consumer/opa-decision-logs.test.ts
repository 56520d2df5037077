/** OPA's decision logs, proven with a real OPA server on loopback: started as the generated
 * configuration says (the bundle with out/opa-server/config.yaml, and the policies ConfigMap
 * mounted the way the kubelet mounts it), it logs every decision to the console, one entry per
 * decision with its reasons, and the bundle's system.log.mask keeps every planted PII value (the
 * resources' PII fields, sensitive subject attributes) out of the log. */
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import jsyaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateAccess, evaluateDeploy } from "../../src/access/evaluate.js";
import type { AccessRequest, Service } from "../../src/model/model.js";
import { localTool } from "../../src/tools/discover.js";
import { OPA_CONFIG_PATH, OPA_CONFIGMAP_PATH, opaBundleServerArgs, opaServerArgs } from "../../generators/opa/configmap.js";
import { modelOf, ROOT, startOnFreePort, stopProcess, tempDir, waitFor } from "../helpers.js";

const opa = localTool("opa", ROOT);
const model = modelOf("spec");
const services = model.services.filter((s) => s.access);

interface LogEntry {
  msg?: string;
  decision_id?: string;
  path?: string;
  input?: unknown;
  result?: unknown;
  masked?: string[];
  erased?: string[];
}

interface Planted {
  path: string;
  input: unknown;
  /** Values that must not reach the log. */
  secrets: string[];
  /** Values that must stay (the mask does not erase what it has no reason to). */
  kept: string[];
  expect: unknown;
}

/** Sets a dotted path in an object, creating the objects on the way. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let node = target;
  for (const k of keys.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
  node[keys[keys.length - 1]!] = value;
}

/** Every access test of a service, with PII planted where a real caller would send it: every PII
 * field of its resources nested, as a dotted key and inside an array; sensitive subject attributes
 * (exact, by suffix, a sensitive key, a key OPA cannot address); and values that must stay. */
function plantedRequests(s: Service): Planted[] {
  const fields = [...new Set(s.access!.resources.flatMap((r) => r.piiFields))].sort();
  return s.access!.tests.map((t, i) => {
    const secrets: string[] = [];
    const secret = (what: string) => {
      const v = `PII-${s.id}-${i}-${what}`;
      secrets.push(v);
      return v;
    };
    const attributes: Record<string, unknown> = { ticket: `KEEP-${s.id}-${i}` };
    fields.forEach((f, j) => setPath(attributes, f, secret(`nested${j}`)));
    if (fields[0]) {
      attributes[fields[0]] = secret("dotted");
      const [head, ...rest] = fields[0].split(".");
      // an array on the way to a PII field (the part holding it is masked), beside a near miss
      if (rest.length > 0) {
        attributes[`${head}_list`] = [{ [rest.join(".")]: `KEEP-near-${s.id}-${i}` }];
        attributes[`${head}_history`] = { [head!]: [Object.fromEntries([[rest.join("."), "x"]])] };
      }
    }
    const request = structuredClone(t.request) as AccessRequest;
    request.subject.attributes = {
      ...(request.subject.attributes ?? {}),
      email: secret("email"),
      "Work-Email": secret("work-email"),
      mobile_phone: secret("phone"),
      api_key: secret("api-key"),
    };
    request.resource.attributes = attributes;
    const kept = [`KEEP-${s.id}-${i}`, `KEEP-near-${s.id}-${i}`, ...Object.values(t.request.subject.attributes ?? {}).filter((v): v is string => typeof v === "string" && v.length > 3)];
    return { path: `svcspec/services/${s.id}/authz/decision`, input: request, secrets, kept, expect: evaluateAccess(s.access!, request) };
  });
}

/** What OPA's mask cannot address by key: a PII field behind an array (customer: [{email}]) and
 * a sensitive subject attribute whose name holds a slash. The mask takes the part that holds it. */
function behindArray(s: Service): Planted[] {
  const field = s.access!.resources.flatMap((r) => r.piiFields).find((f) => f.includes("."));
  const t = s.access!.tests[0];
  if (!field || !t) return [];
  const [head, ...rest] = field.split(".");
  const value = `PII-${s.id}-in-array`;
  const request = structuredClone(t.request) as AccessRequest;
  request.resource.attributes = { [head!]: [{ [rest.join(".")]: value }], note: `KEEP-${s.id}-array` };
  request.subject.attributes = { ...(request.subject.attributes ?? {}), "x/email": `PII-${s.id}-slash-key` };
  return [{ path: `svcspec/services/${s.id}/authz/decision`, input: request, secrets: [value, `PII-${s.id}-slash-key`], kept: [`KEEP-${s.id}-array`], expect: evaluateAccess(s.access!, request) }];
}

function corpus(): Planted[] {
  const out = services.flatMap((s) => [...plantedRequests(s), ...behindArray(s)]);
  // the deploy gate's input holds no PII: logged as it is
  out.push({ path: "svcspec/deploy/decision", input: { service: "checkout", budgetRemaining: 0.3, risk: "low" }, secrets: [], kept: ["checkout"], expect: evaluateDeploy(model.organization.deployPolicy, { service: "checkout", budgetRemaining: 0.3, risk: "low" }) });
  // a decision outside the known entrypoints loses its whole input (the mask fails closed)
  const checkout = services[0]!;
  out.push({ path: `svcspec/services/${checkout.id}`, input: { subject: { id: "u-9", attributes: { nickname: "PII-unknown-entrypoint" } }, action: "read", resource: { type: "orders" } }, secrets: ["PII-unknown-entrypoint"], kept: [], expect: undefined });
  return out;
}

interface Server {
  decide(path: string, input: unknown): Promise<{ decision_id?: string; result?: unknown }>;
  entries(): LogEntry[];
  log(): string;
  stop(): Promise<void>;
}

async function startOpa(args: (addr: string) => string[]): Promise<Server> {
  if (!opa) throw new Error("opa missing: run scripts/setup-tools.sh");
  let log = "";
  const start = (port: number) => {
    log = "";
    const child = spawn(opa, [...args(`127.0.0.1:${port}`), "--skip-version-check"], { cwd: join(ROOT, "out"), stdio: ["ignore", "pipe", "pipe"] });
    child.stdout?.on("data", (c) => (log += String(c)));
    child.stderr?.on("data", (c) => (log += String(c)));
    return child;
  };
  const { child, base } = await startOnFreePort("opa to become healthy", start, async (b) => (await fetch(`${b}/health?bundles`)).ok).catch((e: unknown) => {
    throw new Error(`opa did not become healthy: ${log}`, { cause: e });
  });
  return {
    decide: async (path, input) => {
      const res = await fetch(`${base}/v1/data/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ input }), signal: AbortSignal.timeout(10_000) });
      return (await res.json()) as { decision_id?: string; result?: unknown };
    },
    entries: () =>
      log
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as LogEntry)
        .filter((e) => e.msg === "Decision Log"),
    log: () => log,
    stop: () => stopProcess(child),
  };
}

/** The policies ConfigMap's keys laid out as the kubelet mounts them (see test/consumer/opa.test.ts). */
function mountConfigMap(dir: string): void {
  const docs = jsyaml.loadAll(readFileSync(join(ROOT, "out", OPA_CONFIGMAP_PATH), "utf8")) as { data: Record<string, string> }[];
  const stamp = "..2026_12_02_00_00_00.000000001";
  mkdirSync(join(dir, stamp));
  for (const doc of docs) {
    for (const [key, text] of Object.entries(doc.data)) {
      writeFileSync(join(dir, stamp, key), text);
      symlinkSync(join("..data", key), join(dir, key));
    }
  }
  symlinkSync(stamp, join(dir, "..data"));
}

const ways: [string, (dir: string) => (addr: string) => string[]][] = [
  ["the bundle served with out/opa-server/config.yaml", () => (addr) => opaBundleServerArgs(addr, "opa", OPA_CONFIG_PATH)],
  [
    "the policies ConfigMap mounted as the sidecar mounts it",
    (dir) => {
      mountConfigMap(dir);
      return (addr) => opaServerArgs(addr, dir);
    },
  ],
];

describe.each(ways)("OPA decision logs: %s", (_name, setup) => {
  let tmp: ReturnType<typeof tempDir> | null = null;
  let server: Server | null = null;

  beforeAll(async () => {
    tmp = tempDir();
    server = await startOpa(setup(tmp.path));
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    tmp?.cleanup();
  });

  it("logs one entry per decision, with its reasons, and none of the planted PII", async () => {
    const requests = corpus();
    expect(services.length).toBeGreaterThanOrEqual(3);
    const ids: string[] = [];
    for (const r of requests) {
      const answer = await server!.decide(r.path, r.input);
      expect(answer.decision_id, r.path).toMatch(/^[0-9a-f-]{36}$/);
      if (r.expect !== undefined) expect(answer.result, `${r.path} ${JSON.stringify(r.input)}`).toEqual(r.expect);
      ids.push(answer.decision_id!);
    }
    // the console logger writes each entry as the decision is made; bounded wait for the last one
    await waitFor("every decision in the log", async () => (server!.entries().length >= ids.length ? true : null), 10_000);
    const entries = server!.entries();
    expect(entries.map((e) => e.decision_id).sort()).toEqual([...ids].sort());

    const byId = new Map(entries.map((e) => [e.decision_id!, e]));
    const log = server!.log();
    let maskedTotal = 0;
    requests.forEach((r, i) => {
      const entry = byId.get(ids[i]!)!;
      expect(entry.path).toBe(r.path);
      if (r.expect !== undefined) expect(entry.result, r.path).toEqual(r.expect);
      const text = JSON.stringify(entry);
      for (const s of r.secrets) expect(text, `${r.path}: ${s} in the log`).not.toContain(s);
      for (const k of r.kept) expect(text, `${r.path}: ${k} lost`).toContain(k);
      maskedTotal += (entry.masked ?? []).length;
    });
    // the reasons: the rule names of every allow and deny, as OPA decided
    const reasons = entries.flatMap((e) => ((e.result as { reasons?: string[] } | undefined)?.reasons ?? []));
    expect(new Set(reasons).size).toBeGreaterThan(3);
    for (const s of requests.flatMap((r) => r.secrets)) expect(log).not.toContain(s);
    expect(maskedTotal).toBeGreaterThan(requests.length * 4);
    const unknown = entries.find((e) => e.path === `svcspec/services/${services[0]!.id}`);
    expect(unknown?.erased).toEqual(["/input"]);
  }, 60_000);

});

describe("without the mask, the same corpus leaks (the test above can fail)", () => {
  let tmp: ReturnType<typeof tempDir> | null = null;
  let server: Server | null = null;

  beforeAll(async () => {
    tmp = tempDir();
    cpSync(join(ROOT, "out", "opa"), join(tmp.path, "opa"), { recursive: true });
    rmSync(join(tmp.path, "opa", "system"), { recursive: true });
    server = await startOpa((addr) => opaBundleServerArgs(addr, join(tmp!.path, "opa"), OPA_CONFIG_PATH));
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    tmp?.cleanup();
  });

  it("every planted value reaches the log", async () => {
    const requests = corpus();
    for (const r of requests) await server!.decide(r.path, r.input);
    await waitFor("every decision in the log", async () => (server!.entries().length >= requests.length ? true : null), 10_000);
    const log = server!.log();
    const secrets = requests.flatMap((r) => r.secrets);
    expect(secrets.length).toBeGreaterThan(requests.length * 5);
    expect(secrets.filter((s) => !log.includes(s))).toEqual([]);
  }, 60_000);
});
