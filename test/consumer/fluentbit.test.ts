/** Fluent Bit redaction proven in the real LuaJIT: the generated redact.lua, called the way
 * filter_lua calls it (test/fixtures/lua/harness.lua), agrees record for record with the
 * TypeScript oracle (test/oracle) on a seeded faker corpus, leaks none of the planted PII,
 * over-redacts few of the false-positive traps, fails closed, and hashes like Node's crypto.
 * (The configs and docs around it, without LuaJIT: test/fluentbit.test.ts.) */
import { spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { base as baseLocale, en, Faker } from "@faker-js/faker";
import { redactLua } from "../../generators/fluentbit/index.js";
import { patternHarness } from "../support/lua-patterns.js";
import { localTool } from "../../src/tools/discover.js";
import type { Model } from "../../src/model/model.js";
import { parsePiiPattern, toRegExp } from "../../src/model/pii-pattern.js";
import { IBAN_LENGTHS } from "../../src/model/iban.js";
import { PII_DETECTORS } from "../../src/model/defaults.js";
import { PII_CATALOGUE } from "../../src/model/pii-catalogue.js";
import { type Policy, policies } from "../../src/pii/policy.js";
import { luaString } from "../../src/render/lua.js";
import { buildCorpus, HMAC_KEY, plant, toLua } from "../fixtures/lua/corpus.js";
import { DETECTORS, mod97 } from "../oracle/detectors.js";
import { hmacHex, type JsonMap, newSession, redactRecord } from "../oracle/redact.js";
import { ROOT, tempDir } from "../helpers.js";
import { CORPUS_SIZE, fixtureModels, model, oracleOptions as opts } from "../support/fluentbit.js";

const luajit = localTool("luajit", ROOT);
const luacheck = localTool("luacheck", ROOT);
const HARNESS = join(ROOT, "test", "fixtures", "lua", "harness.lua");
const REDACT_SOURCE = join(ROOT, "generators", "fluentbit", "redact.lua");

const tmp = tempDir("svcspec-fluentbit-");
afterAll(() => tmp.cleanup());
const script = join(tmp.path, "redact.lua");
beforeAll(() => writeFileSync(script, redactLua(model)));

function harness(mode: string, lines: string[], env: Record<string, string | undefined> = {}, file = script): string[] {
  const input = join(tmp.path, `${mode}-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(input, lines.join("\n") + "\n");
  const r = spawnSync(luajit!, [HARNESS, file, "cb_redact", mode, input], { encoding: "utf8", maxBuffer: 1 << 30, env: { ...process.env, ...env }, timeout: 300_000 });
  // the one line the script writes at load when it has hash fields and no key (tested below)
  expect(r.stderr.replace(NO_KEY_WARNING, ""), r.stderr).toBe("");
  expect(r.status).toBe(0);
  return r.stdout.replace(/\n$/, "").split("\n");
}
const NO_KEY_WARNING = "[svcspec redact.lua] SVCSPEC_PII_HMAC_KEY is not set: fields with the action hash are masked instead\n";

describe("fluent-bit redaction", () => {
  it("luajit is installed and compiles every generated script", () => {
    expect(luajit, "luajit missing: run scripts/setup-tools.sh").not.toBeNull();
    for (const m of [model, ...fixtureModels]) {
      const f = join(tmp.path, "compile.lua");
      writeFileSync(f, redactLua(m));
      const r = spawnSync(luajit!, ["-b", f, "/dev/null"], { encoding: "utf8" });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
    }
  });

  // LuaJIT 2.1 of early 2022 (Debian bookworm's luajit, and Fluent Bit images built on it) can end
  // a nested pairs() loop early once the JIT blacklists it (LuaJIT issue #827): a record walk would
  // stop part-way and leave values unscanned. Such loops compile to ISNEXT/ITERN; ours must not.
  it("no table walk in the generated scripts or the test harness compiles to ITERN, the loop LuaJIT #827 ends early", () => {
    const listing = (file: string) => {
      const r = spawnSync(luajit!, ["-bl", file], { encoding: "utf8", maxBuffer: 1 << 28 });
      expect(r.stderr).toBe("");
      return r.stdout;
    };
    for (const m of [model, ...fixtureModels]) {
      const f = join(tmp.path, "itern.lua");
      writeFileSync(f, redactLua(m));
      const code = listing(f);
      expect(code).toMatch(/\bITERC\b/); // the walk is there, as a plain iterator loop
      expect(code).not.toMatch(/\b(ISNEXT|ITERN)\b/);
    }
    expect(listing(HARNESS)).not.toMatch(/\b(ISNEXT|ITERN)\b/);
    // the source file as it is (its data section holds empty tables): LuaJIT compiles it on its own
    const source = listing(REDACT_SOURCE);
    expect(source).toMatch(/\bITERC\b/);
    expect(source).not.toMatch(/\b(ISNEXT|ITERN)\b/);
    // the check itself can fail: a pairs loop does compile to ITERN
    const probe = join(tmp.path, "pairs.lua");
    writeFileSync(probe, "local n = 0 for _ in pairs({}) do n = n + 1 end return n\n");
    expect(listing(probe)).toMatch(/\bITERN\b/);
  });

  it("luacheck finds no warning in redact.lua or the harness (Fluent Bit's globals in .luacheckrc)", () => {
    expect(luacheck, "luacheck missing: run scripts/setup-tools.sh").not.toBeNull();
    const lint = (...files: string[]) => spawnSync(luacheck!, ["--config", join(ROOT, ".luacheckrc"), "--no-color", "--codes", "--no-cache", ...files], { cwd: ROOT, encoding: "utf8" });
    const r = lint("generators/fluentbit/redact.lua", "test/fixtures/lua/harness.lua");
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("Total: 0 warnings / 0 errors in 2 files");
    expect(r.status).toBe(0);
    // the check can fail: a global set by mistake, an unused local, an undefined name
    const probe = join(tmp.path, "lint-probe.lua");
    writeFileSync(probe, "local unused = 1\nleaked = flb_nul\n");
    const bad = lint(probe);
    expect(bad.status).toBe(1);
    for (const code of ["W211", "W111", "W113"]) expect(bad.stdout).toContain(code);
  });

  it("redact.lua takes every token from its data (the catalogue's), none from its code", () => {
    const source = readFileSync(REDACT_SOURCE, "utf8");
    for (const d of PII_CATALOGUE) expect(source, d.id).not.toContain(d.token);
    // the same script with other tokens in its data: each detector writes the token of its entry
    const other = (id: string) => `<${id.toUpperCase()}>`;
    const swapTokens = (script: string) => {
      for (const d of PII_CATALOGUE) {
        const line = `  ${d.id} = ${luaString(d.token)},\n`;
        expect(script.split(line), d.id).toHaveLength(2);
        script = script.replace(line, `  ${d.id} = ${luaString(other(d.id))},\n`);
      }
      return script;
    };
    const file = join(tmp.path, "swapped.lua");
    // three planted texts per detector (the corpus's), on the default policy (here every detector)
    const f = new Faker({ locale: [en, baseLocale] });
    f.seed(827);
    const cases = PII_CATALOGUE.flatMap((d) => [1, 2, 3].map(() => ({ id: d.id, text: plant(f, d.id).text })));
    const all: Model = { ...model, organization: { ...model.organization, pii: { ...model.organization.pii, defaults: [...PII_DETECTORS] } } };
    writeFileSync(file, swapTokens(redactLua(all)));
    const out = harness("records", [...cases.map((c) => `return ${toLua({ log: c.text })}`), `return ${toLua({ log: "x", n: 4111111111111111 })}`], {}, file);
    cases.forEach((c, i) => {
      const log = (JSON.parse(out[i]!.slice(2)) as { log: string }).log;
      expect(log, `${c.id}: ${c.text}`).toContain(other(c.id));
      for (const d of PII_CATALOGUE) expect(log, c.id).not.toContain(d.token);
    });
    expect(JSON.parse(out[cases.length]!.slice(2))).toMatchObject({ n: other("credit_card") });
  });

  it("redact.lua stops at load when its data names a detector it lacks or lacks a detector's token (Fluent Bit then does not start the filter)", () => {
    const load = (text: string) => {
      const f = join(tmp.path, "broken.lua");
      writeFileSync(f, text);
      const input = join(tmp.path, "broken.txt");
      writeFileSync(input, `return ${toLua({ log: "sam@example.com" })}\n`);
      const r = spawnSync(luajit!, [HARNESS, f, "cb_redact", "records", input], { encoding: "utf8", env: { ...process.env, SVCSPEC_PII_HMAC_KEY: HMAC_KEY } });
      return { status: r.status, stderr: r.stderr, stdout: r.stdout };
    };
    const script = redactLua(model);
    expect(load(script)).toMatchObject({ status: 0, stderr: "" });
    const noToken = load(script.replace(`  us_ssn = ${luaString("[SSN]")},\n`, ""));
    expect(noToken.status).not.toBe(0);
    expect(noToken.stderr).toContain("no token for the detector us_ssn");
    const unknown = load(script.replace(`  ipv4 = ${luaString("[IPV4]")},\n`, `  ipv4 = ${luaString("[IPV4]")},\n  passport = "[PASSPORT]",\n`));
    expect(unknown.stderr).toContain("no detector passport");
    const named = load(script.replace('detectors = { "private_key",', 'detectors = { "passport", "private_key",'));
    expect(named.stderr).toContain("no detector passport");
    // the source file itself, with its empty data, stops the same way
    expect(load(readFileSync(REDACT_SOURCE, "utf8")).stderr).toMatch(/no token for the detector/);
  });

  it("IBANs: the country length table matches faker's generator, and a valid checksum at the wrong length or of an unknown country is not an IBAN", () => {
    const f = new Faker({ locale: [en, baseLocale] });
    f.seed(97);
    for (let i = 0; i < 2000; i++) {
      const iban = f.finance.iban();
      expect(iban.length, iban).toBe(IBAN_LENGTHS[iban.slice(0, 2)]);
      expect(mod97(iban)).toBe(1);
    }
    const withCheck = (cc: string, bban: string) => {
      const check = String(98 - mod97(`${cc}00${bban}`)).padStart(2, "0");
      const iban = `${cc}${check}${bban}`;
      expect(mod97(iban)).toBe(1);
      return iban;
    };
    const de = withCheck("DE", "370400440532013000");
    const group = (x: string) => x.replace(/(.{4})(?=.)/g, "$1 ");
    // [input, redacted or null when it must stay as it is]
    const raw: [string, string | null][] = [
      [`pay ${de} now`, "pay [IBAN] now"],
      [`pay ${group(de)} now`, "pay [IBAN] now"],
      [`pay ${de} 1234`, "pay [IBAN] 1234"],
      [`pay ${group(withCheck("GB", "NWBK60161331926819"))}.`, "pay [IBAN]."],
      [`pay ${withCheck("NO", "86011117947")}`, "pay [IBAN]"],
      // mod-97 holds, the length does not: DE is 22 characters
      [`pay ${withCheck("DE", "37040044053201300")} now`, null],
      [`pay ${withCheck("DE", "3704004405320130001")} now`, null],
      [`pay ${group(withCheck("DE", "3704004405320130001"))} now`, null],
      // no such country
      [`pay ${withCheck("XY", "370400440532013000")} now`, null],
      [`pay ${withCheck("AA", "12345678901234")} now`, null],
    ];
    const cases = raw.map(([input, want]): [string, string] => [input, want ?? input]);
    expect(cases.map(([input]) => DETECTORS.iban(input))).toEqual(cases.map(([, want]) => want));
    const out = harness("records", cases.map(([input]) => `return ${toLua({ log: input })}`));
    expect(out.map((line, i) => (line === "0" ? cases[i]![0] : (JSON.parse(line.slice(2)) as { log: string }).log))).toEqual(cases.map(([, want]) => want));
  });

  it("luaString keeps every spec string inside its literal", () => {
    const nasty = ['"', "\\", "]]", "\n", "\r\0", "'; os.exit(1) --", "\u00e9\u2603", "%s%%", "--[[", "\x1b[31m"];
    const lines = nasty.map((s) => `io.write((string.gsub(${luaString(s)}, ".", function(c) return string.format("%02x", c:byte()) end)), "\\n")`);
    const f = join(tmp.path, "strings.lua");
    writeFileSync(f, lines.join("\n"));
    const r = spawnSync(luajit!, [f], { encoding: "buffer" });
    expect(r.status).toBe(0);
    expect(r.stdout.toString("utf8").split("\n").slice(0, -1).map((h) => Buffer.from(h, "hex").toString("utf8"))).toEqual(nasty);
  });

  it("HMAC-SHA256 in pure Lua equals Node's crypto (RFC 4231 and padding edges)", () => {
    const hex = (s: string) => Buffer.from(s, "latin1").toString("hex");
    const vectors: [Buffer, Buffer][] = [
      [Buffer.alloc(20, 0x0b), Buffer.from("Hi There")],
      [Buffer.from("Jefe"), Buffer.from("what do ya want for nothing?")],
      [Buffer.alloc(20, 0xaa), Buffer.alloc(50, 0xdd)],
      [Buffer.from("0102030405060708090a0b0c0d0e0f10111213141516171819", "hex"), Buffer.alloc(50, 0xcd)],
      [Buffer.alloc(20, 0x0c), Buffer.from("Test With Truncation")],
      [Buffer.alloc(131, 0xaa), Buffer.from("Test Using Larger Than Block-Size Key - Hash Key First")],
      [Buffer.alloc(131, 0xaa), Buffer.from("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.")],
      ...[0, 1, 55, 56, 63, 64, 65, 119, 120, 1000].map((n): [Buffer, Buffer] => [Buffer.from(HMAC_KEY), Buffer.alloc(n, n & 0xff)]),
      [Buffer.alloc(64, 0x11), Buffer.from("key of exactly one block")],
      [Buffer.alloc(0), Buffer.from("empty key")],
    ];
    const out = harness("hmac", vectors.map(([k, m]) => `${k.toString("hex")}\t${m.toString("hex")}`));
    expect(out).toEqual(vectors.map(([k, m]) => createHmac("sha256", k).update(m).digest("hex")));
    expect(out[1]).toBe("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"); // RFC 4231 test case 2
    expect(hmacHex("Jefe", "what do ya want for nothing?")).toBe(out[1]);
    void hex;
  });

  it("custom patterns: Lua and JavaScript agree on every example of every pattern (example spec and fixtures)", () => {
    const cases: { name: string; policy: Policy; re: RegExp; replace: string; example: string; expect: boolean }[] = [];
    for (const m of [model, ...fixtureModels])
      // by name: a service whose policy is the default has no entry of its own (policies() leaves it out)
      for (const [s, policy] of m.services.flatMap((svc) => policies(m).services.filter((p) => p.name === svc.name).map((p) => [svc, p] as const)))
        for (const p of s.pii.patterns) {
          const parsed = parsePiiPattern(p.match);
          if (!parsed.ok) throw new Error(parsed.reason);
          const own = { ...policy, patterns: policy.patterns.filter((x) => x.name === p.name) };
          for (const [list, want] of [[p.examples.match, true], [p.examples.noMatch, false]] as const)
            for (const ex of list) cases.push({ name: `${s.name}/${p.name}`, policy: own, re: toRegExp(parsed.pattern), replace: p.replace, example: ex, expect: want });
        }
    expect(cases.length).toBeGreaterThanOrEqual(10);
    const got = patternHarness(cases.map((c) => ({ patterns: c.policy.patterns, value: c.example })));
    cases.forEach((c, i) => {
      c.re.lastIndex = 0;
      const jsHit = new RegExp(c.re.source).test(c.example);
      let replaced = c.example;
      for (const b of parsePiiPatternBranches(c)) replaced = replaced.replace(b, () => c.replace);
      expect(`${c.name}: ${got[i]}`).toBe(`${c.name}: ${jsHit}\t${replaced}`);
      expect(jsHit, `${c.name} on ${c.example}`).toBe(c.expect);
    });
  });

  const corpus = buildCorpus(CORPUS_SIZE);
  let lua: string[] = [];
  // once, for the agreement test and the over-redaction test alike (either may run alone)
  beforeAll(() => {
    lua = harness("records", corpus.map((c) => `return ${toLua(c.record)}`), { SVCSPEC_PII_HMAC_KEY: HMAC_KEY });
  }, 120_000);

  it(`Lua and the TypeScript reference agree record for record on ${CORPUS_SIZE}+ faker records; no planted PII leaks`, () => {
    expect(lua.length).toBe(corpus.length);
    let agree = 0;
    const leaks: string[] = [];
    const disagreements: string[] = [];
    const o = { ...opts, session: newSession() };
    corpus.forEach((c, i) => {
      const line = lua[i]!;
      expect(line.startsWith("NOTOUCH"), `record ${i}: Fluent Bit would pass the chunk untouched: ${line}`).toBe(false);
      const tab = line.indexOf("\t");
      const code = Number(tab < 0 ? line : line.slice(0, tab));
      const luaRecord = code === 0 ? c.record : (JSON.parse(line.slice(tab + 1)) as JsonMap);
      const ts = redactRecord(c.record, o);
      if (ts.code === code && JSON.stringify(sortKeys(ts.record)) === JSON.stringify(sortKeys(luaRecord))) agree++;
      else if (disagreements.length < 5) disagreements.push(`#${i} lua=${line.slice(0, 600)}\n   ts=${JSON.stringify(ts).slice(0, 600)}\n   in=${JSON.stringify(c.record).slice(0, 600)}`);
      const text = JSON.stringify(luaRecord);
      for (const p of c.planted) {
        const digits = p.type === "credit_card" ? p.value.replace(/\D/g, "") : null;
        if (text.includes(JSON.stringify(p.value).slice(1, -1)) || (digits && text.includes(digits))) leaks.push(`#${i} ${p.type}: ${p.value} in ${text.slice(0, 400)}`);
      }
    });
    const planted = corpus.reduce((n, c) => n + c.planted.length, 0);
    // nulls come back from the Lua: records re-packed (code 2) whose output holds nulls
    const nullsBack = lua.filter((line) => line.startsWith("2\t") && countNulls(JSON.parse(line.slice(2))) > 0).length;
    console.log(`fluent-bit corpus: ${corpus.length} records, ${planted} planted PII values, ${leaks.length} leaks, agreement ${agree}/${corpus.length}, ${nullsBack} redacted records with nulls`);
    expect(nullsBack).toBeGreaterThan(1000);
    expect(disagreements).toEqual([]);
    expect(leaks.slice(0, 10)).toEqual([]);
    expect(agree).toBe(corpus.length);
    expect(corpus.filter((c) => c.planted.length > 0).length).toBeGreaterThanOrEqual(CORPUS_SIZE);
  });

  it("nulls survive the Lua filter as null (top level, nested, in arrays, at and part-way along field-action paths); only drop removes one; the TypeScript reference agrees", () => {
    const k8s: JsonMap = { namespace_name: "shop", pod_name: "checkout-1", labels: { "app.kubernetes.io/name": "checkout", "app.kubernetes.io/part-of": "shop" } };
    // checkout has one field of each action: user.email hash, card.number last4, auth.password drop, client.ip and shipping.address mask
    const actions = new Map(model.services.find((s) => s.name === "checkout")!.pii.fields.map((f) => [f.path, f.action]));
    expect(new Set(actions.values())).toEqual(new Set(["hash", "last4", "drop", "mask"]));
    const around: JsonMap = { top: null, nested: { a: null, b: { c: null, d: [null, { e: null }] } }, list: [null, "x", null, { e: null }, null], only_nulls: [null, null], kubernetes: k8s };
    const leaves = (auth: JsonMap): JsonMap => ({ user: { email: null, id: "u-1" }, card: { number: null }, auth, client: { ip: null }, shipping: { address: null } });
    const nullPassword = { password: null, method: "password" };
    const noPassword = { method: "password" };
    const cases: { name: string; in: JsonMap; code: 0 | 2; want: JsonMap }[] = [
      { name: "a null at every field path, beside a redacted string", in: { log: "mail sam@example.com", ...around, ...leaves(nullPassword) }, code: 2, want: { log: "mail [EMAIL]", ...around, ...leaves(noPassword) } },
      { name: "a null at every field path, nothing else: drop alone changes the record", in: { log: "hi", ...around, ...leaves(nullPassword) }, code: 2, want: { log: "hi", ...around, ...leaves(noPassword) } },
      { name: "nulls at the hash, last4 and mask paths only: nothing to hide, no change", in: { log: "hi", ...around, ...leaves(noPassword) }, code: 0, want: { log: "hi", ...around, ...leaves(noPassword) } },
      { name: "a null part-way along every field path", in: { log: "mail sam@example.com", ...around, user: null, card: null, auth: null, client: null, shipping: null }, code: 2, want: { log: "mail [EMAIL]", ...around, user: null, card: null, auth: null, client: null, shipping: null } },
      { name: "values beside nulls still get their actions", in: { log: "hi", ...around, user: { email: null }, card: { number: "4111111111111111", cvc: null }, auth: { password: "hunter2", otp: null } }, code: 2, want: { log: "hi", ...around, user: { email: null }, card: { number: "****1111", cvc: null }, auth: { otp: null } } },
    ];
    for (const key of [HMAC_KEY, ""]) {
      const out = harness("records", cases.map((c) => `return ${toLua(c.in)}`), { SVCSPEC_PII_HMAC_KEY: key });
      const session = newSession();
      cases.forEach((c, i) => {
        const line = out[i]!;
        expect(line.startsWith(`${c.code}`), `${c.name}: ${line}`).toBe(true);
        const lua = c.code === 0 ? c.in : JSON.parse(line.slice(2));
        expect(lua, c.name).toStrictEqual(c.want);
        const ts = redactRecord(c.in, { ...opts, hmacKey: key, session });
        expect(ts.code, c.name).toBe(c.code);
        expect(ts.record, c.name).toStrictEqual(c.want);
      });
    }
    // fail closed with null metadata: the stub keeps the names that are plain strings, no error
    // (raw: a record this deep never reaches the callback through Fluent Bit's decoder)
    let deep: JsonMap = { v: null };
    for (let d = 0; d < 70; d++) deep = { next: deep, gap: null };
    const rec: JsonMap = { log: "x", deep, kubernetes: { namespace_name: null, pod_name: "checkout-1", container_name: null, labels: null } };
    const [stub] = harness("raw", [`return ${toLua(rec)}`]);
    const want = { _svcspec_redaction_error: true, log: "[REDACTION_ERROR]", kubernetes: { pod_name: "checkout-1" } };
    expect(JSON.parse(stub!.slice(2))).toStrictEqual(want);
    expect(redactRecord(rec, opts)).toStrictEqual({ code: 2, record: want });
  });

  it("the harness is on the flb_null path: flb_null is a userdata set before the script loads, JSON null is flb_null in maps and arrays, and it packs back as null", () => {
    // were nulls fed as nil (enable_flb_null off), n and the map's keys would vanish, the array would have holes and this fails
    const probe = join(tmp.path, "probe.lua");
    writeFileSync(
      probe,
      [
        "local AT_LOAD = type(flb_null)",
        "function cb_redact(tag, ts, rec)",
        "  local keys = 0",
        "  for _ in pairs(rec.m) do keys = keys + 1 end",
        "  rec.probe = M{ at_load = AT_LOAD, n = type(rec.n), n_is_flb_null = rawequal(rec.n, flb_null), a_len = #rec.a, a_nulls = rawequal(rec.a[2], flb_null) and rawequal(rec.a[3], flb_null), m_keys = keys }",
        "  return 2, ts, rec",
        "end",
      ].join("\n"),
    );
    const rec: JsonMap = { n: null, a: [1, null, null], m: { x: null, y: null } };
    expect(toLua(rec)).toBe('M{["n"]=flb_null,["a"]=A{1,flb_null,flb_null},["m"]=M{["x"]=flb_null,["y"]=flb_null}}');
    const [line] = harness("records", [`return ${toLua(rec)}`], {}, probe);
    expect(JSON.parse(line!.slice(2))).toStrictEqual({ ...rec, probe: { at_load: "userdata", n: "userdata", n_is_flb_null: true, a_len: 3, a_nulls: true, m_keys: 2 } });
    // only flb_null packs as null: another userdata cannot be serialized, as in flb_lua_tomsgpack
    writeFileSync(probe, "function cb_redact(tag, ts, rec) rec.u = newproxy(false) return 2, ts, rec end");
    const [bad] = harness("records", [`return ${toLua({ log: "x" })}`], {}, probe);
    expect(bad).toMatch(/^NOTOUCH\t.*cannot serialize a userdata/);
  });

  it("Lua and the TypeScript reference agree on 5,000 fuzzed strings of detector fragments", () => {
    const parts = ["4111", "1111", "-", " ", "@", "a", "b.com", ".", ":", "::", "password", "Token", "=", ": ", '"', "'", "eyJ", "eyJhbGc", "DE89", "3704", "0044", "(", ")", "+", "1", "555", "12", "x", "\u00e9", "://", "u:p", "Bearer ", "sk_live_", "AKIA", "0", "9", "255", ".1", "-----BEGIN ", "PRIVATE KEY-----", "-----END ", "version ", "\n", "_", "ORD-", "12345678"];
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    const records: JsonMap[] = Array.from({ length: 5000 }, (_, i) => {
      let log = "";
      const len = 1 + rnd(30);
      for (let k = 0; k < len; k++) log += parts[rnd(parts.length)];
      const record: JsonMap = { log };
      if (i % 2) record["kubernetes"] = { namespace_name: "shop", labels: { "app.kubernetes.io/name": "checkout", "app.kubernetes.io/part-of": "shop" } };
      return record;
    });
    const out = harness("records", records.map((r) => `return ${toLua(r)}`), { SVCSPEC_PII_HMAC_KEY: HMAC_KEY });
    const bad: string[] = [];
    const o = { ...opts, session: newSession() };
    records.forEach((r, i) => {
      const line = out[i]!;
      const ts = redactRecord(r, o);
      const luaRecord = line === "0" ? r : (JSON.parse(line.slice(2)) as JsonMap);
      if (JSON.stringify(sortKeys(luaRecord)) !== JSON.stringify(sortKeys(ts.record)) && bad.length < 5) bad.push(`${JSON.stringify(r.log)}\n lua=${JSON.stringify(luaRecord["log"])}\n  ts=${JSON.stringify(ts.record["log"])}`);
    });
    expect(bad).toEqual([]);
  });

  it("Lua and the TypeScript reference agree on 5,000 fuzzed strings of digit runs and separators (cards, SSNs, phones, IPv4)", () => {
    const parts = ["1", "12", "123", "1234", "4111", "1111", "555", "45", "6789", "255", "0", "9", "-", "-", " ", " ", ".", "+", "(", ") ", " x", "x", "a", "1-", "1.", "4111-1111-1111-1111", "555-123-4567", "123-45-6789", "10.0.0.1", "+44 20 7946 0958"];
    let seed = 11;
    const rnd = (n: number) => ((seed = (seed * 48271) % 2147483647), seed % n);
    const k8s = { namespace_name: "shop", labels: { "app.kubernetes.io/name": "checkout", "app.kubernetes.io/part-of": "shop" } };
    const records: JsonMap[] = Array.from({ length: 5000 }, () => {
      let log = "";
      for (let k = 1 + rnd(40); k > 0; k--) log += parts[rnd(parts.length)];
      return { log, kubernetes: k8s };
    });
    const out = harness("records", records.map((r) => `return ${toLua(r)}`));
    const bad: string[] = [];
    let changed = 0;
    const o = { ...opts, session: newSession() };
    records.forEach((r, i) => {
      const luaLog = out[i] === "0" ? r["log"] : (JSON.parse(out[i]!.slice(2)) as JsonMap)["log"];
      if (luaLog !== r["log"]) changed++;
      if (luaLog !== redactRecord(r, o).record["log"] && bad.length < 5) bad.push(`${JSON.stringify(r["log"])}\n lua=${JSON.stringify(luaLog)}`);
    });
    expect(bad).toEqual([]);
    expect(changed).toBeGreaterThan(1000);
  });

  it("over-redaction on false-positive traps is reported and bounded", () => {
    const byKind = new Map<string, { n: number; hit: number; examples: string[] }>();
    let n = 0;
    let hit = 0;
    corpus.forEach((c, i) => {
      if (c.trap === null) return;
      const line = lua[i]!;
      const changed = line !== "0";
      const k = byKind.get(c.trapKind!) ?? { n: 0, hit: 0, examples: [] };
      k.n++;
      n++;
      if (changed) {
        k.hit++;
        hit++;
        if (k.examples.length < 2) k.examples.push(c.trap);
      }
      byKind.set(c.trapKind!, k);
    });
    const rate = hit / n;
    console.log(`over-redaction on traps: ${hit}/${n} = ${(rate * 100).toFixed(2)}%`);
    for (const [kind, k] of byKind) if (k.hit) console.log(`  ${kind}: ${k.hit}/${k.n} e.g. ${k.examples.join(" | ")}`);
    // IMEIs are Luhn-valid by construction and many start with a JCB prefix (35): the one trap a
    // card detector cannot tell apart without context. Everything else must stay below 1%.
    const nonImei = [...byKind].filter(([kind]) => kind !== "imei").reduce((a, [, k]) => ({ n: a.n + k.n, hit: a.hit + k.hit }), { n: 0, hit: 0 });
    expect(nonImei.hit / nonImei.n).toBeLessThan(0.01);
    expect(rate).toBeLessThan(0.03);
  });

  it("fails closed: an internal error yields a stub with the error flag and no PII, never an exception", () => {
    const k8s = `M{namespace_name="shop",pod_name="checkout-1",labels=M{["app.kubernetes.io/name"]="checkout",["app.kubernetes.io/part-of"]="shop"}}`;
    const poisoned = `setmetatable({}, {__index = function() error("poisoned 4111111111111111") end})`;
    const lines = [
      `return M{log="card 4111111111111111 sam@example.com", user=${poisoned}, kubernetes=${k8s}}`,
      `return M{log="x", kubernetes=setmetatable({}, {__index = function() error("boom") end})}`,
      `local t = M{v="jwt eyJhbGciOi.eyJzdWIi.sig"} for i = 1, 70 do t = M{next=t} end return M{log="jwt eyJhbGciOi.eyJzdWIi.sig", nested=t, kubernetes=${k8s}}`,
    ];
    // raw: the third record is deeper than Fluent Bit's decoder lets through; the script's own guard
    const out = harness("raw", lines, { SVCSPEC_PII_HMAC_KEY: HMAC_KEY });
    expect(out[0]!.startsWith("2\t")).toBe(true);
    const first = JSON.parse(out[0]!.slice(2)) as JsonMap;
    expect(first["_svcspec_redaction_error"]).toBe(true);
    expect(first["log"]).toBe("[REDACTION_ERROR]");
    expect(first["kubernetes"]).toEqual({ namespace_name: "shop", pod_name: "checkout-1" });
    expect(out[0]).not.toMatch(/4111|sam@|poisoned/);
    // metadata that errors on access: the stub keeps no metadata it cannot read safely
    expect(JSON.parse(out[1]!.slice(2))).toEqual({ _svcspec_redaction_error: true, log: "[REDACTION_ERROR]", kubernetes: {} });
    expect(out[2]).toContain('"_svcspec_redaction_error":true');
    expect(out[2]).not.toContain("eyJ");
  });

  it("without an HMAC key, hash fields fail closed to a mask; with one they equal Node's HMAC", () => {
    const rec: JsonMap = { log: "hi", user: { email: "a@b.example" }, kubernetes: { namespace_name: "shop", labels: { "app.kubernetes.io/name": "checkout", "app.kubernetes.io/part-of": "shop" } } };
    const [noKey] = harness("records", [`return ${toLua(rec)}`], { SVCSPEC_PII_HMAC_KEY: "" });
    expect((JSON.parse(noKey!.slice(2)) as { user: { email: string } }).user.email).toBe("[REDACTED]");
    const [withKey] = harness("records", [`return ${toLua(rec)}`], { SVCSPEC_PII_HMAC_KEY: HMAC_KEY });
    expect((JSON.parse(withKey!.slice(2)) as { user: { email: string } }).user.email).toBe(createHmac("sha256", HMAC_KEY).update("a@b.example").digest("hex"));
  });

  it("without an HMAC key, a script with hash fields says so once on stderr at load; with a key, or with no hash field, it says nothing", () => {
    const run = (file: string, key: string | undefined) => {
      const input = join(tmp.path, "warn.txt");
      writeFileSync(input, [`return ${toLua({ log: "a" })}`, `return ${toLua({ log: "b" })}`].join("\n") + "\n");
      const r = spawnSync(luajit!, [HARNESS, file, "cb_redact", "records", input], { encoding: "utf8", env: { ...process.env, SVCSPEC_PII_HMAC_KEY: key } });
      expect(r.status).toBe(0);
      return r.stderr;
    };
    expect(run(script, "")).toBe(NO_KEY_WARNING);
    expect(run(script, undefined)).toBe(NO_KEY_WARNING);
    expect(run(script, HMAC_KEY)).toBe("");
    const noHash = join(tmp.path, "no-hash.lua");
    const m = fixtureModels[0]!;
    expect(m.services.some((svc) => svc.pii.fields.some((f) => f.action === "hash"))).toBe(false);
    writeFileSync(noHash, redactLua(m));
    expect(run(noHash, "")).toBe("");
  });

  it("hostile 32 KB values: Lua and TypeScript agree, and none takes more than 25 ms in LuaJIT (a behaviour guard, not a benchmark)", () => {
    const units = ["9", "4111 ", "4111-1111-1111-1111 ", "@", "a@", "a@b.c", "x@a.bc ", "password=", "x", "1.2.3.", "255.", "1.", "eyJ.", "a:", "::", "a:b::", "1:", "DE89 ", "AB12 ", "DE89 3704 0044 0532 0130 00 ", "DE89370400440532013000", "1-", "1-1-1 ", "12 ", "123-45-", "123-45-6789 ", "+1 ", "(555) ", "555-123-4567 ", "sk-", "xoxb-", "ghp_", "-----BEGIN ", "bearer ", "a://",
      "1 ", " 1", "4111-", "+1 555 123 4567 ", "1-555-123-4567 ", "555-123-4567 x12 ", "(555) 123-4567 ", "+4420794609581 ", "10.0.0.1 ", "GB82 WEST ", "A", "a@b.", "key=", "::ffff:", "aGVsbG8gd29ybGQ=+1"];
    const records: JsonMap[] = units.map((u) => ({ log: u.repeat(Math.floor(32768 / u.length)) }));
    const out = harness("records", records.map((r) => `return ${toLua(r)}`), { SVCSPEC_PII_HMAC_KEY: HMAC_KEY });
    const bad: string[] = [];
    const o = { ...opts, session: newSession() };
    records.forEach((r, i) => {
      const line = out[i]!;
      const luaRecord = line === "0" ? r : (JSON.parse(line.slice(2)) as JsonMap);
      if (JSON.stringify(sortKeys(luaRecord)) !== JSON.stringify(sortKeys(redactRecord(r, o).record))) bad.push(units[i]!);
    });
    expect(bad).toEqual([]);
    const [bench] = harness("bench", records.map((r) => `return ${toLua(r)}`), { SVCSPEC_PII_HMAC_KEY: HMAC_KEY });
    expect((JSON.parse(bench!) as { worstMs: number }).worstMs).toBeLessThan(25);
  });

  it("a 32 KB value is redacted, capped and flagged", () => {
    const big = "x ".repeat(20000) + "mail bob@example.com";
    const rec: JsonMap = { log: "card 4111 1111 1111 1111 " + big };
    const [line] = harness("records", [`return ${toLua(rec)}`]);
    const out = JSON.parse(line!.slice(2)) as { log: string; _svcspec_truncated: boolean };
    expect(out._svcspec_truncated).toBe(true);
    expect(out.log.startsWith("card [CREDIT_CARD] ")).toBe(true);
    expect(out.log.endsWith("[TRUNCATED]")).toBe(true);
    expect(out.log).not.toContain("bob@");
    expect(existsSync(script)).toBe(true);
    void readFileSync;
  });
});

function parsePiiPatternBranches(c: { re: RegExp }): RegExp[] {
  const parsed = parsePiiPattern(c.re.source);
  if (!parsed.ok) return [c.re];
  return parsed.pattern.branches.map((b) => toRegExp({ branches: [b] }));
}

function countNulls(v: unknown): number {
  if (v === null) return 1;
  if (v && typeof v === "object") return Object.values(v).reduce((n: number, x) => n + countNulls(x), 0);
  return 0;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, sortKeys(x)]));
  return v;
}
