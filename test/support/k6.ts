/** What the k6 tests of both tiers share: the generated scripts of every output, the shared runtime
 * they import, and a small service whose scripts real k6 runs drive against a loopback server. */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { RUNTIME_MODULE } from "../../generators/k6/script.js";
import { compile } from "../../src/compile.js";
import { OUTPUTS, ROOT } from "../helpers.js";

function scriptsUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".js") && !f.endsWith(RUNTIME_MODULE))
    .map((f) => join(dir, f))
    .sort();
}
export const SCRIPTS = OUTPUTS.flatMap((o) => scriptsUnder(join(o, "k6")));
export const RUNTIME = join(ROOT, "generators", "k6", "runtime.js");

export const NASTY = "quote\" backslash\\ </script> \u2028\u2029 ${x} `tick`";

/** A service with a 99% availability SLO (1% error budget), a 95% under 200ms latency SLO, a
 * cached route, a load scenario and a pod-kill experiment under that load. */
export const SPEC = `apiVersion: svcspec/v1
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
    - name: bulk
      baseUrl: http://127.0.0.1:9
      profile:
        stages:
          - { duration: 2s, target: 2 }
      requests:
        - { name: list, method: GET, path: /api/products/1, weight: 601 }
        - { name: cart, method: GET, path: /api/cart, weight: 400 }
  chaos:
    - name: kill-one
      fault: pod-kill
      mode: one
      duration: 30s
      underLoad: smoke
      steadyState: { maxErrorRate: 1% }
`;

export const compileShop = () => compile([{ path: "spec/shop.yaml", name: "spec/shop.yaml", text: SPEC }]);
