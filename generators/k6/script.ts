/** The text of one k6 script: options (one scenario, thresholds) and a default function sending the
 * scenario's requests by weight. Plain JavaScript for k6 2.x using built-in modules only; every spec
 * value is emitted through jsString()/jsValue(), never spliced in raw. */
import type { CacheRoute, LoadScenario, Service } from "../../src/model/model.js";
import { jsString, jsValue } from "../../src/render/js.js";
import { goDuration } from "../../src/model/duration.js";

export type ThresholdEntry = string | { threshold: string; abortOnFail: true };
/** Threshold key (`metric` or `metric{tag:value}`) -> expressions, in insertion order. */
export type Thresholds = Map<string, ThresholdEntry[]>;

export function addThreshold(t: Thresholds, key: string, entry: ThresholdEntry): void {
  const list = t.get(key) ?? [];
  const same = (e: ThresholdEntry) => JSON.stringify(e) === JSON.stringify(entry);
  if (!list.some(same)) list.push(entry);
  t.set(key, list);
}

export function thresholdKey(metric: string, tags: readonly (readonly [string, string])[]): string {
  return tags.length ? `${metric}{${tags.map(([k, v]) => `${k}:${v}`).join(",")}}` : metric;
}

/** The cache route a request path falls under: an exact route wins, else the longest prefix route
 * (`/api/products/*`). The query string is not part of the path. */
export function cacheRouteFor(service: Service, path: string): CacheRoute | null {
  const routes = service.cache?.routes ?? [];
  const bare = path.split("?")[0] ?? path;
  const exact = routes.find((r) => !r.path.endsWith("*") && r.path === bare);
  if (exact) return exact;
  const prefixes = routes.filter((r) => r.path.endsWith("*") && bare.startsWith(r.path.slice(0, -1)));
  prefixes.sort((a, b) => b.path.length - a.path.length);
  return prefixes[0] ?? null;
}

/** Smooth weighted round robin (as nginx balances upstreams): each request index appears as often
 * as its weight, interleaved, so even a short run sends every request in proportion. */
