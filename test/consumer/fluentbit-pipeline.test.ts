/** The Fluent Bit pipeline around redact.lua, in the real LuaJIT: what the generated configs make
 * Fluent Bit hand the lua filter must always reach the callback (a record the filter's msgpack
 * decoder rejects takes its whole chunk downstream unredacted, test/fixtures/lua/harness.lua
 * models it), and the TypeScript reference agrees on every record. The stages before the filter
 * (tail with the docker/cri parsers, the kubernetes filter as the config sets it) are emulated
 * here from the generated fluent-bit.yaml. */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import jsyaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateFluentBit, redactLua } from "../../generators/fluentbit/index.js";
import { localTool } from "../../src/tools/discover.js";
import { toLua } from "../fixtures/lua/corpus.js";
import { type Json, type JsonMap, LOG_JSON_MAX_DEPTH, newSession, redactRecord } from "../oracle/redact.js";
import { ROOT, tempDir } from "../helpers.js";
import { model, oracleOptions as opts } from "../support/fluentbit.js";

const luajit = localTool("luajit", ROOT);
const HARNESS = join(ROOT, "test", "fixtures", "lua", "harness.lua");
const tmp = tempDir("svcspec-fluentbit-pipeline-");
afterAll(() => tmp.cleanup());
const script = join(tmp.path, "redact.lua");
beforeAll(() => writeFileSync(script, redactLua(model)));

