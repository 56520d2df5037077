/** The text of one k6 script: its scenario as data (options, thresholds, requests, weights) for the
 * shared runtime (runtime.js, plain JavaScript for k6 2.x using built-in modules only), which
 * builds the options and sends the requests by weight. Every spec value is emitted through
 * jsString()/jsValue(), never spliced in raw. */
import type { CacheRoute, LoadScenario, Service } from "../../src/model/model.js";
import { oneLine } from "../../src/render/chars.js";
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

/** The module every script imports its runtime from, emitted once per service beside the scripts
 * (and carried beside the script in each script's ConfigMap). A dot keeps it apart from every
 * script name: scenario and experiment names are DNS labels. */
export const RUNTIME_MODULE = "svcspec.runtime.js";

/** A JS literal laid out one entry per line for `depth` levels of objects, arrays and maps, compact
 * (jsValue) below: a request or a stage per line. Every key goes through jsString. */
function jsLiteral(value: unknown, depth: number, indent: string): string {
  if (depth === 0 || value === null || typeof value !== "object") return jsValue(value);
  const inner = `${indent}  `;
  const entries =
    value instanceof Map || !Array.isArray(value)
      ? [...(value instanceof Map ? value : Object.entries(value))].map(([k, v]) => `${jsString(String(k))}: ${jsLiteral(v, depth - 1, inner)}`)
      : value.map((v) => jsLiteral(v, depth - 1, inner));
  if (!entries.length) return Array.isArray(value) ? "[]" : "{}";
  const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
  return `${open}\n${entries.map((e) => `${inner}${e},`).join("\n")}\n${indent}${close}`;
}

/** The scenario as the runtime reads it: the k6 scenario before the test-time overrides. */
function profileData(profile: LoadScenario["profile"]): Record<string, unknown> {
  if (profile.kind === "stages") {
    return { executor: "ramping-vus", startVUs: 0, stages: profile.stages.map((s) => ({ duration: goDuration(s.duration), target: s.target })) };
  }
  return {
    executor: "constant-arrival-rate",
    rate: profile.rate,
    timeUnit: goDuration(profile.per),
    duration: goDuration(profile.duration),
    preAllocatedVUs: profile.preAllocatedVUs,
    maxVUs: profile.maxVUs,
  };
}

function requestData(service: Service, load: LoadScenario): Record<string, unknown>[] {
  return load.requests.map((r) => {
    const headers: Record<string, string> = {};
    let body: string | null = r.body;
    if (r.json !== null) {
      body = JSON.stringify(r.json);
      if (!r.headers.some(([k]) => k.toLowerCase() === "content-type")) headers["Content-Type"] = "application/json";
    }
    for (const [k, v] of r.headers) headers[k] = v;
    const route = cacheRouteFor(service, r.path);
    return { name: r.name, method: r.method, path: r.path, headers, body, expectStatus: r.expectStatus, cacheControl: route ? route.cacheControl.split(", ") : null };
  });
}

/** The weights as a table of request indices, or as cumulative weights when the table would be long. */
function weightData(load: LoadScenario): ["order" | "cumulative", number[]] {
  const weights = load.requests.map((r) => r.weight);
  const order = weightedOrder(weights);
  if (order.length <= MAX_ORDER) return ["order", order];
  const cumulative: number[] = [];
  weights.reduce((sum, w) => (cumulative.push(sum + w), sum + w), 0);
  return ["cumulative", cumulative];
}

/** A script: what it is (comments), the runtime's import, the one SCENARIO constant (the runtime
 * reads its fields, see runtime.js), and the options and iteration k6 looks for. */
export function renderScript(input: ScriptInput): string {
  const { service, load } = input;
  const fields: [string, unknown, number][] = [
    ["name", input.scenario, 0],
    ["baseUrl", load.baseUrl, 0],
    ["profile", profileData(input.profile), 2],
    ["thresholds", input.thresholds, 1],
    ["requests", requestData(service, load), 1],
    [...weightData(load), 0],
  ];
  return [
    // one comment line each: line breaks become spaces, other unsafe characters escapes
    ...input.about.map((line) => `// ${oneLine(line)}`),
    `import { iteration, scenarioOptions } from ${jsString(`./${RUNTIME_MODULE}`)};`,
    "",
    "const SCENARIO = {",
    ...fields.map(([key, value, depth]) => `  ${key}: ${jsLiteral(value, depth, "  ")},`),
    "};",
    "",
    "export const options = scenarioOptions(SCENARIO);",
    "",
    "export default function () {",
    "  iteration(SCENARIO);",
    "}",
    "",
  ].join("\n");
}
