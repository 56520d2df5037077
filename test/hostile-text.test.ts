/** Issue #18, findings 1 and 3 without a consumer: every escaper of src/render writes the unsafe
 * characters (src/render/chars.ts) as escapes, keeps the value, and refuses lone surrogates; no
 * generated file of the example holding the three breakout strings has one raw; receiver fields
 * Alertmanager expands as Go templates are written as templates that print the spec text. What Go's
 * YAML and a real Alertmanager make of the same: test/consumer/hostile-text.test.ts. */
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { compile } from "../src/compile.js";
import { templateLiteral } from "../src/render/go-template.js";
import { jsString, jsValue } from "../src/render/js.js";
import { toJson } from "../src/render/json.js";
import { luaString } from "../src/render/lua.js";
import { promqlString } from "../src/render/promql.js";
import { regoTerm } from "../src/render/rego.js";
import { fastYaml, libraryYaml, toYaml } from "../src/render/yaml.js";
import { ROOT, sourcesOf } from "./helpers.js";
import { BREAKOUTS, compileBreakouts, HOSTILE, LONE_SURROGATES, unsafeIn } from "./support/hostile.js";


/** Documents that put each string where YAML treats it differently: value, key, list item, inside
 * multi-line text, and next to a string that sends the whole document to the library. */
function yamlShapes(s: string): unknown[] {
  return [{ k: s }, { [s]: 1 }, { k: [s, s] }, { k: `first\n${s}\nlast` }, { [s]: { [s]: s } }, { marker: "--- x", k: s }, [s]];
}

describe("the YAML emitter and hostile strings", () => {
  it("writes no unsafe character raw, by the fast path and the library, and reads back the same", () => {
    for (const s of HOSTILE) {
      for (const doc of yamlShapes(s)) {
        for (const text of [toYaml(doc), libraryYaml(doc)]) {
          expect(unsafeIn(text), JSON.stringify(text)).toEqual([]);
          expect(YAML.parse(text, { version: "1.1" })).toEqual(doc);
        }
        const fast = fastYaml(doc);
        if (fast !== null) expect(fast).toBe(libraryYaml(doc));
      }
    }
  });

  it("refuses a lone surrogate instead of writing a character Go cannot read", () => {
    for (const s of LONE_SURROGATES) for (const doc of yamlShapes(s)) expect(() => toYaml(doc), JSON.stringify(s)).toThrow(/lone surrogate/);
  });
});

describe("the JSON, JavaScript, Rego, PromQL and Lua escapers and hostile strings", () => {
  const value = Object.fromEntries(HOSTILE.map((s, i) => [s, [s, i]]));

  it("JSON: no unsafe character raw, the same value", () => {
    const text = toJson(value);
    expect(unsafeIn(text)).toEqual([]);
    expect(JSON.parse(text)).toEqual(value);
  });

  it("JavaScript: no unsafe character raw, the same value", () => {
    for (const s of HOSTILE) {
      expect(unsafeIn(jsString(s))).toEqual([]);
      expect(new Function(`return ${jsString(s)}`)()).toBe(s);
    }
    const text = jsValue(value, 2);
    expect(unsafeIn(text)).toEqual([]);
    expect(new Function(`return ${text}`)()).toEqual(value);
  });

  it("Rego: no unsafe character raw, the same value (a Rego term of strings is JSON)", () => {
    const text = regoTerm(value);
    expect(unsafeIn(text)).toEqual([]);
    expect(JSON.parse(text)).toEqual(value);
  });

  it("PromQL: no unsafe character raw, the same value under Go's string escapes", () => {
    for (const s of HOSTILE) {
      const lit = promqlString(s);
      expect(unsafeIn(lit), JSON.stringify(lit)).toEqual([]);
      expect(goUnquote(lit)).toBe(s);
    }
  });

  it("Lua: printable ASCII only", () => {
    for (const s of HOSTILE) expect(luaString(s)).toMatch(/^"[\x20-\x7e]*"$/);
  });

  it("every escaper refuses a lone surrogate", () => {
    for (const s of LONE_SURROGATES) {
      for (const f of [toJson, jsString, (x: string) => jsValue([x]), regoTerm, promqlString, luaString]) expect(() => f(s), `${f.name} ${JSON.stringify(s)}`).toThrow(/lone surrogate/);
    }
  });
});

