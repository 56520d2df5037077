// svcspec's k6 runtime (k6 2.x, built-in modules only). Every script of a service imports it from
// beside itself and hands it one SCENARIO constant: { name, baseUrl, profile (the k6 scenario:
// executor and its fields), thresholds, requests, and either order or cumulative (the weights) }.
//
// Test-time overrides: BASE_URL replaces the scenario's base URL; SVCSPEC_DURATION (e.g. 3s)
// replaces every stage and scenario duration; SVCSPEC_MAX_VUS caps the VUs (and the arrival rate)
// so a short local run stays small.
import http from "k6/http";
import { check } from "k6";
import exec from "k6/execution";

const DURATION = __ENV.SVCSPEC_DURATION || null;
const MAX_VUS = __ENV.SVCSPEC_MAX_VUS ? parseInt(__ENV.SVCSPEC_MAX_VUS, 10) : null;
const dur = (d) => DURATION || d;
const cap = (n) => (MAX_VUS === null ? n : Math.min(n, MAX_VUS));

/** The k6 scenario of a profile, with the test-time overrides applied. */
function executor(profile) {
  switch (profile.executor) {
    case "ramping-vus":
      return { ...profile, stages: profile.stages.map((s) => ({ duration: dur(s.duration), target: cap(s.target) })) };
    case "constant-arrival-rate":
      return {
        ...profile,
        rate: cap(profile.rate),
        duration: dur(profile.duration),
        preAllocatedVUs: cap(profile.preAllocatedVUs),
        maxVUs: cap(profile.maxVUs),
      };
    default:
      throw new Error(`svcspec runtime: unknown executor ${profile.executor}`);
  }
}

/** The script's `options`: one scenario and its thresholds. */
export function scenarioOptions(scenario) {
  return { scenarios: { [scenario.name]: executor(scenario.profile) }, thresholds: scenario.thresholds };
}

/** Weighted pick, deterministic. With `order`, iteration i sends requests[order[i % order.length]]
 * (each request appears in order as often as its weight, interleaved); with `cumulative` (weights
 * too many for a table), the request whose cumulative weight range holds i modulo the total. */
function pick(scenario, i) {
  const { requests, order, cumulative } = scenario;
  if (order) return requests[order[i % order.length]];
  const k = i % cumulative[cumulative.length - 1];
  return requests[cumulative.findIndex((c) => k < c)];
}

function directives(value) {
  return String(value || "").split(",").map((d) => d.trim().toLowerCase()).filter((d) => d !== "");
}

/** One iteration: the next request by weight, checked for its expected status and, when its path
 * is under a cache route of the spec, for the Cache-Control directives of that route
 * (`cacheControl`; null when the path is not cached). */
export function iteration(scenario) {
  const req = pick(scenario, exec.scenario.iterationInTest);
  const res = http.request(req.method, (__ENV.BASE_URL || scenario.baseUrl) + req.path, req.body, {
    headers: req.headers,
    tags: { name: req.name },
    responseCallback: http.expectedStatuses(...req.expectStatus),
  });
  const checks = {};
  checks[`${req.name}: status is ${req.expectStatus.join(" or ")}`] = (r) => req.expectStatus.includes(r.status);
  if (req.cacheControl !== null) {
    checks[`${req.name}: Cache-Control has ${req.cacheControl.join(", ")}`] = (r) => {
      const got = directives(r.headers["Cache-Control"]);
      return req.cacheControl.every((d) => got.includes(d));
    };
  }
  check(res, checks, { name: req.name });
}
