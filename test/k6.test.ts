/** k6 scripts proven by k6 itself: `k6 inspect --execution-requirements` accepts every script of the
 * example and the golden fixtures, and real, short k6 runs against a loopback server show that the
 * thresholds derived from the SLOs, the Cache-Control checks and the chaos steady state pass and fail
 * when they should (exit code 0, or 99 for crossed thresholds). */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { weightedOrder } from "../generators/k6/script.js";
import { localTool } from "../src/tools/discover.js";
import { compile } from "../src/compile.js";
import { jsString, jsValue } from "../src/render/js.js";
import { FIXTURES, ROOT, tempDir } from "./helpers.js";

const k6 = localTool("k6", ROOT);

function scriptsUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".js"))
    .map((f) => join(dir, f))
    .sort();
}
const outputs = [join(ROOT, "out"), join(FIXTURES, "minimal", "expected"), join(FIXTURES, "window-28d", "expected")];
const scripts = outputs.flatMap((o) => scriptsUnder(join(o, "k6")));

describe("k6 scripts", () => {
  it("k6 is installed and the example has scripts", () => {
    expect(k6, "k6 missing: run scripts/setup-tools.sh").not.toBeNull();
    expect(scripts.length).toBeGreaterThanOrEqual(10);
  });

  it.each(scripts.map((s) => [relative(ROOT, s)]))("k6 inspect --execution-requirements accepts %s", (file) => {
    const r = spawnSync(k6!, ["inspect", "--execution-requirements", join(ROOT, file)], { encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const info = JSON.parse(r.stdout) as { thresholds?: Record<string, unknown>; scenarios?: Record<string, unknown> };
    expect(Object.keys(info.scenarios ?? {}).length).toBe(1);
    expect(Object.keys(info.thresholds ?? {}).length).toBeGreaterThanOrEqual(1);
  });

  it("jsString escapes everything that could end a literal", () => {
    const nasty = "a\"b'c`d\\e\n\u2028\u2029</script>${x}";
    const lit = jsString(nasty);
    expect(lit).not.toMatch(/[\u2028\u2029\n]/);
    expect(lit).not.toContain("</");
    expect(new Function(`return ${lit};`)()).toBe(nasty);
    expect(new Function(`return ${jsValue({ k: [nasty] }, 2)};`)()).toEqual({ k: [nasty] });
  });

  it("weighted order: each request as often as its weight, interleaved", () => {
    const order = weightedOrder([8, 6, 3, 2, 1]);
    expect(order).toHaveLength(20);
    expect([0, 1, 2, 3, 4].map((i) => order.filter((x) => x === i).length)).toEqual([8, 6, 3, 2, 1]);
    expect(order.slice(0, 5)).toContain(1);
    expect(weightedOrder([4, 2])).toEqual([0, 1, 0]);
  });
});

// ---------------------------------------------------------------------------------------------
// Real k6 runs against a loopback server.

const NASTY = "quote\" backslash\\ </script> \u2028\u2029 ${x} `tick`";

/** A service with a 99% availability SLO (1% error budget), a 95% under 200ms latency SLO, a
 * cached route, a load scenario and a pod-kill experiment under that load. */
const SPEC = `apiVersion: svcspec/v1
kind: Service
metadata:
  name: shop
  team: web
spec:
  tier: standard
  slos:
    - name: availability
      objective: 99
      sli:
        ratio:
          errors: http_requests_total{job="shop",code=~"5.."}
          total: http_requests_total{job="shop"}
    - name: latency
      objective: 95
      sli:
        latency:
          histogram: http_request_duration_seconds
          threshold: 200ms
  cache:
    routes:
      - { path: /api/products/*, ttl: 60s }
      - { path: /api/me, ttl: 30s, scope: private }
      - { path: /api/cart, ttl: 0 }
  load:
    - name: smoke
      baseUrl: http://127.0.0.1:9
      profile:
        stages:
          - { duration: 2s, target: 3 }
          - { duration: 2s, target: 3 }
      requests:
        - { name: product, method: GET, path: "/api/products/1?x=1", weight: 3 }
        - { name: me, method: GET, path: /api/me }
        - { name: cart, method: GET, path: /api/cart }
        - { name: order, method: POST, path: /api/orders, json: { note: ${JSON.stringify(NASTY)} }, expectStatus: [201] }
  chaos:
    - name: kill-one
      fault: pod-kill
      mode: one
      duration: 30s
      underLoad: smoke
      steadyState: { maxErrorRate: 1% }
`;

type Mode = "healthy" | "errors" | "slow" | "wrong-cache";

describe("real k6 runs against a loopback server", () => {
  const tmp = tempDir("svcspec-k6-");
  let server: Server | null = null;
  let base = "";
  let mode: Mode = "healthy";
  let count = 0;
  const bodies: string[] = [];

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      count++;
      const path = (req.url ?? "/").split("?")[0]!;
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

  const files = compile([{ path: "spec/shop.yaml", name: "spec/shop.yaml", text: SPEC }]);

  beforeAll(async () => {
    if (!k6) throw new Error("k6 missing: run scripts/setup-tools.sh");
    expect(files.files, JSON.stringify(files.diagnostics)).not.toBeNull();
    for (const name of ["smoke.js", "chaos-kill-one.js"]) writeFileSync(join(tmp.path, name), files.files!.get(`k6/shop/${name}`)!);
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

  it("the generated script has the derived thresholds", () => {
    const script = files.files!.get("k6/shop/smoke.js")!;
    expect(script).toContain('"http_req_failed": ["rate<0.01"]');
    expect(script).toContain('"http_req_duration": ["p(95)<200"]');
    expect(script).toContain('"checks": ["rate>0.99"]');
    const chaos = files.files!.get("k6/shop/chaos-kill-one.js")!;
    expect(chaos).toContain('"http_req_failed": [{"threshold":"rate<0.01","abortOnFail":true}]');
    expect(chaos).toContain('{ duration: dur("26s"), target: cap(3) }'); // held at the peak for the fault's 30s
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
