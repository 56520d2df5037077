/** Semantic checks of a Service document: references into the Organization and within the
 * service, units, PromQL, Chaos Mesh webhook rules, PII patterns, access tests. */
import { lowerTiers, sliKind } from "../model/lower.js";
import { unreachable } from "../model/never.js";
import { matchesAnywhere, parsePiiPattern } from "../model/pii-pattern.js";
import { RE2_MAX_REPEAT, RE2_MAX_SIZE } from "../util/re2.js";
import type * as S from "../model/spec.js";
import { CHAOS_MODE_VALUES } from "../model/vocabulary.js";
import { locate, type PathSegment } from "../load/locate.js";
import { orList, unknownNameHint } from "../util/suggest.js";
import { cronProblem } from "./cron.js";
import { parseRfc3339 } from "../access/time.js";
import { FORMATS } from "./formats.js";
import { checkDuration, checkLogLevels, checkObjective, checkPercentRange, checkSchedule, checkWindow } from "./organization.js";
import { checkPromqlFully, type PromqlKind, usesWindow } from "./promql.js";
import { checkUniqueNames, type Report } from "./report.js";

/** What a service may refer to. `null` org means the Organization itself is invalid: reference
 * checks against it are skipped rather than reported as a cascade. */
export interface OrgContext {
  /** Null without an Organization document: teams are then not declared anywhere, so any team
   * name is accepted and its alerts go to the default receiver. */
  teams: Map<string, S.Team> | null;
  tiers: string[];
  roles: string[];
  networks: string[];
}

export function orgContext(org: S.OrganizationDoc | null): OrgContext {
  const spec = org?.spec ?? {};
  return {
    teams: org ? new Map(Object.entries(spec.teams ?? {})) : null,
    tiers: lowerTiers(spec.tiers).map((t) => t.name),
    roles: spec.access?.roles ?? [],
    networks: Object.keys(spec.access?.networks ?? {}),
  };
}

export function checkService(r: Report, doc: S.ServiceDoc, org: OrgContext | null): void {
  const spec = doc.spec;
  const team = org?.teams?.get(doc.metadata.team);
  if (org?.teams && !team) {
    r.error("SVC030", ["metadata", "team"], `unknown team \`${doc.metadata.team}\``, `${unknownNameHint(doc.metadata.team, [...org.teams.keys()], "teams")} (teams are declared in Organization.spec.teams)`);
  }
  if (org && !org.tiers.includes(spec.tier)) {
    r.error("SVC031", ["spec", "tier"], `unknown tier \`${spec.tier}\``, unknownNameHint(spec.tier, org.tiers, "tiers"));
  }
  checkSections(r, spec, org, SECTIONS);
  if (spec.logs?.levels) checkLogLevels(r, spec.logs.levels);
}

/** The sections of a Service spec whose meaning is checked on their own. */
export const SECTIONS = ["slos", "cache", "pii", "access", "load", "chaos"] as const;
export type Section = (typeof SECTIONS)[number];

/** The checks of the given sections. For a Service the schema rejected, the sections the schema
 * accepted are checked too, so one run reports every mistake of the document, not one round of
 * shape errors before the semantic ones. */
export function checkSections(r: Report, spec: Partial<S.ServiceSpec>, org: OrgContext | null, sections: readonly Section[]): void {
  const has = (k: Section) => sections.includes(k);
  if (has("slos")) checkSlos(r, spec.slos ?? []);
  if (has("cache") && spec.cache) checkCache(r, spec.cache);
  if (has("pii") && spec.pii) checkPii(r, spec.pii);
  if (has("access") && spec.access) checkAccess(r, spec.access, org);
  if (has("load")) checkLoad(r, spec.load ?? []);
  if (has("chaos")) checkChaos(r, spec.chaos ?? [], new Set(has("load") ? (spec.load ?? []).map((l) => l.name) : []), has("load"));
  if (!has("load") || !has("chaos")) return;
  // k6/<service>/chaos-<experiment>.js sits next to k6/<service>/<scenario>.js.
  (spec.load ?? []).forEach((l, i) => {
    const x = (spec.chaos ?? []).find((c) => c.underLoad !== undefined && `chaos-${c.name}` === l.name);
    if (x) r.error("SVC022", ["spec", "load", i, "name"], `load scenario \`${l.name}\` has the name of experiment \`${x.name}\`'s chaos script`, "rename the scenario: names starting with chaos- are taken by experiments run under load", "value");
  });
}

