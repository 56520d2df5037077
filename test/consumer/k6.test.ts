/** k6 scripts proven by k6 itself: node and k6 accept the shared runtime (generators/k6/runtime.js),
 * `k6 inspect --execution-requirements` accepts every script of the example and the golden
 * fixtures, both beside the runtime under out/k6/<service>/ and from each script's ConfigMap laid
 * out as the kubelet mounts it, and real, short k6 runs against a loopback server show that the
 * thresholds derived from the SLOs, the Cache-Control checks, the weights and the chaos steady
 * state pass and fail when they should (exit code 0, or 99 for crossed thresholds). (What holds
 * without k6: test/k6.test.ts.) */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import jsyaml from "js-yaml";
import { RUNTIME_MODULE } from "../../generators/k6/script.js";
import { localTool } from "../../src/tools/discover.js";
import { ROOT, tempDir } from "../helpers.js";
import { compileShop, NASTY, RUNTIME, SCRIPTS as scripts } from "../support/k6.js";

const k6 = localTool("k6", ROOT);
const inspect = (file: string) => spawnSync(k6!, ["inspect", "--execution-requirements", file], { encoding: "utf8", timeout: 60_000 });

describe("k6 scripts", () => {
  it("k6 is installed and the example has scripts", () => {
    expect(k6, "k6 missing: run scripts/setup-tools.sh").not.toBeNull();
    expect(scripts.length).toBeGreaterThanOrEqual(10);
  });

  it("the runtime is JavaScript node parses and k6 loads (init context, built-in modules only)", () => {
    const node = spawnSync(process.execPath, ["--check", RUNTIME], { encoding: "utf8", timeout: 60_000 });
    expect(node.status, node.stderr).toBe(0);
    const r = spawnSync(k6!, ["inspect", RUNTIME], { encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const source = readFileSync(RUNTIME, "utf8");
    expect([...source.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1])).toEqual(["k6/http", "k6", "k6/execution"]);
    // the check can fail: a syntax error is refused
    const tmp = tempDir("svcspec-k6-check-");
    try {
      // .mjs: ES modules outside the package too, so only the syntax error can fail it
      writeFileSync(join(tmp.path, "fine.mjs"), source);
      writeFileSync(join(tmp.path, "broken.mjs"), source.replace("export function iteration(scenario) {", "export function iteration(scenario) {)"));
      expect(spawnSync(process.execPath, ["--check", join(tmp.path, "fine.mjs")], { encoding: "utf8" }).status).toBe(0);
      expect(spawnSync(process.execPath, ["--check", join(tmp.path, "broken.mjs")], { encoding: "utf8" }).status).not.toBe(0);
    } finally {
      tmp.cleanup();
    }
  });

  it.each(scripts.map((s) => [relative(ROOT, s)]))("k6 inspect --execution-requirements accepts %s", (file) => {
    const r = inspect(join(ROOT, file));
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const info = JSON.parse(r.stdout) as { thresholds?: Record<string, unknown>; scenarios?: Record<string, unknown> };
    expect(Object.keys(info.scenarios ?? {}).length).toBe(1);
    expect(Object.keys(info.thresholds ?? {}).length).toBeGreaterThanOrEqual(1);
  });

  it("every script's ConfigMap, mounted as a folder (TestRun at /test, Workflow at /scripts), runs in k6 inspect", () => {
    const out = join(ROOT, "out", "kubernetes");
    const manifests = readdirSync(out, { recursive: true, encoding: "utf8" }).filter((f) => /(^|\/)configmap-k6-[^/]+\.yaml$/.test(f));
    expect(manifests.length).toBe(scripts.filter((s) => s.startsWith(join(ROOT, "out"))).length);
    const tmp = tempDir("svcspec-k6-mount-");
    try {
      for (const f of manifests) {
        const cm = jsyaml.load(readFileSync(join(out, f), "utf8")) as { data: Record<string, string> };
        const dir = join(tmp.path, f.replace(/\W/g, "_"));
        mkdirSync(dir);
        for (const [key, text] of Object.entries(cm.data)) writeFileSync(join(dir, key), text);
        const script = Object.keys(cm.data).find((k) => k !== RUNTIME_MODULE)!;
        const r = inspect(join(dir, script));
        expect(r.status, `${f}: ${r.stdout}${r.stderr}`).toBe(0);
      }
    } finally {
      tmp.cleanup();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Real k6 runs against a loopback server.

type Mode = "healthy" | "errors" | "slow" | "wrong-cache";

describe("real k6 runs against a loopback server", () => {
  const tmp = tempDir("svcspec-k6-");
  let server: Server | null = null;
  let base = "";
  let mode: Mode = "healthy";
  let count = 0;
  const bodies: string[] = [];
  const paths: string[] = [];

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      count++;
      const path = (req.url ?? "/").split("?")[0]!;
      paths.push(path);
      if (req.method === "POST") bodies.push(body);
      const cc = path.startsWith("/api/products/") ? "public, max-age=60" : path === "/api/me" ? "private, max-age=30" : path === "/api/cart" ? "no-store" : null;
      const send = () => {
        if (mode === "errors" && count % 5 === 0) {
          res.writeHead(500).end("boom");
          return;
        }
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (cc) headers["cache-control"] = mode === "wrong-cache" ? "public, max-age=5" : cc;
        res.writeHead(req.method === "POST" ? 201 : 200, headers).end("{}");
      };
      if (mode === "slow") setTimeout(send, 350);
      else send();
    });
  };

  const files = compileShop();

  beforeAll(async () => {
    if (!k6) throw new Error("k6 missing: run scripts/setup-tools.sh");
    expect(files.files, JSON.stringify(files.diagnostics)).not.toBeNull();
    // the folder as svcspec writes it: the scripts and the runtime module they import
    const folder = [...files.files!.keys()].filter((p) => p.startsWith("k6/shop/"));
    expect(folder.map((p) => p.slice("k6/shop/".length)).sort()).toEqual(["bulk.js", "chaos-kill-one.js", "smoke.js", RUNTIME_MODULE]);
    for (const path of folder) writeFileSync(join(tmp.path, path.slice("k6/shop/".length)), files.files!.get(path)!);
    server = createServer(handle);
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    tmp.cleanup();
  });

  /** Runs k6 asynchronously (the server lives in this process), killed after `limit` ms. */
  function runK6(script: string, duration: string, limit = 60_000): Promise<{ code: number | null; output: string; ms: number }> {
    const started = Date.now();
    return new Promise((resolve) => {
      const child = spawn(k6!, ["run", "--quiet", join(tmp.path, script)], {
        env: { ...process.env, BASE_URL: base, SVCSPEC_DURATION: duration, K6_NO_USAGE_REPORT: "true", NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (c) => (output += c));
      child.stderr.on("data", (c) => (output += c));
      const timer = setTimeout(() => child.kill("SIGKILL"), limit);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, output, ms: Date.now() - started });
      });
    });
  }

  const crossed = (output: string) => /thresholds on metrics '([^']*)' (have|has) been crossed/.exec(output)?.[1]?.split(", ") ?? [];

  it("weights by cumulative ranges: the first 601 iterations send the first request, then the second", async () => {
    mode = "healthy";
    paths.length = 0;
    const r = await runK6("bulk.js", "3s");
    console.log(`k6 cumulative: exit ${r.code} in ${r.ms} ms, ${paths.length} requests`);
    expect(r.code, r.output).toBe(0);
    const cart = paths.indexOf("/api/cart");
    expect(paths.length).toBeGreaterThan(0);
    if (cart >= 0) expect(cart).toBeGreaterThanOrEqual(601 - 2); // two VUs: the first arrivals may swap
    expect(new Set(paths.slice(0, Math.min(paths.length, 598)))).toEqual(new Set(["/api/products/1"]));
  });

  it("healthy server: exit 0, and the JSON body arrives intact", async () => {
    mode = "healthy";
    bodies.length = 0;
    const r = await runK6("smoke.js", "2s");
    console.log(`k6 healthy: exit ${r.code} in ${r.ms} ms`);
    expect(r.code, r.output).toBe(0);
    expect(bodies.length).toBeGreaterThan(0);
    expect(JSON.parse(bodies[0]!)).toEqual({ note: NASTY });
  });

  it("server failing 20% of requests (budget 1%): exit 99 on http_req_failed", async () => {
    mode = "errors";
    const r = await runK6("smoke.js", "2s");
    console.log(`k6 errors: exit ${r.code} in ${r.ms} ms, crossed ${crossed(r.output)}`);
    expect(r.code, r.output).toBe(99);
    expect(crossed(r.output)).toContain("http_req_failed");
  });

  it("server answering in 350ms (SLO: 95% under 200ms): exit 99 on http_req_duration", async () => {
    mode = "slow";
    const r = await runK6("smoke.js", "2s");
    console.log(`k6 slow: exit ${r.code} in ${r.ms} ms, crossed ${crossed(r.output)}`);
    expect(r.code, r.output).toBe(99);
    expect(crossed(r.output)).toContain("http_req_duration");
    expect(crossed(r.output)).not.toContain("http_req_failed");
  });

  it("wrong Cache-Control on cached routes: checks fail, exit 99 on checks only", async () => {
    mode = "wrong-cache";
    const r = await runK6("smoke.js", "2s");
    console.log(`k6 wrong-cache: exit ${r.code} in ${r.ms} ms, crossed ${crossed(r.output)}`);
    expect(r.code, r.output).toBe(99);
    expect(crossed(r.output)).toEqual(["checks"]);
  });

  it("chaos script: a lost steady state aborts the run early with exit 99", async () => {
    mode = "errors";
    const r = await runK6("chaos-kill-one.js", "20s");
    console.log(`k6 chaos abort: exit ${r.code} in ${r.ms} ms`);
    expect(r.code, r.output).toBe(99);
    expect(r.ms).toBeLessThan(15_000); // the stages alone last 60s (3 x 20s)
  });

  it("chaos script: a kept steady state passes", async () => {
    mode = "healthy";
    const r = await runK6("chaos-kill-one.js", "1s");
    console.log(`k6 chaos healthy: exit ${r.code} in ${r.ms} ms`);
    expect(r.code, r.output).toBe(0);
  });
});
