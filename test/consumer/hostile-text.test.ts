/** Issue #18, findings 1-4, proven by the consumers: Go's YAML (scripts/goyaml: yaml.v2 as in
 * Alertmanager and kubectl, yaml.v3 as in Prometheus's rule files) reads back every hostile string
 * exactly and none of the three breakouts; a spec file named with line breaks yields files LuaJIT,
 * node, k6 and OPA load with nothing injected; Alertmanager sends receiver strings literally, Go
 * template syntax included; Prometheus and svcspec agree on a query with a carriage return.
 * (What holds without a consumer: test/hostile-text.test.ts, test/promql-bytes.test.ts.) */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { cpSync, renameSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { compile } from "../../src/compile.js";
import { toJson } from "../../src/render/json.js";
import { libraryYaml, toYaml } from "../../src/render/yaml.js";
import { localTool } from "../../src/tools/discover.js";
import { checkPromql } from "../../src/validate/promql.js";
import { readTree, ROOT, run, startOnFreePort, stopProcess, tempDir, waitFor } from "../helpers.js";
import { BREAKOUTS, compileBreakouts, HOSTILE, HOSTILE_FILE_NAME, hostileFileName, yamlQuoted } from "../support/hostile.js";
import { ACCEPTED, asExpression, REJECTED, SILENCED } from "../support/promql-cases.js";

const goyaml = localTool("goyaml", ROOT);

/** The documents Go's yaml.v2 or yaml.v3 reads from a YAML text; throws with Go's message when Go
 * rejects it. */
function goRead(text: string, version: "v2" | "v3"): unknown[] {
  if (!goyaml) throw new Error("goyaml missing: run scripts/setup-tools.sh");
  const r = spawnSync(goyaml, [version], { input: text, encoding: "utf8", timeout: 30_000, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`Go's yaml.${version} rejects the text: ${r.stderr}`);
  return JSON.parse(r.stdout) as unknown[];
}

describe("Go's YAML reads what svcspec writes", () => {
  it("goyaml is installed (scripts/setup-tools.sh)", () => expect(goyaml, "goyaml not found in .tools/bin or PATH").not.toBeNull());

  // One document per shape, all hostile strings in it: values, keys, list items, multi-line text,
  // JSON text in a ConfigMap-like block; once by the fast path's shapes, once forced to the library.
  const shapes = (s: string, i: number) => ({
    [`v${i}`]: s,
    [`k${i}:${s}`]: i,
    [`l${i}`]: [s, `${s}${s}`],
    [`m${i}`]: `first line\n${s}\nlast line`,
    [`j${i}.json`]: toJson({ id: s, [s]: [s] }),
  });
  const doc = Object.assign({}, ...HOSTILE.map(shapes)) as Record<string, unknown>;

  it.each(["v2", "v3"] as const)("yaml.%s reads every hostile string back exactly, by both emitter paths", (version) => {
    for (const text of [toYaml(doc), libraryYaml(doc)]) {
      const [read] = goRead(text, version) as [Record<string, unknown>];
      const mismatches = Object.keys(doc).filter((k) => JSON.stringify(read[k]) !== JSON.stringify(doc[k]));
      expect(mismatches.map((k) => JSON.stringify(k)), "values Go reads differently").toEqual([]);
      expect(Object.keys(read).sort()).toEqual(Object.keys(doc).sort());
      for (const k of Object.keys(doc).filter((x) => x.endsWith(".json"))) expect(JSON.parse(read[k] as string)).toEqual(JSON.parse(doc[k] as string));
    }
  });
});

describe("the breakouts of issue #18, read by Go", () => {
  const files = compileBreakouts();
  const read = (path: string, version: "v2" | "v3") => goRead(files.get(path)!, version);

  it("a Slack channel with U+2028 stays the channel: no http_config.proxy_url in alertmanager.yaml", () => {
    for (const path of ["alertmanager/alertmanager.yaml"]) {
      const [config] = read(path, "v2") as [{ receivers: { name: string; slack_configs?: Record<string, unknown>[] }[] }];
      const slack = config.receivers.find((r) => r.name === "payments-ticket")!.slack_configs![0]!;
      expect(slack).toEqual({ api_url_file: "/etc/alertmanager/secrets/slack-api-url", channel: BREAKOUTS.slackChannel, send_resolved: true });
    }
    // The Secret that carries the same config for prometheus-operator, read as kubectl does.
    const [secret] = read("kubernetes/platform/alertmanager.secret.yaml", "v2") as [{ stringData: Record<string, string> }];
    expect(goRead(secret.stringData["alertmanager.yaml"]!, "v2")).toEqual(read("alertmanager/alertmanager.yaml", "v2"));
  });

  it("an alert label value with U+2029 stays the value: no extra label in the rules", () => {
    const [rules] = read("prometheus/search.rules.yaml", "v3") as [{ groups: { rules: { alert?: string; labels?: Record<string, string> }[] }[] }];
    const labelled = rules.groups.flatMap((g) => g.rules).filter((r) => r.alert && r.labels?.["component"] !== undefined);
    expect(labelled.length).toBeGreaterThan(0);
    for (const r of labelled) {
      expect(r.labels!["component"]).toBe(BREAKOUTS.labelValue);
      expect(r.labels).not.toHaveProperty("pwned");
    }
    // The promtool tests of the same file, which also name the label.
    const [tests] = read("prometheus/search.rules.test.yaml", "v3") as [unknown];
    expect(JSON.stringify(tests)).not.toContain('"pwned"');
    expect(JSON.stringify(tests)).toContain(JSON.stringify(BREAKOUTS.labelValue));
  });

  it("an access subject id with U+2028 stays in data.json: no extra key in the OPA ConfigMap", () => {
    const docs = read("kubernetes/platform/opa-bundle.configmap.yaml", "v2") as { data: Record<string, string> }[];
    const keys = docs.flatMap((d) => Object.keys(d.data));
    expect(keys.filter((k) => !/^(svcspec\.(deploy|logmask|services\.[a-z_]+)\.(rego|data\.json)|system\.log\.rego|opa-config\.yaml)$/.test(k))).toEqual([]);
    const data = docs.map((d) => d.data["svcspec.services.payments_api.data.json"]).find((x) => x !== undefined)!;
    const bundle = JSON.parse(files.get("opa/svcspec/services/payments_api/data.json")!) as unknown;
    expect(JSON.parse(data)).toEqual({ svcspec: { services: { payments_api: bundle } } });
    expect(JSON.stringify(bundle)).toContain(JSON.stringify(BREAKOUTS.subjectId));
  });

  it("Go reads every generated YAML file as the JavaScript reader does", () => {
    const YAML_FILES = [...files.keys()].filter((p) => /\.ya?ml$/.test(p));
    expect(YAML_FILES.length).toBeGreaterThan(50);
    const all = YAML_FILES.map((p) => files.get(p)!).join("\n---\n");
    // JSON round trip on both sides: Go prints what it read as JSON, and the JavaScript value is
    // compared the same way (numbers, nulls, key order aside).
    const ours = YAML_FILES.flatMap((p) => YAML.parseAllDocuments(files.get(p)!, { version: "1.1" }).map((d) => d.toJS() as unknown));
    const normalise = (v: unknown) => JSON.parse(JSON.stringify(v, (_, x: unknown) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x))) as unknown;
    for (const version of ["v2", "v3"] as const) expect(goRead(all, version).map(normalise)).toEqual(ours.map(normalise));
  });
});

// ---------------------------------------------------------------------------------------------
// Finding 2: a spec file named with line breaks and code.

describe("a spec file named with line breaks, Lua code and comment ends", () => {
  const tmp = tempDir();
  const spec = join(tmp.path, "spec");
  const out = join(tmp.path, "out");
  const luajit = localTool("luajit", ROOT);
  const opa = localTool("opa", ROOT);
  const k6 = localTool("k6", ROOT);

  beforeAll(async () => {
    cpSync(join(ROOT, "spec"), spec, { recursive: true });
    renameSync(join(spec, "services", "checkout.yaml"), join(spec, "services", HOSTILE_FILE_NAME));
    // The Organization's file is the first source of the files every service feeds (redact.lua).
    renameSync(join(spec, "organization.yaml"), join(spec, hostileFileName("organization")));
    const r = await run(["build", "--spec", spec, "--out", out], ROOT);
    expect(r.code, r.err).toBe(0);
  });
  afterAll(() => tmp.cleanup());

  const built = () => readTree(out);
  const named = () => [...built()].filter(([, c]) => c.includes("os.exit(3)"));

  it("names the file in the headers of the files it feeds", () => {
    expect(named().map(([p]) => p)).toEqual(expect.arrayContaining(["fluent-bit/redact.lua", "alertmanager/alertmanager.yaml", "prometheus/checkout.rules.yaml", "k6/checkout/svcspec.runtime.js", "opa/svcspec/services/checkout/policy.rego", "docs/checkout.md"]));
  });

  it("LuaJIT loads and runs the redaction filter with nothing injected", () => {
    const r = spawnSync(luajit!, ["-e", `local f = assert(loadfile(${JSON.stringify(join(out, "fluent-bit", "redact.lua"))})); f(); io.write("loaded")`], { encoding: "utf8", timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe("loaded");
  });

  it("node and k6 parse every k6 script", () => {
    const scripts = [...built().keys()].filter((p) => p.endsWith(".js") && p.startsWith("k6/checkout/"));
    expect(scripts.length).toBeGreaterThan(1);
    for (const p of scripts) {
      const r = spawnSync(process.execPath, ["--check", join(out, p)], { encoding: "utf8" });
      expect(r.status, `${p}: ${r.stderr}`).toBe(0);
    }
    const script = scripts.find((p) => !p.endsWith("svcspec.runtime.js"))!;
    const inspect = spawnSync(k6!, ["inspect", join(out, script)], { encoding: "utf8", timeout: 60_000, env: { ...process.env, K6_NO_USAGE_REPORT: "true" } });
    expect(inspect.status, inspect.stderr).toBe(0);
  });

  it("opa check --strict accepts the policies and their tests", () => {
    const r = spawnSync(opa!, ["check", "--strict", join(out, "opa"), join(out, "opa-tests")], { encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it("Go's YAML reads every YAML file as it reads the example's (the header is one comment line)", () => {
    const example = readTree(join(ROOT, "out"));
    const yamls = named().filter(([p]) => /\.ya?ml$/.test(p));
    expect(yamls.length).toBeGreaterThan(3);
    for (const [p, content] of yamls) for (const v of ["v2", "v3"] as const) expect(goRead(content, v), p).toEqual(goRead(example.get(p)!, v));
  });
});

// ---------------------------------------------------------------------------------------------
// Finding 3: receiver strings are Go templates to Alertmanager.

describe("a real Alertmanager sends receiver strings literally, Go template syntax included", () => {
  const alertmanager = localTool("alertmanager", ROOT);
  const amtool = localTool("amtool", ROOT);
  const tmp = tempDir();
  const requests: { path: string; body: Record<string, unknown> }[] = [];
  let sink: Server | null = null;
  let am: ChildProcess | null = null;
  let base = "";
  const CHANNELS = { ticket: "#web {{ .Status }}", page: "#web-pages {{" };
  const RESPONDER = "{{ .GroupLabels.service }} on call {{";

  beforeAll(async () => {
    if (!alertmanager) throw new Error("alertmanager missing: run scripts/setup-tools.sh");
    sink = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        requests.push({ path: req.url ?? "", body: JSON.parse(body) as Record<string, unknown> });
        res.setHeader("content-type", "application/json");
        res.end("{}");
      });
    });
    await new Promise<void>((r) => sink!.listen(0, "127.0.0.1", () => r()));
    const sinkUrl = `http://127.0.0.1:${(sink.address() as { port: number }).port}`;
    // Alertmanager 0.25 sends these files' bytes as they are: no trailing newline.
    writeFileSync(join(tmp.path, "slack-url"), `${sinkUrl}/slack`);
    writeFileSync(join(tmp.path, "opsgenie-key"), "test-key");
    const org = `apiVersion: svcspec/v1
kind: Organization
metadata: { name: t }
spec:
  teams:
    web:
      receivers:
        page:
          slack: { channel: ${yamlQuoted(CHANNELS.page)}, apiUrlFile: ${join(tmp.path, "slack-url")} }
          opsgenie: { apiKeyFile: ${join(tmp.path, "opsgenie-key")}, responders: [{ type: team, name: ${yamlQuoted(RESPONDER)} }] }
        ticket:
          slack: { channel: ${yamlQuoted(CHANNELS.ticket)}, apiUrlFile: ${join(tmp.path, "slack-url")} }
`;
    const svc = `apiVersion: svcspec/v1
kind: Service
metadata: { name: api, team: web }
spec:
  tier: high
  slos:
    - name: availability
      sli: { ratio: { errors: 'http_requests_total{code=~"5.."}', total: http_requests_total } }
`;
    const r = compile([
      { path: "spec/organization.yaml", name: "spec/organization.yaml", text: org },
      { path: "spec/api.yaml", name: "spec/api.yaml", text: svc },
    ]);
    expect(r.files, r.diagnostics.map((d) => d.message).join("\n")).not.toBeNull();
    const generated = r.files!.get("alertmanager/alertmanager.yaml")!;
    const config = YAML.parse(generated) as { route: Route; receivers: { opsgenie_configs?: Record<string, unknown>[] }[] };
    // The generated config as it is, but delivered at once and Opsgenie pointed at the sink.
    const fast = (route: Route) => {
      route.group_wait = "100ms";
      route.routes?.forEach(fast);
    };
    fast(config.route);
    for (const rc of config.receivers) for (const o of rc.opsgenie_configs ?? []) o["api_url"] = `${sinkUrl}/opsgenie/`;
    const file = join(tmp.path, "alertmanager.yaml");
    writeFileSync(file, toYaml(config));
    const check = spawnSync(amtool!, ["check-config", file], { encoding: "utf8" });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    const started = await startOnFreePort(
      "alertmanager to be ready",
      (port) => spawn(alertmanager, [`--config.file=${file}`, `--storage.path=${join(tmp.path, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address=", "--log.level=warn"], { stdio: "ignore" }),
      async (b) => (await fetch(`${b}/-/ready`)).ok,
    );
    am = started.child;
    base = started.base;
    // Two SLOs: a page mutes the ticket of its own SLO (the generated inhibit rule).
    const alert = (severity: string, slo: string) => ({ labels: { alertname: "SLOErrorBudgetBurn", service: "api", slo, team: "web", severity }, annotations: { summary: "test" } });
    const post = await fetch(`${base}/api/v2/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify([alert("ticket", "latency"), alert("page", "availability")]) });
    expect(post.ok).toBe(true);
  });

  afterAll(async () => {
    await stopProcess(am);
    await new Promise<void>((r) => (sink ? sink.close(() => r()) : r()));
    tmp.cleanup();
  });

  /** What reached the sink at `path`, once `n` notifications did or after 15 s (Alertmanager drops
   * a notification whose template fails: then fewer arrive). */
  const delivered = async (path: string, n: number) => {
    const got = () => requests.filter((r) => r.path.startsWith(path));
    await waitFor(`${n} notification(s) to ${path}`, async () => (got().length >= n ? true : null), 15_000).catch(() => undefined);
    return got();
  };

  it("Slack: the ticket's `{{ .Status }}` and the page's lone `{{` arrive as written", async () => {
    const slack = await delivered("/slack", 2);
    expect(slack.map((r) => r.body["channel"]).sort()).toEqual([CHANNELS.page, CHANNELS.ticket].sort());
  });

  it("Opsgenie: the responder's name arrives as written", async () => {
    const created = await delivered("/opsgenie/v2/alerts", 1);
    expect(created.map((r) => r.body["responders"])).toEqual([[{ name: RESPONDER, type: "team" }]]);
  });
});

interface Route {
  group_wait?: string;
  routes?: Route[];
}

// ---------------------------------------------------------------------------------------------
// Finding 4: Prometheus's lexer and svcspec's validating parser agree on every byte.

describe("promtool and svcspec read spec queries alike", () => {
  const promtool = localTool("promtool", ROOT);
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  /** `promtool check rules` on one recording rule with `expr`. */
  const promtoolAccepts = (expr: string, name: string) => {
    const file = join(tmp.path, `${name}.rules.yaml`);
    writeFileSync(file, toYaml({ groups: [{ name: "t", rules: [{ record: "t:expr", expr }] }] }));
    return spawnSync(promtool!, ["check", "rules", file], { encoding: "utf8", timeout: 30_000 });
  };

  it("Prometheus evaluates the carriage-return comment's tail: the old query silenced the SLI, and svcspec now rejects it", () => {
    const test = (expr: string, value: number) => {
      writeFileSync(join(tmp.path, "silenced.rules.yaml"), toYaml({ groups: [{ name: "t", rules: [{ record: "sli:errors", expr }] }] }));
      writeFileSync(
        join(tmp.path, "silenced.test.yaml"),
        toYaml({
          rule_files: ["silenced.rules.yaml"],
          evaluation_interval: "1m",
          tests: [{ interval: "1m", input_series: [{ series: "errors_total", values: "0+60x20" }], promql_expr_test: [{ expr: "sli:errors", eval_time: "10m", exp_samples: [{ labels: "sli:errors", value }] }] }],
        }),
      );
      return spawnSync(promtool!, ["test", "rules", "silenced.test.yaml"], { cwd: tmp.path, encoding: "utf8", timeout: 30_000 });
    };
    // What svcspec's parser saw, `sum(rate(errors_total[5m]))`, is 1 error per second...
    expect(test("sum(rate(errors_total[5m]))", 1).status).toBe(0);
    // ...what Prometheus runs is `... * 0`: no errors, ever.
    const silenced = test(SILENCED, 0);
    expect(silenced.status, silenced.stdout + silenced.stderr).toBe(0);
    expect(test(SILENCED, 1).status).not.toBe(0);
    expect(checkPromql(SILENCED, "expr")).toMatchObject({ offset: SILENCED.indexOf("\r") });
  });

  it("promtool rejects every query svcspec rejects for Prometheus's lexer's sake", () => {
    const lexer = REJECTED.filter(([, , , reason]) => reason === "lexer");
    expect(lexer.length).toBeGreaterThan(10);
    lexer.forEach(([text, kind], i) => {
      expect(checkPromql(text, kind), text).not.toBeNull();
      expect(promtoolAccepts(asExpression(text, kind), `lexer-${i}`).status, JSON.stringify(text)).not.toBe(0);
    });
  });

  it("promtool accepts every query svcspec accepts", () => {
    ACCEPTED.forEach(([text, kind], i) => {
      expect(checkPromql(text, kind), text).toBeNull();
      const r = promtoolAccepts(asExpression(text, kind), `accepted-${i}`);
      expect(r.status, `${JSON.stringify(text)}: ${r.stdout}${r.stderr}`).toBe(0);
    });
  });

  it("a # comment that Prometheus accepts alone breaks the rules svcspec builds around it", () => {
    const [text, kind] = REJECTED.find(([, k, , reason]) => reason === "embed" && k === "selector")!;
    expect(promtoolAccepts(text, "embed-alone").status).toBe(0);
    // svcspec writes a selector into rate() on one line: the comment swallows the closing brackets.
    expect(promtoolAccepts(`sum(rate(${text}[5m]))`, "embed-rate").status).not.toBe(0);
    expect(checkPromql(text, kind)).not.toBeNull();
  });
});