/** For a Service the schema rejected: the team and tier references still get checked when they
 * are strings, so one run reports them together with the shape errors. */
export function checkServiceReferences(r: Report, doc: unknown, org: OrgContext | null): void {
  if (!org) return;
  const d = doc as { metadata?: { team?: unknown }; spec?: { tier?: unknown } } | null;
  const team = d?.metadata?.team;
  if (typeof team === "string" && org.teams && !org.teams.has(team)) {
    r.error("SVC030", ["metadata", "team"], `unknown team \`${team}\``, `${unknownNameHint(team, [...org.teams.keys()], "teams")} (teams are declared in Organization.spec.teams)`);
  }
  const tier = d?.spec?.tier;
  if (typeof tier === "string" && !org.tiers.includes(tier)) r.error("SVC031", ["spec", "tier"], `unknown tier \`${tier}\``, unknownNameHint(tier, org.tiers, "tiers"));
}

// ---------------------------------------------------------------------------------------------
// slos

/** Labels svcspec itself puts on SLO series and alerts. */
const SLO_IDENTITY = ["service", "slo"];
const ALERT_LABELS = [...SLO_IDENTITY, "severity", "team", "tier", "long_window", "short_window"];

/** Checks of what each SLO wrote; those of resolved values (paging without a receiver, an alert
 * that can never fire) run on the Model (model.ts). */
function checkSlos(r: Report, slos: readonly S.Slo[]): void {
  checkUniqueNames(r, slos, ["spec", "slos"], "SLO");
  slos.forEach((slo, i) => {
    const at = (...p: PathSegment[]): PathSegment[] => ["spec", "slos", i, ...p];
    if (slo.objective !== undefined) checkObjective(r, at("objective"), slo.objective);
    if (slo.window !== undefined) checkWindow(r, at("window"), slo.window);
    checkSli(r, slo.sli, (...p) => at("sli", ...p));
    for (const key of Object.keys(slo.alerting?.labels ?? {})) {
      if (ALERT_LABELS.includes(key)) r.warn("SVC053", at("alerting", "labels", key), `alert label \`${key}\` is set by svcspec; this value is ignored`, "Alertmanager routes on svcspec's own value; choose another label name", "key");
    }
    for (const severity of ["page", "ticket"] as const) {
      for (const key of Object.keys(slo.alerting?.bySeverity?.[severity]?.labels ?? {})) {
        if (ALERT_LABELS.includes(key)) r.warn("SVC053", at("alerting", "bySeverity", severity, "labels", key), `alert label \`${key}\` is set by svcspec; this value is ignored`, "Alertmanager routes on svcspec's own value; choose another label name", "key");
      }
    }
  });
}

function checkSli(r: Report, sli: S.Sli, at: (...p: PathSegment[]) => PathSegment[]): void {
  const kind = sliKind(sli);
  switch (kind) {
    case "ratio": {
      const ratio = sli.ratio!;
      for (const k of ["errors", "good", "total"] as const) if (ratio[k] !== undefined) promql(r, at("ratio", k), ratio[k]!, "selector");
      (ratio.groupBy ?? []).forEach((label, j) => {
        if (SLO_IDENTITY.includes(label)) r.error("SVC053", at("ratio", "groupBy", j), `groupBy \`${label}\` collides with the label svcspec sets on every SLO series`, "group by the label your metrics carry under another name, or relabel it");
      });
      return;
    }
    case "latency": {
      const latency = sli.latency!;
      if (latency.selector !== undefined) {
        promql(r, at("latency", "selector"), latency.selector, "labelMatchers");
        const le = /(^|[{,\s])le\s*(=|!=|=~|!~)/.exec(latency.selector);
        if (le) r.errorInString("SVC053", at("latency", "selector"), le.index + le[1]!.length, "the latency selector must not match on `le`", "svcspec selects the bucket from `threshold`; remove the le matcher");
      }
      const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s)$/.exec(latency.threshold);
      if (m && Number(m[1]) === 0) r.error("SVC044", at("latency", "threshold"), "a latency threshold must be above zero", "use one of the histogram's `le` bounds, e.g. 300ms");
      return;
    }
    case "query": {
      const query = sli.query!;
      for (const k of ["errors", "good", "total"] as const) {
        const q = query[k];
        if (q === undefined) continue;
        if (!usesWindow(q)) r.error(FORMATS.windowQuery.code, at("query", k), `query SLI \`${k}\` does not use $window`, FORMATS.windowQuery.hint);
        else promql(r, at("query", k), q, "windowQuery");
      }
      return;
    }
    default:
      unreachable(kind, "SLI kind");
  }
}