function harness(mode: "records" | "chunk", records: JsonMap[]): string[] {
  const input = join(tmp.path, `${mode}-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(input, records.map((r) => `return ${toLua(r)}`).join("\n") + "\n");
  const r = spawnSync(luajit!, [HARNESS, script, "cb_redact", mode, input], { encoding: "utf8", maxBuffer: 1 << 28, env: { ...process.env, SVCSPEC_PII_HMAC_KEY: "k" } });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.replace(/\n$/, "").split("\n");
}

type Filter = Record<string, string>;
const generatedKubernetesFilter = (): Filter => {
  const yaml = generateFluentBit(model).files.find((f) => f.path === "fluent-bit/fluent-bit.yaml")!.content;
  const config = jsyaml.load(yaml) as { pipeline: { filters: Filter[] } };
  return config.pipeline.filters.find((f) => f["name"] === "kubernetes")!;
};

/** Fluent Bit's JSON parser (merge_log): an object nested at most 64 levels, else the line stays text. */
function fluentBitJson(line: string): JsonMap | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  const depth = (x: unknown): number => (x !== null && typeof x === "object" ? 1 + Math.max(0, ...Object.values(x).map(depth)) : 0);
  return v !== null && typeof v === "object" && !Array.isArray(v) && depth(v) <= 64 ? (v as JsonMap) : null;
}

const K8S: JsonMap = { namespace_name: "shop", pod_name: "checkout-7c9d8f6b5-x2x9q", container_name: "app", labels: { "app.kubernetes.io/name": "checkout", "app.kubernetes.io/part-of": "shop" } };
/** The record the lua filter gets for one container line: tail with the docker parser gives log,
 * stream and time; the kubernetes filter adds the metadata and, with merge_log on (keep_log off),
 * replaces log by the keys of its JSON. */
function delivered(line: string, kube: Filter): JsonMap {
  const record: JsonMap = { log: line, stream: "stdout", time: "2026-11-23T12:00:00.000000000Z" };
  const merged = kube["merge_log"] === "on" ? fluentBitJson(line) : null;
  if (merged) {
    delete record["log"];
    Object.assign(record, merged);
  }
  return { ...record, kubernetes: K8S };
}

/** An object nested `levels` deep with PII at the bottom. */
function nested(levels: number, email: string): string {
  let line = JSON.stringify({ mail: email, card: "4111 1111 1111 1111" });
  for (let d = 1; d < levels; d++) line = `{"next":${line}}`;
  return line;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, sortKeys(x)]));
  return v;
}

const depthOf = (v: Json): number => (v !== null && typeof v === "object" ? 1 + Math.max(0, ...Object.values(v).map(depthOf)) : 0);

describe("the fluent-bit pipeline", () => {
  it("the generated kubernetes filter leaves the merging to redact.lua (merge_log off, no pod-suggested parser)", () => {
    expect(generatedKubernetesFilter()).toMatchObject({ merge_log: "off", "k8s-logging.parser": "off" });
  });

  it("a chunk with a line nested 64 deep: merged by Fluent Bit its 300 emails pass unredacted; with the generated config every record reaches the callback, none leaks", () => {
    const emails = Array.from({ length: 300 }, (_, i) => `user${i}@example.com`);
    const lines = emails.map((e, i) => (i % 2 ? `order ${i} mailed to ${e}` : JSON.stringify({ msg: "order shipped", to: e, n: i })));
    lines.splice(150, 0, nested(64, "deep@example.com"));
    const leaked = (out: string[], records: JsonMap[]) => emails.filter((e) => out.some((line, i) => (line.startsWith("NOTOUCH") ? JSON.stringify(records[i]) : line).includes(e))).length;

    // the configs before: Fluent Bit merges the 64-deep line, its decoder for the lua filter rejects it
    const before = lines.map((l) => delivered(l, { merge_log: "on" }));
    expect(Math.max(...before.map(depthOf))).toBe(64);
    const outBefore = harness("chunk", before);
    expect(outBefore.every((l) => l.startsWith("NOTOUCH\tmsgpack decoder"))).toBe(true);
    expect(leaked(outBefore, before)).toBe(300);

    // the generated config: every record is flat (the log a string), redact.lua decodes and caps it
    const kube = generatedKubernetesFilter();
    const now = lines.map((l) => delivered(l, kube));
    const out = harness("chunk", now);
    expect(out.filter((l) => !l.startsWith("2\t"))).toEqual([]);
    expect(leaked(out, now)).toBe(0);
    const deep = JSON.parse(out[150]!.slice(2)) as JsonMap;
    expect(deep).toEqual({ _svcspec_redaction_error: true, log: "[REDACTION_ERROR]", kubernetes: { namespace_name: "shop", pod_name: "checkout-7c9d8f6b5-x2x9q", container_name: "app" } });
    expect(out[150]).not.toContain("deep@");
    // merged by redact.lua as merge_log merged: the JSON's keys at the top, log gone
    expect(JSON.parse(out[0]!.slice(2))).toEqual({ msg: "order shipped", to: "[EMAIL]", n: 0, stream: "stdout", time: "2026-11-23T12:00:00.000000000Z", kubernetes: K8S });
    const o = { ...opts, session: newSession() };
    now.forEach((r, i) => expect(JSON.parse(out[i]!.slice(2)), `#${i}`).toEqual(redactRecord(r, o).record));
  });

  it("a private key that arrives one record per line leaks none of its lines; a line of another stream and the line after its END pass unchanged", () => {
    const b64 = "MIIEowIBAAKCAQEAr7xQx1pX9sJk2VvBqQ0m3oQ6b8v1hQ5vTtD0y2jWz8pLkE4nA7c";
    const lines: [string, string, string][] = [
      // [stream, log, what comes out ("=" unchanged)]
      ["stdout", "loaded key: -----BEGIN RSA PRIVATE KEY-----\n", "loaded key: [PRIVATE_KEY]"],
      ["stdout", `${b64.slice(0, 64)}\n`, "[PRIVATE_KEY]"],
      ["stderr", "retrying upstream\n", "="],
      ["stdout", "Proc-Type: 4,ENCRYPTED\n", "="],
      ["stdout", "\n", "="],
      ["stdout", "AAECAwQFBgcICQ==\n", "[PRIVATE_KEY]"],
      ["stdout", "-----END RSA PRIVATE KEY----- ok\n", "[PRIVATE_KEY] ok\n"],
      ["stdout", "AAECAwQFBgcICQ==\n", "="],
      ["stdout", "key loaded\n", "="],
    ];
    const records = lines.map(([stream, log]): JsonMap => ({ log, stream, kubernetes: K8S }));
    const out = harness("records", records);
    const o = { ...opts, session: newSession() };
    lines.forEach(([, log, want], i) => {
      const got = out[i] === "0" ? log : (JSON.parse(out[i]!.slice(2)) as JsonMap)["log"];
      expect(got, `#${i} ${log}`).toBe(want === "=" ? log : want);
      expect(redactRecord(records[i]!, o).record["log"], `#${i}`).toBe(got);
    });
  });

  it("values under sensitive keys, URL-encoded and non-ASCII e-mail addresses, phone numbers stored as numbers and a raw # in a database password are redacted; look-alikes stay", () => {
    const svc = (ns: string, name: string): JsonMap => ({ namespace_name: ns, pod_name: `${name}-1`, labels: { "app.kubernetes.io/name": name, ...(name === "checkout" ? { "app.kubernetes.io/part-of": "shop" } : {}) } });
    const checkout = svc("shop", "checkout");
    const payments = svc("payments", "payments-api");
    const catalog = svc("shop", "catalog");
    const cases: [JsonMap, JsonMap][] = [
      // [in, out]
      [{ log: '{"auth":{"password":"hunter2"},"user":"sam"}' }, { auth: { password: "[SECRET]" }, user: "sam" }],
      [{ log: "x", headers: { "x-internal-token": "abc123", "X-Api-Key": 42, accept: "*/*" } }, { log: "x", headers: { "x-internal-token": "[SECRET]", "X-Api-Key": "[SECRET]", accept: "*/*" } }],
      [{ log: "x", credentials: { accessToken: ["t1", { inner: "t2", ok: true }], note: null } }, { log: "x", credentials: { accessToken: ["[SECRET]", { inner: "[SECRET]", ok: true }], note: null } }],
      [{ log: "x", stats: { token_count: 3, secret_name: "db-creds", passwordless: true, password: "" } }, { log: "x", stats: { token_count: 3, secret_name: "db-creds", passwordless: true, password: "" } }],
      [{ log: "GET /unsubscribe?email=jane.doe%40example.com&list=news" }, { log: "GET /unsubscribe?email=[EMAIL]&list=news" }],
      [{ log: "mail jos\u00e9@b\u00fccher.de and \u00e5sa@\u4f8b\u3048.\u30c6\u30b9\u30c8, ok" }, { log: "mail [EMAIL] and [EMAIL], ok" }],
      [{ log: "postgres://app:pa#ss@db.internal:5432/shop" }, { log: "postgres://app:[DB_PASSWORD]@db.internal:5432/shop" }],
      [{ log: "see https://example.com/docs#a:b-c" }, { log: "see https://example.com/docs#a:b-c" }],
      [{ log: "x", recipient: { phone: 4155550123, mobile: "+491701234567", order: 4155550123 }, kubernetes: checkout }, { log: "x", recipient: { phone: "[PHONE]", mobile: "[PHONE]", order: 4155550123 }, kubernetes: checkout }],
      [{ log: "x", recipient: { phone: 4155550123 }, kubernetes: catalog }, { log: "x", recipient: { phone: 4155550123 }, kubernetes: catalog }],
      [{ log: "x", card: { pin: 930214 }, kubernetes: payments }, { log: "x", card: { pin: "[SECRET]" }, kubernetes: payments }],
      [{ log: "x", card: { pin: 930214 }, kubernetes: catalog }, { log: "x", card: { pin: 930214 }, kubernetes: catalog }],
    ];
    const out = harness("records", cases.map(([r]) => r));
    const o = { ...opts, session: newSession() };
    cases.forEach(([input, want], i) => {
      const got = out[i] === "0" ? input : (JSON.parse(out[i]!.slice(2)) as JsonMap);
      expect(got, `#${i}`).toEqual(want);
      expect(redactRecord(input, o).record, `#${i}`).toEqual(want);
    });
  });

  it("Lua and TypeScript agree on 4,000 fuzzed log lines of JSON: random objects written with odd escapes, numbers and clashing keys, a third of them then broken", () => {
    let seed = 99;
    const rnd = (n: number) => ((seed = (seed * 48271) % 2147483647), seed % n);
    const pick = <T,>(xs: T[]) => xs[rnd(xs.length)]!;
    const KEYS = ['"k"', '"log"', '"time"', '"stream"', '"kubernetes"', '"password"', '"x-api-key"', '"phone"', '"_p"', '"a\\u0062"', '""', '"n"'];
    const STR = ["a@b.com", "4111 1111 1111 1111", "\\n", "\\\"", "\\\\", "\\/", "\\u00e9", "\\ud83d\\ude00", "\\ud83d", "\\ude00", "\\u0000", "\u00e9", "password=x", "x", " "];
    const NUM = ["0", "-0", "1", "12.5", "1e2", "-1E-2", "4111111111111111", "4155550123", "1e400", "01", "1.", "12345678901234567890"];
    const value = (d: number): string => {
      const k = rnd(d > 3 ? 4 : 7);
      if (k === 0) return `"${Array.from({ length: rnd(4) }, () => pick(STR)).join("")}"`;
      if (k === 1) return pick(NUM);
      if (k === 2) return pick(["true", "false", "null"]);
      if (k === 3) return `"${pick(STR)}"`;
      if (k <= 5) return `{${Array.from({ length: rnd(4) }, () => `${pick(KEYS)}${pick([":", " : "])}${value(d + 1)}`).join(pick([",", ", "]))}}`;
      return `[${Array.from({ length: rnd(4) }, () => value(d + 1)).join(",")}]`;
    };
    const breakIt = (t: string) => {
      const at = rnd(t.length + 1);
      return rnd(2) ? t.slice(0, at) + pick(["{", "}", '"', ",", ":", "\\", "\u0001"]) + t.slice(at) : t.slice(0, at) + t.slice(at + 1);
    };
    const records: JsonMap[] = Array.from({ length: 4000 }, (_, i) => {
      let log = `{${Array.from({ length: 1 + rnd(5) }, () => `${pick(KEYS)}:${value(1)}`).join(",")}}${pick(["", "\n", " "])}`;
      if (i % 3 === 0) log = breakIt(log);
      return { log, stream: "stdout", time: "t", kubernetes: K8S };
    });
    const out = harness("records", records);
    const o = { ...opts, session: newSession() };
    const bad: string[] = [];
    let merged = 0;
    records.forEach((r, i) => {
      const line = out[i]!;
      expect(line.startsWith("0") || line.startsWith("2\t"), line).toBe(true);
      const lua = line === "0" ? r : (JSON.parse(line.slice(2)) as JsonMap);
      if (typeof lua["log"] !== "string") merged++;
      const ts = redactRecord(r, o).record;
      if (JSON.stringify(sortKeys(lua)) !== JSON.stringify(sortKeys(ts)) && bad.length < 5) bad.push(`${JSON.stringify(r["log"])}\n lua=${JSON.stringify(lua)}\n  ts=${JSON.stringify(ts)}`);
    });
    expect(bad).toEqual([]);
    // most are valid JSON and merged; the broken ones and the non-finite numbers stay text
    expect(merged).toBeGreaterThan(1500);
    expect(merged).toBeLessThan(3800);
  });

  it(`JSON lines of every depth from 1 to 70: the callback always runs; up to ${LOG_JSON_MAX_DEPTH} levels they are merged and redacted, deeper ones become the stub; Lua and TypeScript agree`, () => {
    const kube = generatedKubernetesFilter();
    const records = Array.from({ length: 70 }, (_, i) => delivered(nested(i + 1, `d${i + 1}@example.com`), kube));
    const out = harness("records", records);
    const o = { ...opts, session: newSession() };
    records.forEach((r, i) => {
      const levels = i + 1;
      const line = out[i]!;
      expect(line.startsWith("2\t"), `${levels}: ${line.slice(0, 200)}`).toBe(true);
      const got = JSON.parse(line.slice(2)) as JsonMap;
      expect(got, `${levels}`).toEqual(redactRecord(r, o).record);
      expect(line, `${levels}`).not.toMatch(/d\d+@example|4111 1111/);
      expect(got["_svcspec_redaction_error"] === true, `${levels}`).toBe(levels > LOG_JSON_MAX_DEPTH);
      // what goes downstream stays decodable: at most 63 levels under the event wrapper
      expect(depthOf(got)).toBeLessThanOrEqual(63);
    });
  });
});