export function weightedOrder(weights: readonly number[]): number[] {
  const g = weights.reduce((a, b) => gcd(a, b));
  const w = weights.map((x) => x / g);
  const total = w.reduce((a, b) => a + b, 0);
  const current = w.map(() => 0);
  const order: number[] = [];
  for (let n = 0; n < total; n++) {
    let best = 0;
    for (let i = 0; i < w.length; i++) {
      current[i]! += w[i]!;
      if (current[i]! > current[best]!) best = i;
    }
    current[best]! -= total;
    order.push(best);
  }
  return order;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Longest weighted order emitted as a table; longer ones use cumulative weights instead. */
const MAX_ORDER = 1000;

export interface ScriptInput {
  service: Service;
  load: LoadScenario;
  /** Key of the k6 scenario in options.scenarios. */
  scenario: string;
  profile: LoadScenario["profile"];
  thresholds: Thresholds;
  /** Comment lines describing the script (plain text; each is emitted after `// `). */
  about: string[];
}

export function renderScript(input: ScriptInput): string {
  const { service, load, profile } = input;
  const out: string[] = [];
  for (const line of input.about) out.push(`// ${line.replace(/[\r\n\u2028\u2029]+/g, " ")}`);
  out.push(
    'import http from "k6/http";',
    'import { check } from "k6";',
    'import exec from "k6/execution";',
    "",
    `const BASE_URL = __ENV.BASE_URL || ${jsString(load.baseUrl)};`,
    "// Test-time overrides: SVCSPEC_DURATION (e.g. 3s) replaces every stage and scenario duration,",
    "// SVCSPEC_MAX_VUS caps the VUs (and the arrival rate) so a short local run stays small.",
    "const DURATION = __ENV.SVCSPEC_DURATION || null;",
    "const MAX_VUS = __ENV.SVCSPEC_MAX_VUS ? parseInt(__ENV.SVCSPEC_MAX_VUS, 10) : null;",
    "const dur = (d) => DURATION || d;",
    "const cap = (n) => (MAX_VUS === null ? n : Math.min(n, MAX_VUS));",
    "",
    "export const options = {",
    "  scenarios: {",
    `    ${jsString(input.scenario)}: {`,
  );
  if (profile.kind === "stages") {
    out.push('      executor: "ramping-vus",', "      startVUs: 0,", "      stages: [");
    for (const s of profile.stages) out.push(`        { duration: dur(${jsString(goDuration(s.duration))}), target: cap(${s.target}) },`);
    out.push("      ],");
  } else {
    out.push(
      '      executor: "constant-arrival-rate",',
      `      rate: cap(${profile.rate}),`,
      `      timeUnit: ${jsString(goDuration(profile.per))},`,
      `      duration: dur(${jsString(goDuration(profile.duration))}),`,
      `      preAllocatedVUs: cap(${profile.preAllocatedVUs}),`,
      `      maxVUs: cap(${profile.maxVUs}),`,
    );
  }
  out.push("    },", "  },", "  thresholds: {");
  for (const [key, entries] of input.thresholds) out.push(`    ${jsString(key)}: ${jsValue(entries)},`);
  out.push("  },", "};", "");

  const requests = load.requests.map((r) => {
    const headers: Record<string, string> = {};
    let body: string | null = r.body;
    if (r.json !== null) {
      body = JSON.stringify(r.json);
      if (!r.headers.some(([k]) => k.toLowerCase() === "content-type")) headers["Content-Type"] = "application/json";
    }
    for (const [k, v] of r.headers) headers[k] = v;
    const route = cacheRouteFor(service, r.path);
    return {
      name: r.name,
      method: r.method,
      path: r.path,
      headers,
      body,
      expectStatus: r.expectStatus,
      cacheControl: route ? route.cacheControl.split(", ") : null,
    };
  });
  out.push(
    "// cacheControl: the directives the response's Cache-Control must contain (the request's path is",
    "// under a cache route of the spec), or null when the path is not cached.",
    `const REQUESTS = ${jsValue(requests, 2)};`,
    "",
  );
  const weights = load.requests.map((r) => r.weight);
  const order = weightedOrder(weights);
  if (order.length <= MAX_ORDER) {
    out.push(
      "// Weighted pick, deterministic: iteration i of the test sends REQUESTS[ORDER[i % ORDER.length]];",
      "// each request appears in ORDER as often as its weight, interleaved.",
      `const ORDER = ${jsValue(order)};`,
      "const pick = (i) => REQUESTS[ORDER[i % ORDER.length]];",
    );
  } else {
    const cumulative: number[] = [];
    weights.reduce((sum, w) => (cumulative.push(sum + w), sum + w), 0);
    out.push(
      "// Weighted pick, deterministic: iteration i sends the request whose cumulative weight range holds",
      "// i modulo the total weight.",
      `const CUMULATIVE = ${jsValue(cumulative)};`,
      "const pick = (i) => {",
      "  const k = i % CUMULATIVE[CUMULATIVE.length - 1];",
      "  return REQUESTS[CUMULATIVE.findIndex((c) => k < c)];",
      "};",
    );
  }
  out.push(
    "",
    "function directives(value) {",
    '  return String(value || "").split(",").map((d) => d.trim().toLowerCase()).filter((d) => d !== "");',
    "}",
    "",
    "export default function () {",
    "  const req = pick(exec.scenario.iterationInTest);",
    "  const res = http.request(req.method, BASE_URL + req.path, req.body, {",
    "    headers: req.headers,",
    "    tags: { name: req.name },",
    "    responseCallback: http.expectedStatuses(...req.expectStatus),",
    "  });",
    "  const checks = {};",
    '  checks[`${req.name}: status is ${req.expectStatus.join(" or ")}`] = (r) => req.expectStatus.includes(r.status);',
    "  if (req.cacheControl !== null) {",
    '    checks[`${req.name}: Cache-Control has ${req.cacheControl.join(", ")}`] = (r) => {',
    '      const got = directives(r.headers["Cache-Control"]);',
    "      return req.cacheControl.every((d) => got.includes(d));",
    "    };",
    "  }",
    "  check(res, checks, { name: req.name });",
    "}",
  );
  return out.join("\n") + "\n";
}