function promql(r: Report, path: PathSegment[], text: string, kind: PromqlKind): void {
  const { problem, regex } = checkPromqlFully(text, kind);
  if (!problem) {
    if (regex) r.errorInString("SVC054", path, regex.offset, regex.message, `Prometheus compiles matchers with Go's regexp: counts up to ${RE2_MAX_REPEAT}, and at most ${RE2_MAX_SIZE} states with every count written out; write the regex without nested counts`);
    return;
  }
  const code = problem.message.startsWith("expected a series selector") ? "SVC052" : "SVC050";
  r.errorInString(code, path, problem.offset, problem.message, problem.hint ?? (code === "SVC052" ? undefined : "check brackets, quotes and operators; the expression must be valid for Prometheus 2.42"));
}

// ---------------------------------------------------------------------------------------------
// cache

function checkCache(r: Report, cache: S.Cache): void {
  const classes = Object.keys(cache.classes ?? {});
  for (const [name, c] of Object.entries(cache.classes ?? {})) {
    checkDuration(r, ["spec", "cache", "classes", name, "ttl"], c.ttl, true);
    if (c.staleWhileRevalidate !== undefined) checkDuration(r, ["spec", "cache", "classes", name, "staleWhileRevalidate"], c.staleWhileRevalidate);
  }
  const seen = new Map<string, number>();
  (cache.routes ?? []).forEach((route, i) => {
    const at = (k: string): PathSegment[] => ["spec", "cache", "routes", i, k];
    if (route.class !== undefined && !classes.includes(route.class)) {
      r.error("SVC035", at("class"), `unknown cache class \`${route.class}\``, unknownNameHint(route.class, classes, "cache classes"));
    }
    if (route.ttl !== undefined) checkDuration(r, at("ttl"), route.ttl, true);
    if (route.staleWhileRevalidate !== undefined) checkDuration(r, at("staleWhileRevalidate"), route.staleWhileRevalidate);
    const first = seen.get(route.path);
    if (first !== undefined) r.error("SVC095", at("path"), `route ${route.path} is declared twice`, `the first is on line ${locate(r.doc, ["spec", "cache", "routes", first, "path"]).line}; give each path one policy`);
    else seen.set(route.path, i);
    const shadow = [...seen.entries()].find(([p, j]) => j < i && p.endsWith("*") && route.path.startsWith(p.slice(0, -1)) && route.path !== p);
    if (shadow) r.error("SVC095", at("path"), `route ${route.path} is unreachable: ${shadow[0]} (line ${locate(r.doc, ["spec", "cache", "routes", shadow[1], "path"]).line}) matches it first`, "routes match in order; put the more specific path first");
  });
  if (cache.hitRatio) {
    checkObjective(r, ["spec", "cache", "hitRatio", "objective"], cache.hitRatio.objective);
    promql(r, ["spec", "cache", "hitRatio", "hits"], cache.hitRatio.hits, "selector");
    promql(r, ["spec", "cache", "hitRatio", "misses"], cache.hitRatio.misses, "selector");
  }
}

// ---------------------------------------------------------------------------------------------
// pii

