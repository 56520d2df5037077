/** `load`, `chaos` and `cache`: the checks a service's tests and caches make. A loosened k6
 * threshold, a removed scenario or experiment, a looser steady state, a response newly cacheable
 * by shared caches weaken; the opposite strengthens; profiles, faults and TTLs otherwise change
 * neutrally, with before and after. */
import type { Cache, CacheRoute, ChaosExperiment, LoadScenario } from "../model/model.js";
import { type Change, change, direction, type Effect } from "./types.js";
import { arrow, byName, dur, listDiff, pct, stable } from "./words.js";

type Threshold = LoadScenario["thresholds"][number];

const thresholdKey = (t: Threshold) => `${t.metric}${t.tags.length ? `{${t.tags.map(([k, v]) => `${k}:${v}`).join(",")}}` : ""}`;

/** `p(95)<800` -> aggregation `p(95)`, bound 800, and whether a larger bound is looser. */
function parseCondition(c: string): { agg: string; bound: number; upper: boolean } | null {
  const m = /^\s*([a-z]+(?:\(\s*[0-9.]+\s*\))?)\s*(<=|<|>=|>)\s*(-?[0-9]+(?:\.[0-9]+)?)\s*$/.exec(c);
  if (!m) return null;
  return { agg: m[1]!.replace(/\s+/g, ""), bound: Number(m[3]), upper: m[2]!.startsWith("<") };
}

function thresholdEffect(before: string, after: string): Effect {
  const b = parseCondition(before);
  const a = parseCondition(after);
  if (!b || !a || b.agg !== a.agg || b.upper !== a.upper) return "neutral";
  // An upper bound that grows (or a lower bound that shrinks) lets more through.
  return direction(a.bound - b.bound, !a.upper);
}

function profileText(s: LoadScenario): string {
  const p = s.profile;
  if (p.kind === "stages") return `${p.stages.length} stages up to ${Math.max(...p.stages.map((x) => x.target))} VUs over ${dur(p.stages.reduce((t, x) => t + x.duration, 0))}`;
  return `${p.rate} iterations per ${dur(p.per)} for ${dur(p.duration)} (${p.preAllocatedVUs}-${p.maxVUs} VUs)`;
}

export function loadChanges(service: string, before: readonly LoadScenario[], after: readonly LoadScenario[]): Change[] {
  const out: Change[] = [];
  for (const [b, a] of byName(before, after)) {
    if (!b && a) out.push(change(service, "load", "strengthens", `load scenario ${a.name} added: ${profileText(a)}`, null, profileText(a)));
    else if (b && !a) out.push(change(service, "load", "weakens", `load scenario ${b.name} removed`, profileText(b), null));
    else if (b && a) out.push(...scenarioChanges(service, b, a));
  }
  return out;
}

