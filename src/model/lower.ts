/** lower(): validated spec documents -> the Model. Every default is applied here and nowhere else.
 * It assumes validation passed: a value that does not parse here is a bug, so it throws. */
import { ONE, Ratio, HUNDRED, parsePercent } from "./decimal.js";
import * as D from "./defaults.js";
import { type Millis, msToSeconds, parseDuration, parseLatency } from "./duration.js";
import type * as M from "./model.js";
import { receiverName, snakeCase } from "./names.js";
import { unreachable } from "./never.js";
import type { Located, Origins, SourcePath } from "./origins.js";
import type * as S from "./spec.js";
import { WEEKDAYS } from "./vocabulary.js";
import { windowLagMs } from "./windows.js";
import { keepShare } from "./log-levels.js";
import { BoundedCache } from "../util/memo.js";

export type { Located } from "./origins.js";

/** With `origins`, also records where the nodes that checks report on came from. */
export function lower(org: Located<S.OrganizationDoc> | null, services: readonly Located<S.ServiceDoc>[], origins?: Origins): M.Model {
  const organization = lowerOrganization(org, tracker(origins, org));
  const lowered = services.map((s) => lowerService(s, organization, tracker(origins, s)));
  lowered.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { organization, services: lowered };
}

/** Records that a Model node was lowered from the spec node at `path` (a no-op without Origins). */
type Track = <T extends object>(node: T, path: SourcePath, spec: object | undefined) => T;

function tracker(origins: Origins | undefined, document: Located<unknown> | null): Track {
  if (!origins || !document) return (node) => node;
  return (node, path, spec) => {
    origins.record(node, document, path, spec);
    return node;
  };
}

// ---------------------------------------------------------------------------------------------
// units

export function duration(text: unknown, allowZero = false): Millis {
  const d = parseDuration(text, allowZero);
  if (!d.ok) throw new Error(`internal: unvalidated duration ${JSON.stringify(text)}: ${d.reason}`);
  return d.ms;
}

/** A percentage as a ratio: `99.9` -> 0.999. */
export function percentRatio(value: unknown): Ratio {
  const p = parsePercent(value);
  if (!p) throw new Error(`internal: unvalidated percentage ${JSON.stringify(value)}`);
  return p.div(HUNDRED);
}