function checkPii(r: Report, pii: S.ServicePii): void {
  const paths = new Map<string, number>();
  (pii.fields ?? []).forEach((f, i) => {
    const first = paths.get(f.path);
    if (first !== undefined) r.error("SVC072", ["spec", "pii", "fields", i, "path"], `field ${f.path} already has a rule on line ${locate(r.doc, ["spec", "pii", "fields", first, "path"]).line}`, "one action per field");
    else paths.set(f.path, i);
  });
  checkUniqueNames(r, pii.patterns, ["spec", "pii", "patterns"], "pattern");
  (pii.patterns ?? []).forEach((p, i) => {
    const at = (...k: PathSegment[]): PathSegment[] => ["spec", "pii", "patterns", i, ...k];
    const parsed = parsePiiPattern(p.match);
    if (!parsed.ok) {
      r.errorInString("SVC070", at("match"), parsed.offset, `pattern \`${p.name}\` is outside the supported regex subset: ${parsed.reason}`, "the subset lowers to Lua patterns: literals, [sets], \\d \\w \\s, ? * + {n,m} on single items, ^ $ \\b and top-level |");
      return;
    }
    // matched in linear time (no backtracking on an example written to be hostile)
    p.examples.match.forEach((ex, j) => {
      if (!matchesAnywhere(parsed.pattern, ex)) r.error("SVC071", at("examples", "match", j), `pattern \`${p.name}\` does not match its example "${ex}"`, "fix the pattern or the example: examples are the pattern's tests");
    });
    p.examples.noMatch.forEach((ex, j) => {
      if (matchesAnywhere(parsed.pattern, ex)) r.error("SVC071", at("examples", "noMatch", j), `pattern \`${p.name}\` matches "${ex}", listed under noMatch`, "tighten the pattern, e.g. with \\b boundaries or exact counts");
    });
  });
}

// ---------------------------------------------------------------------------------------------
// access

function checkAccess(r: Report, access: S.Access, org: OrgContext | null): void {
  const base = ["spec", "access"];
  checkUniqueNames(r, access.resources, [...base, "resources"], "resource");
  checkUniqueNames(r, access.rules, [...base, "rules"], "rule");
  checkUniqueNames(r, access.tests, [...base, "tests"], "test");
  const resources = new Map(access.resources.map((res) => [res.name, res]));
  access.rules.forEach((rule, i) => {
    const at = (...k: PathSegment[]): PathSegment[] => [...base, "rules", i, ...k];
    rule.resources.forEach((name, j) => {
      if (name !== "*" && !resources.has(name)) r.error("SVC036", at("resources", j), `unknown resource \`${name}\``, unknownNameHint(name, [...resources.keys()], "resources"));
    });
    const named = rule.resources.includes("*") ? [...resources.values()] : rule.resources.map((n) => resources.get(n)).filter((x) => x !== undefined);
    rule.actions.forEach((action, j) => {
      if (action === "*") return;
      const lacking = named.filter((res) => !res.actions.includes(action));
      if (!named.length || lacking.length === named.length) {
        r.error("SVC037", at("actions", j), `action \`${action}\` is declared by none of the rule's resources`, `declared actions: ${[...new Set(named.flatMap((n) => n.actions))].join(", ") || "none"}`);
      }
    });
    if (org) {
      (rule.subjects?.roles ?? []).forEach((role, j) => {
        if (!org.roles.includes(role)) r.error("SVC032", at("subjects", "roles", j), `unknown role \`${role}\``, `${unknownNameHint(role, org.roles, "roles")} (roles are declared in Organization.spec.access.roles)`);
      });
      (rule.subjects?.teams ?? []).forEach((team, j) => {
        if (org.teams && !org.teams.has(team)) r.error("SVC030", at("subjects", "teams", j), `unknown team \`${team}\``, unknownNameHint(team, [...org.teams.keys()], "teams"));
      });
      (rule.when?.networks ?? []).forEach((net, j) => {
        if (!org.networks.includes(net)) r.error("SVC033", at("when", "networks", j), `unknown network \`${net}\``, `${unknownNameHint(net, org.networks, "networks")} (networks are declared in Organization.spec.access.networks)`);
      });
    }
    if (rule.when?.schedule) checkSchedule(r, at("when", "schedule"), rule.when.schedule);
    if (rule.effect === "deny" && rule.pii) r.error("SVC017", at("pii"), "`pii: true` on a deny rule grants nothing", "pii belongs on the allow rule that should return PII unmasked");
  });
  const ruleNames = new Set(access.rules.map((x) => x.name));
  (access.tests ?? []).forEach((t, i) => {
    const at = (...k: PathSegment[]): PathSegment[] => [...base, "tests", i, ...k];
    const res = resources.get(t.request.resource.type);
    if (!res) r.error("SVC083", at("request", "resource", "type"), `test requests unknown resource \`${t.request.resource.type}\``, unknownNameHint(t.request.resource.type, [...resources.keys()], "resources"));
    else if (!res.actions.includes(t.request.action)) r.error("SVC083", at("request", "action"), `resource \`${res.name}\` has no action \`${t.request.action}\``, `its actions: ${res.actions.join(", ")}`);
    const time = t.request.environment?.time;
    // Read as OPA reads it: a time it cannot parse would make the test exercise the missing-time path.
    if (typeof time === "string" && parseRfc3339(time) === null) {
      r.error("SVC083", at("request", "environment", "time"), `time "${time}" is not a timestamp OPA can read`, "RFC 3339 with seconds and an offset, T and Z in capitals, no leap second, 1678 to 2261: e.g. 2026-11-23T10:00:00+01:00");
    }
    if (t.reason !== undefined && !ruleNames.has(t.reason)) r.error("SVC083", at("reason"), `reason \`${t.reason}\` names no rule`, unknownNameHint(t.reason, [...ruleNames], "rules"));
    if (t.reason !== undefined && t.expect === "deny" && access.rules.find((x) => x.name === t.reason)?.effect === "allow") {
      r.error("SVC083", at("reason"), `a denied request cannot be explained by allow rule \`${t.reason}\``, "name the deny rule, or drop reason (default deny has no rule)");
    }
    (t.maskedFields ?? []).forEach((f, j) => {
      if (res && !(res.piiFields ?? []).includes(f)) r.error("SVC039", at("maskedFields", j), `\`${f}\` is not a PII field of resource \`${res.name}\``, `its PII fields: ${(res.piiFields ?? []).join(", ") || "none"}`);
    });
    if (t.maskedFields?.length && t.expect === "deny") r.error("SVC083", at("maskedFields"), "a denied request returns no fields to mask", "drop maskedFields or expect allow");
  });
}