function scenarioChanges(service: string, b: LoadScenario, a: LoadScenario): Change[] {
  const out: Change[] = [];
  const n = a.name;
  const tb = new Map(b.thresholds.map((t) => [thresholdKey(t), t]));
  const ta = new Map(a.thresholds.map((t) => [thresholdKey(t), t]));
  for (const key of [...new Set([...tb.keys(), ...ta.keys()])]) {
    const x = tb.get(key);
    const y = ta.get(key);
    if (x && !y) out.push(change(service, "load", "weakens", `${n}: threshold ${key} ${x.condition} removed`, x.condition, null));
    else if (!x && y) out.push(change(service, "load", "strengthens", `${n}: threshold ${key} ${y.condition} added`, null, y.condition));
    else if (x && y) {
      if (x.condition !== y.condition) {
        const effect = thresholdEffect(x.condition, y.condition);
        const how = effect === "weakens" ? "loosened" : effect === "strengthens" ? "tightened" : "changed";
        out.push(change(service, "load", effect, `${n}: threshold ${key} ${how} ${arrow(x.condition, y.condition)}`, x.condition, y.condition));
      }
      if (x.abortOnFail !== y.abortOnFail) out.push(change(service, "load", y.abortOnFail ? "strengthens" : "weakens", `${n}: threshold ${key} ${y.abortOnFail ? "now aborts" : "no longer aborts"} the test when crossed`, String(x.abortOnFail), String(y.abortOnFail)));
    }
  }
  if (profileText(b) !== profileText(a)) out.push(change(service, "load", "neutral", `${n}: profile ${arrow(profileText(b), profileText(a))}`, profileText(b), profileText(a)));
  const rb = b.requests.map((r) => `${r.name} ${r.method} ${r.path} x${r.weight}`);
  const ra = a.requests.map((r) => `${r.name} ${r.method} ${r.path} x${r.weight}`);
  const d = listDiff(rb, ra);
  if (d.added.length || d.removed.length || stable(b.requests) !== stable(a.requests)) {
    const parts = [...(d.removed.length ? [`- ${d.removed.join(", ")}`] : []), ...(d.added.length ? [`+ ${d.added.join(", ")}`] : [])];
    out.push(change(service, "load", "neutral", `${n}: requests changed${parts.length ? ` (${parts.join("; ")})` : " (headers, bodies or expected statuses)"}`, rb.join(", "), ra.join(", ")));
  }
  if (b.parallelism !== a.parallelism) out.push(change(service, "load", "neutral", `${n}: parallelism ${arrow(String(b.parallelism), String(a.parallelism))} k6 runners`, String(b.parallelism), String(a.parallelism)));
  if (b.baseUrl !== a.baseUrl) out.push(change(service, "load", "neutral", `${n}: baseUrl ${arrow(b.baseUrl, a.baseUrl)}`, b.baseUrl, a.baseUrl));
  return out;
}