/** "09:00" -> 540 minutes; "24:00" -> 1440. */
export function clockMinutes(text: string): number {
  const [h, m] = text.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

function sortedPairs(record: Record<string, string> | undefined): [string, string][] {
  return Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// Organization

function lowerOrganization(located: Located<S.OrganizationDoc> | null, track: Track): M.Organization {
  const spec: S.OrganizationSpec = located?.doc.spec ?? {};
  const teams = Object.entries(spec.teams ?? {})
    .map(([name, t]): M.Team => {
      const team: M.Team = {
        name,
        receivers: {
          page: t.receivers?.page ? { name: receiverName(name, "page"), integrations: t.receivers.page } : null,
          ticket: t.receivers?.ticket ? { name: receiverName(name, "ticket"), integrations: t.receivers.ticket } : null,
        },
        businessHours: t.businessHours ? lowerSchedule(t.businessHours) : null,
      };
      return track(team, ["spec", "teams", name], t);
    })
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const networks = Object.entries(spec.access?.networks ?? {})
    .map(([name, cidrs]) => ({ name, cidrs: [...cidrs] }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const organization: M.Organization = {
    file: located?.file ?? null,
    name: located?.doc.metadata.name ?? D.DEFAULT_ORGANIZATION_NAME,
    tiers: lowerTiers(spec.tiers),
    slo: {
      window: duration(spec.slo?.window ?? D.DEFAULT_SLO_WINDOW),
      burnRateAlerts: (spec.slo?.burnRateAlerts ?? D.DEFAULT_BURN_RATE_ALERTS).map((row) => ({
        severity: row.severity,
        budgetConsumed: percentRatio(row.budgetConsumed),
        long: duration(row.long),
        short: duration(row.short),
        for: duration(row.for, true),
      })),
    },
    teams,
    defaultReceiver: { name: D.DEFAULT_RECEIVER_NAME, integrations: spec.alerting?.defaultReceiver ?? {} },
    access: { roles: [...(spec.access?.roles ?? [])], networks, sensitiveAttributes: [...(spec.access?.sensitiveAttributes ?? D.DEFAULT_SENSITIVE_ATTRIBUTES)] },
    pii: { defaults: orderDetectors(spec.pii?.defaults ?? D.DEFAULT_PII_DEFAULTS), sensitiveKeys: [...(spec.pii?.sensitiveKeys ?? D.DEFAULT_SENSITIVE_KEYS)] },
    deployPolicy: (spec.deployPolicy ?? D.DEFAULT_DEPLOY_POLICY)
      .map((r) => ({
        minBudgetRemaining: percentRatio(r.minBudgetRemaining),
        allow: r.allow,
        emergencyHold: r.emergencyHold ?? false,
      }))
      .sort((a, b) => b.minBudgetRemaining.cmp(a.minBudgetRemaining)),
    platform: { namespaces: { ...D.DEFAULT_NAMESPACES, ...spec.platform?.namespaces } },
    logs: lowerLogs(spec.logs?.levelField ?? D.DEFAULT_LOG_LEVEL_FIELD, levelShares(spec.logs?.levels ?? D.DEFAULT_LOG_LEVELS)),
    outputs: { tests: spec.outputs?.tests ?? D.DEFAULT_OUTPUT_TESTS, prometheusRule: spec.outputs?.prometheusRule ?? D.DEFAULT_OUTPUT_PROMETHEUS_RULE },
  };
  return track(organization, ["spec"], spec);
}

/** The Organization's tiers, or the built-in ones. */
export function lowerTiers(tiers: S.OrganizationSpec["tiers"]): M.Tier[] {
  return Object.entries(tiers ?? D.DEFAULT_TIERS).map(([name, t]) => ({ name, objective: percentRatio(t.objective), page: t.page, ticket: t.ticket }));
}

export function lowerSchedule(s: S.Schedule): M.Schedule {
  return {
    timezone: s.timezone,
    days: WEEKDAYS.filter((d) => s.days.includes(d)),
    from: clockMinutes(s.from),
    to: clockMinutes(s.to),
    fromText: s.from,
    toText: s.to,
  };
}

function orderDetectors(names: readonly string[]): string[] {
  return D.PII_DETECTORS.filter((d) => names.includes(d));
}

// ---------------------------------------------------------------------------------------------
// Service

function lowerService({ doc, file }: Located<S.ServiceDoc>, org: M.Organization, track: Track): M.Service {
  const spec = doc.spec;
  const tier = org.tiers.find((t) => t.name === spec.tier);
  if (!tier) throw new Error(`internal: unvalidated tier ${spec.tier}`);
  const selector = spec.workload?.selector ?? { "app.kubernetes.io/name": doc.metadata.name };
  const service: M.Service = {
    file,
    name: doc.metadata.name,
    id: snakeCase(doc.metadata.name),
    team: doc.metadata.team,
    namespace: doc.metadata.namespace ?? doc.metadata.team,
    tier,
    runbook: spec.runbook ?? null,
    description: spec.description ?? null,
    selector: sortedPairs(selector),
    slos: (spec.slos ?? []).map((s, i) => lowerSlo(s, tier, org, (node, path, part) => track(node, ["spec", "slos", i, ...path], part))),
    cache: spec.cache ? lowerCache(spec.cache) : null,
    pii: {
      detectors: orderDetectors([...org.pii.defaults, ...(spec.pii?.detectors ?? [])]),
      added: orderDetectors((spec.pii?.detectors ?? []).filter((d) => !org.pii.defaults.includes(d))),
      sensitiveKeys: [...new Set([...org.pii.sensitiveKeys, ...(spec.pii?.sensitiveKeys ?? [])])],
      fields: (spec.pii?.fields ?? []).map((f) => ({ path: f.path, action: f.action })),
      patterns: (spec.pii?.patterns ?? []).map((p) => ({
        name: p.name,
        match: p.match,
        replace: p.replace ?? D.DEFAULT_PATTERN_REPLACEMENT,
        examples: { match: [...p.examples.match], noMatch: [...p.examples.noMatch] },
      })),
    },
    logs: lowerLogs(spec.logs?.levelField ?? org.logs.levelField, { ...Object.fromEntries(org.logs.levels.map((l) => [l.level, l.keep])), ...levelShares(spec.logs?.levels ?? {}) }),
    access: spec.access ? lowerAccess(spec.access, org) : null,
    load: (spec.load ?? []).map((l, i) => track(lowerLoad(l), ["spec", "load", i], l)),
    chaos: (spec.chaos ?? []).map((c, i) => track(lowerChaos(c), ["spec", "chaos", i], c)),
  };
  return track(service, [], doc);
}

/** `track` takes paths relative to the SLO. */
function lowerSlo(s: S.Slo, tier: M.Tier, org: M.Organization, track: Track): M.Slo {
  const objective = s.objective !== undefined ? percentRatio(s.objective) : tier.objective;
  const budget = ONE.sub(objective);
  const window = s.window !== undefined ? duration(s.window) : org.slo.window;
  const alerting: M.SloAlerting = {
    page: s.alerting?.page ?? tier.page,
    ticket: s.alerting?.ticket ?? tier.ticket,
    // 0 and absent both mean no low-traffic guard (the schema's default 0).
    minEvents: s.alerting?.minEvents ?? null,
    noData: s.alerting?.noData ?? D.DEFAULT_NO_DATA,
    labels: sortedPairs(s.alerting?.labels),
    annotations: sortedPairs(s.alerting?.annotations),
    name: s.alerting?.name ?? D.DEFAULT_BURN_ALERT_NAME,
    bySeverity: {
      page: { labels: sortedPairs(s.alerting?.bySeverity?.page?.labels), annotations: sortedPairs(s.alerting?.bySeverity?.page?.annotations) },
      ticket: { labels: sortedPairs(s.alerting?.bySeverity?.ticket?.labels), annotations: sortedPairs(s.alerting?.bySeverity?.ticket?.annotations) },
    },
  };
  track(alerting, ["alerting"], s.alerting);
  const alerts = org.slo.burnRateAlerts
    .filter((row) => alerting[row.severity])
    .map((row) => sharedBurnRateAlert(row, window, budget));
  const slo: M.Slo = {
    name: s.name,
    description: s.description ?? null,
    objective,
    objectivePercent: objective.mul(HUNDRED),
    budget,
    window,
    sli: lowerSli(s.sli),
    alerting,
    alerts,
  };
  return track(slo, [], s);
}

const burnRateAlerts = new BoundedCache<M.BurnRateAlert>();

/** Most of an organisation's SLOs share a few objectives and windows: the rational arithmetic of
 * each row runs once per row, window and budget (a copy is returned, so no two SLOs share one). */
function sharedBurnRateAlert(row: M.BurnRateTier, window: Millis, budget: Ratio): M.BurnRateAlert {
  const key = [row.severity, row.budgetConsumed.num, row.budgetConsumed.den, row.long, row.short, row.for, window, budget.num, budget.den].join(" ");
  return { ...burnRateAlerts.get(key, () => burnRateAlert(row, window, budget)) };
}

/** Scales a row of the burn-rate table to an SLO: the factor keeps the row's budget-consumed
 * meaning whatever the window (13.44, 5.6, 2.8, 0.9333… for 28 days). */
export function burnRateAlert(row: M.BurnRateTier, window: Millis, budget: Ratio): M.BurnRateAlert {
  const factor = row.budgetConsumed.mul(Ratio.of(window)).div(Ratio.of(row.long));
  const threshold = factor.mul(budget);
  return {
    ...row,
    factor,
    threshold,
    // A total outage has error ratio 1: a window's ratio grows as t/window and reaches the
    // threshold at t = threshold x window, later by the window's lag as the rules compute it
    // (windows.ts); both windows must be there, then `for` holds. Up to one evaluation interval
    // more passes before the rules see it.
    detectionSeconds: later(reachSeconds(threshold, row.long), reachSeconds(threshold, row.short)).add(msToSeconds(row.for)),
    exhaustionSeconds: msToSeconds(window).div(factor),
    canFire: threshold.cmp(ONE) < 0,
  };
}

const later = (a: Ratio, b: Ratio) => (a.cmp(b) >= 0 ? a : b);

/** Seconds into a total outage until a window's error ratio exceeds the threshold. */
function reachSeconds(threshold: Ratio, window: Millis): Ratio {
  return threshold.mul(msToSeconds(window)).add(msToSeconds(windowLagMs(window)));
}

/** The spec spells an SLI's kind as its one key (`sli: { ratio: ... }`), the Model as `kind`: the
 * two lists of kinds are the same words, or this does not compile. */
const sameSliKinds: [S.SpecSliKind] extends [M.SliKind] ? ([M.SliKind] extends [S.SpecSliKind] ? true : never) : never = true;

export function sliKind(sli: S.Sli): M.SliKind {
  const kind = (Object.keys(sli) as S.SpecSliKind[])[0];
  if (!kind || !sameSliKinds) throw new Error("internal: SLI without a kind");
  return kind;
}

function lowerSli(sli: S.Sli): M.Sli {
  const kind = sliKind(sli);
  switch (kind) {
    case "ratio": {
      const r = sli.ratio!;
      return { kind, errors: r.errors ?? null, good: r.good ?? null, total: r.total, groupBy: [...(r.groupBy ?? [])] };
    }
    case "latency": {
      const l = sli.latency!;
      const threshold = parseLatency(l.threshold);
      if (!threshold) throw new Error(`internal: unvalidated latency ${l.threshold}`);
      return { kind, histogram: l.histogram, selector: l.selector ?? "{}", threshold, thresholdText: l.threshold };
    }
    case "query": {
      const q = sli.query!;
      return { kind, errors: q.errors ?? null, good: q.good ?? null, total: q.total };
    }
    default:
      return unreachable(kind, "SLI kind");
  }
}

function lowerCache(c: S.Cache): M.Cache {
  const classes = Object.entries(c.classes ?? {})
    .map(([name, k]) => ({
      name,
      ttl: duration(k.ttl, true),
      staleWhileRevalidate: k.staleWhileRevalidate !== undefined ? duration(k.staleWhileRevalidate) : null,
    }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const routes = (c.routes ?? []).map((r): M.CacheRoute => {
    const cls = r.class !== undefined ? classes.find((k) => k.name === r.class) : undefined;
    const ttl = cls ? cls.ttl : duration(r.ttl ?? 0, true);
    const swr = r.staleWhileRevalidate !== undefined ? duration(r.staleWhileRevalidate) : (cls?.staleWhileRevalidate ?? null);
    const scope = r.scope ?? D.DEFAULT_CACHE_SCOPE;
    return { path: r.path, class: r.class ?? null, ttl, scope, staleWhileRevalidate: swr, cacheControl: cacheControl(ttl, scope, swr) };
  });
  return {
    classes,
    routes,
    invalidateOn: [...(c.invalidateOn ?? [])],
    hitRatio: c.hitRatio ? { objective: percentRatio(c.hitRatio.objective), hits: c.hitRatio.hits, misses: c.hitRatio.misses } : null,
  };
}

export function cacheControl(ttl: Millis, scope: "public" | "private", swr: Millis | null): string {
  if (ttl === 0) return "no-store";
  const parts = [scope, `max-age=${Math.floor(ttl / 1000)}`];
  if (swr !== null) parts.push(`stale-while-revalidate=${Math.floor(swr / 1000)}`);
  return parts.join(", ");
}

function lowerAccess(a: S.Access, org: M.Organization): M.Access {
  return {
    resources: a.resources.map((r) => ({ name: r.name, actions: [...r.actions], piiFields: [...(r.piiFields ?? [])] })),
    rules: a.rules.map((r) => ({
      name: r.name,
      description: r.description ?? null,
      effect: r.effect,
      actions: [...r.actions],
      resources: [...r.resources],
      subjects: {
        roles: r.subjects?.roles ? [...r.subjects.roles] : null,
        teams: r.subjects?.teams ? [...r.subjects.teams] : null,
        ids: r.subjects?.ids ? [...r.subjects.ids] : null,
      },
      when: {
        mfa: r.when?.mfa ?? false,
        networks: (r.when?.networks ?? []).map((n) => {
          const net = org.access.networks.find((x) => x.name === n);
          if (!net) throw new Error(`internal: unvalidated network ${n}`);
          return net;
        }),
        schedule: r.when?.schedule ? lowerSchedule(r.when.schedule) : null,
        attributes: Object.entries(r.when?.attributes ?? {})
          .map(([k, v]): [string, (string | number | boolean)[]] => [k, [...v]])
          .sort(([x], [y]) => (x < y ? -1 : 1)),
      },
      pii: r.pii ?? false,
    })),
    tests: (a.tests ?? []).map((t) => ({
      name: t.name,
      request: t.request,
      expect: t.expect,
      maskedFields: t.maskedFields ? [...t.maskedFields] : null,
      reason: t.reason ?? null,
    })),
  };
}

function lowerLoad(l: S.LoadScenario): M.LoadScenario {
  const p = l.profile;
  const profile: M.LoadScenario["profile"] = p.stages
    ? { kind: "stages", stages: p.stages.map((s) => ({ duration: duration(s.duration), target: s.target })) }
    : {
        kind: "arrivalRate",
        rate: p.arrivalRate!.rate,
        per: duration(p.arrivalRate!.per ?? D.DEFAULT_ARRIVAL_PER),
        duration: duration(p.arrivalRate!.duration),
        preAllocatedVUs: p.arrivalRate!.preAllocatedVUs,
        maxVUs: p.arrivalRate!.maxVUs ?? p.arrivalRate!.preAllocatedVUs,
      };
  return {
    name: l.name,
    description: l.description ?? null,
    baseUrl: l.baseUrl,
    profile,
    requests: l.requests.map((r) => ({
      name: r.name,
      method: r.method,
      path: r.path,
      headers: sortedPairs(r.headers),
      json: r.json === undefined ? null : r.json,
      body: r.body ?? null,
      weight: r.weight ?? D.DEFAULT_REQUEST_WEIGHT,
      expectStatus: [...(r.expectStatus ?? D.DEFAULT_EXPECT_STATUS)],
    })),
    thresholds: (l.thresholds ?? []).map((t) => ({ metric: t.metric, tags: sortedPairs(t.tags), condition: t.condition, abortOnFail: t.abortOnFail ?? false })),
    parallelism: l.parallelism ?? D.DEFAULT_LOAD_PARALLELISM,
  };
}

function lowerChaos(c: S.ChaosExperiment): M.ChaosExperiment {
  const ss = c.steadyState;
  return {
    name: c.name,
    description: c.description ?? null,
    ...lowerFault(c),
    mode: c.mode,
    value: c.value === undefined ? null : String(c.value),
    duration: duration(c.duration),
    schedule: c.schedule ?? null,
    underLoad: c.underLoad ?? null,
    steadyState: ss
      ? {
          maxErrorRate: ss.maxErrorRate !== undefined ? percentRatio(ss.maxErrorRate) : null,
          maxLatency: ss.maxLatency
            ? { p: Ratio.fromNumber(ss.maxLatency.p), seconds: parseLatency(ss.maxLatency.value)!, text: ss.maxLatency.value }
            : null,
        }
      : null,
  };
}

function lowerFault(c: S.ChaosExperiment): M.Fault {
  switch (c.fault) {
    case "pod-kill":
      return { fault: c.fault, params: { gracePeriod: c.params?.gracePeriod ?? null } };
    case "pod-failure":
      return { fault: c.fault, params: {} };
    case "container-kill":
      return { fault: c.fault, params: { containerNames: [...c.params.containerNames] } };
    case "network-delay": {
      const p = c.params;
      return { fault: c.fault, params: { latency: p.latency, jitter: p.jitter ?? null, correlation: percentOrNull(p.correlation), direction: p.direction ?? D.DEFAULT_NETWORK_DIRECTION } };
    }
    case "network-loss": {
      const p = c.params;
      return { fault: c.fault, params: { loss: percent(p.loss), correlation: percentOrNull(p.correlation), direction: p.direction ?? D.DEFAULT_NETWORK_DIRECTION } };
    }
    case "network-partition": {
      const sel = c.params?.targetSelector;
      return { fault: c.fault, params: { direction: c.params?.direction ?? D.DEFAULT_NETWORK_DIRECTION, targetSelector: sel ? { ...sel } : null } };
    }
    case "cpu-stress":
      return { fault: c.fault, params: { workers: c.params.workers, load: c.params.load ?? D.DEFAULT_CPU_LOAD, containerNames: copy(c.params.containerNames) } };
    case "memory-stress":
      return { fault: c.fault, params: { workers: c.params.workers, size: c.params.size, containerNames: copy(c.params.containerNames) } };
    case "http-abort":
      return { fault: c.fault, params: httpParams(c.params) };
    case "http-delay":
      return { fault: c.fault, params: { ...httpParams(c.params), delay: c.params.delay } };
    case "dns-error":
      return { fault: c.fault, params: { patterns: [...c.params.patterns] } };
    case "time-skew":
      return { fault: c.fault, params: { timeOffset: c.params.timeOffset, containerNames: copy(c.params.containerNames) } };
    default:
      return unreachable(c, "chaos fault");
  }
}

function httpParams(p: S.ParamsHttpAbort): M.HttpFaultParams {
  return { port: p.port, path: p.path ?? D.DEFAULT_HTTP_PATH, method: p.method ?? null, target: p.target ?? D.DEFAULT_HTTP_TARGET };
}

/** A percentage in percent (`25%` -> 25), as Chaos Mesh reads it. */
function percent(value: unknown): Ratio {
  const p = parsePercent(value);
  if (!p) throw new Error(`internal: unvalidated percentage ${JSON.stringify(value)}`);
  return p;
}

function percentOrNull(value: unknown): Ratio | null {
  return value === undefined ? null : percent(value);
}

function copy<T>(items: readonly T[] | undefined): T[] | null {
  return items ? [...items] : null;
}

function levelShares(levels: Readonly<Record<string, S.LogLevelAction>>): Record<string, number> {
  // validation rejected a text keepShare cannot read; keeping is the safe reading of one anyway
  return Object.fromEntries(Object.entries(levels).map(([level, action]) => [level.toLowerCase(), keepShare(action) ?? 10_000]));
}

function lowerLogs(levelField: string, shares: Record<string, number>): M.LogLevels {
  const levels = Object.keys(shares).sort().map((level) => ({ level, keep: shares[level]! }));
  return { levelField, levels };
}