// ---------------------------------------------------------------------------------------------
// load

/** Threshold conditions are k6Threshold values: the schema's format checks them. */
function checkLoad(r: Report, load: S.LoadScenario[]): void {
  checkUniqueNames(r, load, ["spec", "load"], "load scenario");
  load.forEach((scenario, i) => {
    const at = (...k: PathSegment[]): PathSegment[] => ["spec", "load", i, ...k];
    checkUniqueNames(r, scenario.requests, at("requests"), "request");
    scenario.profile.stages?.forEach((s, j) => checkDuration(r, at("profile", "stages", j, "duration"), s.duration));
    const ar = scenario.profile.arrivalRate;
    if (ar) {
      checkDuration(r, at("profile", "arrivalRate", "duration"), ar.duration);
      if (ar.per !== undefined) checkDuration(r, at("profile", "arrivalRate", "per"), ar.per);
      if (ar.maxVUs !== undefined && ar.maxVUs < ar.preAllocatedVUs) {
        r.error("SVC092", at("profile", "arrivalRate", "maxVUs"), `maxVUs ${ar.maxVUs} is below preAllocatedVUs ${ar.preAllocatedVUs}`, "k6 refuses this scenario; raise maxVUs or lower preAllocatedVUs");
      }
    }
    const requestNames = scenario.requests.map((q) => q.name);
    (scenario.thresholds ?? []).forEach((t, j) => {
      for (const [k, v] of Object.entries(t.tags ?? {})) {
        if (/[,:{}]/.test(k) || /[,:{}]/.test(v)) r.error("SVC090", at("thresholds", j, "tags", k), `threshold tag ${k}: ${v} contains , : { or }`, "k6 threshold keys are metric{tag:value}: these characters cannot be written there");
      }
      const name = t.tags?.["name"];
      if (name !== undefined && !requestNames.includes(name)) {
        r.error("SVC091", at("thresholds", j, "tags", "name"), `no request of scenario \`${scenario.name}\` is named \`${name}\`: the threshold would never get data`, unknownNameHint(name, requestNames, "requests"));
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// chaos: Chaos Mesh admission-webhook rules the CRD schema does not enforce

const NEEDS_VALUE = (Object.keys(CHAOS_MODE_VALUES) as S.ChaosMode[]).filter((m) => CHAOS_MODE_VALUES[m] !== null);

/** `knowScenarios`: the load section passed the schema, so `scenarios` are its names (a rejected
 * load section leaves underLoad references unchecked rather than all wrong). */
function checkChaos(r: Report, chaos: S.ChaosExperiment[], scenarios: Set<string>, knowScenarios = true): void {
  checkUniqueNames(r, chaos, ["spec", "chaos"], "experiment");
  chaos.forEach((x, i) => {
    const at = (...k: PathSegment[]): PathSegment[] => ["spec", "chaos", i, ...k];
    checkDuration(r, at("duration"), x.duration);
    const counts = CHAOS_MODE_VALUES[x.mode];
    if (counts !== null) {
      if (x.value === undefined) {
        r.error("SVC060", at("mode"), `mode \`${x.mode}\` needs a value`, counts === "pods" ? 'add value: "1" (how many pods)' : 'add value: "50" (percent of pods, 1-100)');
      } else {
        const n = Number(x.value);
        const whole = /^[0-9]+$/.test(String(x.value));
        if (!whole || n < 1 || (counts === "percent" && n > 100)) {
          r.error(
            "SVC061",
            at("value"),
            counts === "pods" ? `value ${JSON.stringify(x.value)} must be a whole number of pods, at least 1` : `value ${JSON.stringify(x.value)} must be a whole percentage from 1 to 100`,
            counts === "pods" ? 'e.g. value: "2" (kill two pods)' : `e.g. value: "50" (${x.mode} of the selected pods)`,
          );
        }
      }
    } else if (x.value !== undefined) {
      r.error("SVC061", at("value"), `mode \`${x.mode}\` takes no value`, `value is read only by the modes ${orList([...NEEDS_VALUE])}`);
    }
    if (x.schedule !== undefined) {
      const problem = cronProblem(x.schedule);
      if (problem) r.error(FORMATS.cron.code, at("schedule"), `invalid cron schedule: ${problem}`, FORMATS.cron.hint);
    }
    if (knowScenarios && x.underLoad !== undefined && !scenarios.has(x.underLoad)) {
      r.error("SVC034", at("underLoad"), `unknown load scenario \`${x.underLoad}\``, unknownNameHint(x.underLoad, [...scenarios], "load scenarios of this service"));
    }
    if (x.steadyState && x.underLoad === undefined) {
      r.error("SVC063", at("steadyState"), "a steady state is checked by the load test running during the fault, but this experiment has no underLoad", "add underLoad: <a load scenario of this service>");
    }
    if (x.steadyState?.maxErrorRate !== undefined) checkPercentRange(r, at("steadyState", "maxErrorRate"), x.steadyState.maxErrorRate, "maxErrorRate");
    checkChaosParams(r, x, (...k) => at("params", ...k));
  });
}

/** Chaos Mesh requires a target for traffic from or both ways, and only a partition takes one. */
function checkChaosParams(r: Report, x: S.ChaosExperiment, at: (...k: PathSegment[]) => PathSegment[]): void {
  if (x.fault !== "network-delay" && x.fault !== "network-loss" && x.fault !== "network-partition") return;
  const direction = x.params?.direction;
  const target = x.fault === "network-partition" ? x.params?.targetSelector : undefined;
  if ((direction === "from" || direction === "both") && target === undefined) {
    r.error(
      "SVC061",
      at("direction"),
      `direction \`${direction}\` needs a target, which Chaos Mesh requires for from and both`,
      x.fault === "network-partition" ? "add params.targetSelector: { app: <peer> }, or use direction: to" : "use direction: to (only network-partition takes a targetSelector)",
    );
  }
  if (x.fault === "network-loss") checkPercentRange(r, at("loss"), x.params.loss, "loss");
  if (x.fault !== "network-partition" && x.params.correlation !== undefined) checkPercentRange(r, at("correlation"), x.params.correlation, "correlation");
}