/** Go's interpreted-string escapes (what Prometheus's lexer accepts in a double-quoted string). */
function goUnquote(lit: string): string {
  expect(lit.startsWith('"') && lit.endsWith('"')).toBe(true);
  const SIMPLE: Record<string, string> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\", '"': '"' };
  return lit.slice(1, -1).replace(/\\(?:([abfnrtv\\"])|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([0-7]{3}))|(["\n])/g, (_, simple, x, u, U, octal, bad) => {
    if (bad) throw new Error(`raw ${JSON.stringify(bad)} in a PromQL string`);
    if (simple) return SIMPLE[simple]!;
    return String.fromCodePoint(parseInt(x ?? u ?? U ?? octal, octal ? 8 : 16));
  });
}

describe("the breakouts of issue #18 in generated files", () => {
  it("no generated file of the example with the breakout strings holds a raw unsafe character", () => {
    const files = compileBreakouts();
    const found = [...files].flatMap(([path, content]) => unsafeIn(content).map((c) => `${path}: ${c}`));
    expect(found).toEqual([]);
    // The strings are still there, escaped: the Slack channel in the Alertmanager config.
    const am = YAML.parse(files.get("alertmanager/alertmanager.yaml")!, { version: "1.1" }) as { receivers: { name: string; slack_configs?: { channel: string }[] }[] };
    expect(am.receivers.find((r) => r.name === "payments-ticket")!.slack_configs![0]!.channel).toBe(BREAKOUTS.slackChannel);
  });
});

describe("lone surrogates in the spec", () => {
  it("are an error at the string or key (SVC006), and nothing is generated", () => {
    const sources = sourcesOf("spec", ROOT).map((s) =>
      s.name === "spec/services/payments-api.yaml"
        ? { ...s, text: s.text.replace("subjects: { ids: [u-incident-commander] }", 'subjects: { ids: ["u-\\ud800"] }').replace("kind: Service\n", 'kind: Service\n"x\\udc00": 1\n') }
        : s,
    );
    const r = compile(sources);
    expect(r.files).toBeNull();
    const found = r.diagnostics.filter((d) => d.code === "SVC006").map((d) => `${d.file}:${d.line}:${d.col} ${d.message}`);
    expect(found).toEqual([
      "spec/services/payments-api.yaml:7:1 a lone surrogate (U+DC00) in a key: no output can carry it",
      expect.stringMatching(/^spec\/services\/payments-api\.yaml:\d+:\d+ a lone surrogate \(U\+D800\) in a string: no output can carry it$/),
    ]);
  });
});

describe("Go template syntax in fields Alertmanager expands (finding 3)", () => {
  it("every templated receiver field is written as a template that prints the spec text", () => {
    const org = (receiver: string) => `apiVersion: svcspec/v1
kind: Organization
metadata: { name: t }
spec:
  teams:
    web:
      receivers:
        ticket:
${receiver}
`;
    const cases: [string, (c: Record<string, unknown[]>) => unknown][] = [
      ['          slack: { channel: "#a {{ .Status }} {{", apiUrlFile: /s }', (c) => (c["slack_configs"]![0] as { channel: string }).channel],
      ['          email: { to: "{{x}}@a.example", from: "b{{@a.example", smarthost: "smtp.a.example:587" }', (c) => [(c["email_configs"]![0] as { to: string }).to, (c["email_configs"]![0] as { from: string }).from]],
      ['          opsgenie: { apiKeyFile: /k, responders: [{ type: team, name: "{{ .Receiver }}" }] }', (c) => (c["opsgenie_configs"]![0] as { responders: { name: string }[] }).responders[0]!.name],
    ];
    const expected = [templateLiteral("#a {{ .Status }} {{"), [templateLiteral("{{x}}@a.example"), templateLiteral("b{{@a.example")], templateLiteral("{{ .Receiver }}")];
    cases.forEach(([receiver, pick], i) => {
      const r = compile([{ path: "o.yaml", name: "spec/o.yaml", text: org(receiver) }]);
      expect(r.files, r.diagnostics.map((d) => d.message).join("\n")).not.toBeNull();
      const am = YAML.parse(r.files!.get("alertmanager/alertmanager.yaml")!) as { receivers: Record<string, unknown[]>[] };
      expect(pick(am.receivers.find((x) => x["name"] === ("web-ticket" as unknown))!)).toEqual(expected[i]);
    });
    expect(templateLiteral("a {{ b }} {{")).toBe('a {{ "{{" }} b }} {{ "{{" }}');
  });
});

describe("comment lines carrying spec text (found by the fuzz suite, npm run fuzz)", () => {
  it("a k6 scenario's description and an access test's name leave no unsafe character raw in the k6 script or the Rego tests", () => {
    const HOSTILE_LINE = "a\u001bb\u0085c\u2028d\u007fe";
    const sources = sourcesOf("spec", ROOT).map((s) =>
      s.name === "spec/services/checkout.yaml"
        ? { ...s, text: s.text.replace("description: A normal weekday afternoon.", `description: ${JSON.stringify(HOSTILE_LINE).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}`) }
        : s.name === "spec/services/payments-api.yaml"
          ? { ...s, text: s.text.replace("- name: payments engineer reads payments masked", '- name: "payments engineer\\u2028reads\\u001b payments masked"') }
          : s,
    );
    const r = compile(sources);
    expect(r.files, r.diagnostics.map((d) => d.message).join("\n")).not.toBeNull();
    const steady = r.files!.get("k6/checkout/steady.js")!;
    const rego = r.files!.get("opa-tests/svcspec/services/payments_api/authz_test.rego")!;
    expect(unsafeIn(steady)).toEqual([]);
    expect(unsafeIn(rego)).toEqual([]);
    // the text is still there, on its one comment line, escaped
    expect(steady).toContain("// a\\u001bb c d\\u007fe\n");
    expect(rego).toContain("payments engineer reads\\u001b payments masked");
  });
});