/** `network-delay (fixed-percent 50) for 5m, latency 200ms, jitter 50ms, under steady`. */
function faultText(x: ChaosExperiment): string {
  const value = x.value === null ? "" : ` ${x.value}`;
  const params = Object.entries(x.params as Record<string, unknown>)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(", ") : typeof v === "object" ? stable(v) : String(v)}`);
  return [`${x.fault} (${x.mode}${value}) for ${dur(x.duration)}`, ...params, ...(x.underLoad ? [`under ${x.underLoad}`] : [])].join(", ");
}

export function chaosChanges(service: string, before: readonly ChaosExperiment[], after: readonly ChaosExperiment[]): Change[] {
  const out: Change[] = [];
  for (const [b, a] of byName(before, after)) {
    if (!b && a) out.push(change(service, "chaos", "strengthens", `chaos experiment ${a.name} added: ${faultText(a)}`, null, faultText(a)));
    else if (b && !a) out.push(change(service, "chaos", "weakens", `chaos experiment ${b.name} removed`, faultText(b), null));
    else if (b && a) {
      const n = a.name;
      if (faultText(b) !== faultText(a)) out.push(change(service, "chaos", "neutral", `${n}: ${arrow(faultText(b), faultText(a))}`, faultText(b), faultText(a)));
      if (b.schedule !== a.schedule) {
        const effect = a.schedule === null ? "weakens" : b.schedule === null ? "strengthens" : "neutral";
        out.push(change(service, "chaos", effect, `${n}: schedule ${arrow(b.schedule ?? "none (run by hand)", a.schedule ?? "none (run by hand)")}`, b.schedule, a.schedule));
      }
      out.push(...steadyStateChanges(service, n, b.steadyState, a.steadyState));
    }
  }
  return out;
}

function steadyStateChanges(service: string, n: string, b: ChaosExperiment["steadyState"], a: ChaosExperiment["steadyState"]): Change[] {
  const out: Change[] = [];
  const errB = b?.maxErrorRate ?? null;
  const errA = a?.maxErrorRate ?? null;
  const text = (r: typeof errB) => (r === null ? "none" : pct(r));
  if (stable(errB) !== stable(errA)) {
    const effect: Effect = errA === null ? "weakens" : errB === null ? "strengthens" : direction(errA.cmp(errB), false);
    out.push(change(service, "chaos", effect, `${n}: steady-state error rate limit ${arrow(text(errB), text(errA))}`, errB && pct(errB), errA && pct(errA)));
  }
  const latB = b?.maxLatency ?? null;
  const latA = a?.maxLatency ?? null;
  const lat = (l: typeof latB) => (l === null ? "none" : `p${l.p} < ${l.text}`);
  if (lat(latB) !== lat(latA)) {
    const effect: Effect = latA === null ? "weakens" : latB === null ? "strengthens" : latA.p.cmp(latB.p) === 0 ? direction(latA.seconds.cmp(latB.seconds), false) : "neutral";
    out.push(change(service, "chaos", effect, `${n}: steady-state latency limit ${arrow(lat(latB), lat(latA))}`, latB && lat(latB), latA && lat(latA)));
  }
  return out;
}

function routeText(r: CacheRoute): string {
  return `${r.cacheControl}${r.class ? ` (class ${r.class})` : ""}`;
}

/** Shared caches storing what they did not, or anything cached that was not, weakens. */
function routeEffect(b: CacheRoute, a: CacheRoute): Effect {
  if (b.ttl === 0 && a.ttl > 0) return "weakens";
  if (b.ttl > 0 && a.ttl === 0) return "strengthens";
  if (b.ttl > 0 && b.scope !== a.scope) return a.scope === "public" ? "weakens" : "strengthens";
  return "neutral";
}

export function cacheChanges(service: string, b: Cache | null, a: Cache | null): Change[] {
  if (!b && !a) return [];
  if (!b && a) return [change(service, "cache", "neutral", `cache policy added: ${a.routes.length} routes`, null, a.routes.map((r) => `${r.path} ${routeText(r)}`).join("; "))];
  if (b && !a) return [change(service, "cache", "neutral", "cache policy removed (and its hit-ratio alert, if any)", b.routes.map((r) => `${r.path} ${routeText(r)}`).join("; "), null)];
  const out: Change[] = [];
  for (const [x, y] of byName(b!.routes.map((r) => ({ ...r, name: r.path })), a!.routes.map((r) => ({ ...r, name: r.path })))) {
    if (!x && y) out.push(change(service, "cache", "neutral", `route ${y.path} added: ${routeText(y)}`, null, routeText(y)));
    else if (x && !y) out.push(change(service, "cache", "neutral", `route ${x.path} removed: ${routeText(x)}`, routeText(x), null));
    else if (x && y && routeText(x) !== routeText(y)) {
      const effect = routeEffect(x, y);
      const why = effect === "weakens" ? (x.ttl === 0 ? ": responses are now stored" : ": shared caches may now store responses") : effect === "strengthens" ? (y.ttl === 0 ? ": responses are no longer stored" : ": only the browser may store responses") : "";
      out.push(change(service, "cache", effect, `route ${y.path}: Cache-Control ${arrow(x.cacheControl, y.cacheControl)}${why}`, routeText(x), routeText(y)));
    }
  }
  const hb = b!.hitRatio;
  const ha = a!.hitRatio;
  if (hb && !ha) out.push(change(service, "cache", "weakens", `hit-ratio objective ${pct(hb.objective)} removed (and its ticket)`, pct(hb.objective), null));
  else if (!hb && ha) out.push(change(service, "cache", "strengthens", `hit-ratio objective ${pct(ha.objective)} added (a ticket below it)`, null, pct(ha.objective)));
  else if (hb && ha && hb.objective.cmp(ha.objective) !== 0) {
    const effect = direction(ha.objective.cmp(hb.objective), true);
    out.push(change(service, "cache", effect, `hit-ratio objective ${effect === "weakens" ? "lowered" : "raised"} ${arrow(pct(hb.objective), pct(ha.objective))}`, pct(hb.objective), pct(ha.objective)));
  }
  const inv = listDiff(b!.invalidateOn, a!.invalidateOn);
  if (inv.added.length || inv.removed.length) out.push(change(service, "cache", "neutral", `invalidateOn ${arrow(b!.invalidateOn.join(", ") || "none", a!.invalidateOn.join(", ") || "none")}`, b!.invalidateOn.join(", ") || null, a!.invalidateOn.join(", ") || null));
  return out;
}
