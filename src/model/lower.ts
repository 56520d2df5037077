/** lower(): validated spec documents -> the Model. Every default is applied here and nowhere else.
 * It assumes validation passed: a value that does not parse here is a bug, so it throws. */
import { ONE, Ratio, HUNDRED, parsePercent } from "./decimal.js";
import {
  DEFAULT_BURN_RATE_ALERTS,
  DEFAULT_DEPLOY_POLICY,
  DEFAULT_ORGANIZATION_NAME,
  DEFAULT_PATTERN_REPLACEMENT,
  DEFAULT_PII_DEFAULTS,
  DEFAULT_RECEIVER_NAME,
  DEFAULT_SLO_WINDOW,
  DEFAULT_TIERS,
  PII_DETECTORS,
} from "./defaults.js";
import { type Millis, msToSeconds, parseDuration, parseLatency } from "./duration.js";
import type * as M from "./model.js";
import { receiverName, snakeCase } from "./names.js";
import type * as S from "./spec.js";

export interface Located<T> {
  doc: T;
  /** Stable source name for headers. */
  file: string;
}

export function lower(org: Located<S.OrganizationDoc> | null, services: readonly Located<S.ServiceDoc>[]): M.Model {
  const organization = lowerOrganization(org);
  const lowered = services.map((s) => lowerService(s, organization));
  lowered.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { organization, services: lowered };
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

function lowerOrganization(located: Located<S.OrganizationDoc> | null): M.Organization {
  const spec: S.OrganizationSpec = located?.doc.spec ?? {};
  const tiers = Object.entries(spec.tiers ?? DEFAULT_TIERS).map(([name, t]) => ({
    name,
    objective: percentRatio(t.objective),
    page: t.page,
    ticket: t.ticket,
  }));
  const teams = Object.entries(spec.teams ?? {})
    .map(([name, t]): M.Team => ({
      name,
      receivers: {
        page: t.receivers?.page ? { name: receiverName(name, "page"), integrations: t.receivers.page } : null,
        ticket: t.receivers?.ticket ? { name: receiverName(name, "ticket"), integrations: t.receivers.ticket } : null,
      },
      businessHours: t.businessHours ? lowerSchedule(t.businessHours) : null,
    }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const networks = Object.entries(spec.access?.networks ?? {})
    .map(([name, cidrs]) => ({ name, cidrs: [...cidrs] }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  return {
    file: located?.file ?? null,
    name: located?.doc.metadata.name ?? DEFAULT_ORGANIZATION_NAME,
    tiers,
    slo: {
      window: duration(spec.slo?.window ?? DEFAULT_SLO_WINDOW),
      burnRateAlerts: (spec.slo?.burnRateAlerts ?? DEFAULT_BURN_RATE_ALERTS).map((row) => ({
        severity: row.severity,
        budgetConsumed: percentRatio(row.budgetConsumed),
        long: duration(row.long),
        short: duration(row.short),
        for: duration(row.for, true),
      })),
    },
    teams,
    defaultReceiver: { name: DEFAULT_RECEIVER_NAME, integrations: spec.alerting?.defaultReceiver ?? {} },
    access: { roles: [...(spec.access?.roles ?? [])], networks },
    pii: { defaults: orderDetectors(spec.pii?.defaults ?? DEFAULT_PII_DEFAULTS) },
    deployPolicy: (spec.deployPolicy ?? DEFAULT_DEPLOY_POLICY)
      .map((r) => ({
        minBudgetRemaining: percentRatio(r.minBudgetRemaining),
        allow: r.allow,
        emergencyHold: r.emergencyHold ?? false,
      }))
      .sort((a, b) => b.minBudgetRemaining.cmp(a.minBudgetRemaining)),
  };
}

export function lowerSchedule(s: S.ScheduleSpec): M.Schedule {
  const order: S.Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  return {
    timezone: s.timezone,
    days: order.filter((d) => s.days.includes(d)),
    from: clockMinutes(s.from),
    to: clockMinutes(s.to),
    fromText: s.from,
    toText: s.to,
  };
}

function orderDetectors(names: readonly string[]): string[] {
  return PII_DETECTORS.filter((d) => names.includes(d));
}

// ---------------------------------------------------------------------------------------------
// Service

function lowerService({ doc, file }: Located<S.ServiceDoc>, org: M.Organization): M.Service {
  const spec = doc.spec;
  const tier = org.tiers.find((t) => t.name === spec.tier);
  if (!tier) throw new Error(`internal: unvalidated tier ${spec.tier}`);
  const selector = spec.workload?.selector ?? { "app.kubernetes.io/name": doc.metadata.name };
  return {
    file,
    name: doc.metadata.name,
    id: snakeCase(doc.metadata.name),
    team: doc.metadata.team,
    namespace: doc.metadata.namespace ?? doc.metadata.team,
    tier,
    runbook: spec.runbook ?? null,
    description: spec.description ?? null,
    selector: sortedPairs(selector),
    slos: (spec.slos ?? []).map((s) => lowerSlo(s, tier, org)),
    cache: spec.cache ? lowerCache(spec.cache) : null,
    pii: {
      detectors: orderDetectors([...org.pii.defaults, ...(spec.pii?.detectors ?? [])]),
      added: orderDetectors((spec.pii?.detectors ?? []).filter((d) => !org.pii.defaults.includes(d))),
      fields: (spec.pii?.fields ?? []).map((f) => ({ path: f.path, action: f.action })),
      patterns: (spec.pii?.patterns ?? []).map((p) => ({
        name: p.name,
        match: p.match,
        replace: p.replace ?? DEFAULT_PATTERN_REPLACEMENT,
        examples: { match: [...p.examples.match], noMatch: [...p.examples.noMatch] },
      })),
    },
    access: spec.access ? lowerAccess(spec.access, org) : null,
    load: (spec.load ?? []).map(lowerLoad),
    chaos: (spec.chaos ?? []).map(lowerChaos),
  };
}

function lowerSlo(s: S.SloSpec, tier: M.Tier, org: M.Organization): M.Slo {
  const objective = s.objective !== undefined ? percentRatio(s.objective) : tier.objective;
  const budget = ONE.sub(objective);
  const window = s.window !== undefined ? duration(s.window) : org.slo.window;
  const alerting: M.SloAlerting = {
    page: s.alerting?.page ?? tier.page,
    ticket: s.alerting?.ticket ?? tier.ticket,
    minEvents: s.alerting?.minEvents ?? null,
    noData: s.alerting?.noData ?? "none",
    labels: sortedPairs(s.alerting?.labels),
    annotations: sortedPairs(s.alerting?.annotations),
  };
  const alerts = org.slo.burnRateAlerts
    .filter((row) => alerting[row.severity])
    .map((row) => burnRateAlert(row, window, budget));
  return {
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
    // A total outage has error ratio 1: the long window's ratio grows as t/long and reaches the
    // threshold at t = threshold x long (the short window gets there sooner); then `for` holds.
    detectionSeconds: threshold.mul(msToSeconds(row.long)).add(msToSeconds(row.for)),
    exhaustionSeconds: msToSeconds(window).div(factor),
    canFire: threshold.cmp(ONE) < 0,
  };
}

function lowerSli(sli: S.SloSpec["sli"]): M.Sli {
  if (sli.ratio) {
    return { kind: "ratio", errors: sli.ratio.errors ?? null, good: sli.ratio.good ?? null, total: sli.ratio.total, groupBy: [...(sli.ratio.groupBy ?? [])] };
  }
  if (sli.latency) {
    const threshold = parseLatency(sli.latency.threshold);
    if (!threshold) throw new Error(`internal: unvalidated latency ${sli.latency.threshold}`);
    return { kind: "latency", histogram: sli.latency.histogram, selector: sli.latency.selector ?? "{}", threshold, thresholdText: sli.latency.threshold };
  }
  if (sli.query) return { kind: "query", errors: sli.query.errors ?? null, good: sli.query.good ?? null, total: sli.query.total };
  throw new Error("internal: SLI without a kind");
}

function lowerCache(c: S.CacheSpec): M.Cache {
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
    const scope = r.scope ?? "public";
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

function lowerAccess(a: S.AccessSpec, org: M.Organization): M.Access {
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

function lowerLoad(l: S.LoadScenarioSpec): M.LoadScenario {
  const p = l.profile;
  const profile: M.LoadScenario["profile"] = p.stages
    ? { kind: "stages", stages: p.stages.map((s) => ({ duration: duration(s.duration), target: s.target })) }
    : {
        kind: "arrivalRate",
        rate: p.arrivalRate!.rate,
        per: duration(p.arrivalRate!.per ?? "1s"),
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
      weight: r.weight ?? 1,
      expectStatus: r.expectStatus ? [...r.expectStatus] : [200],
    })),
    thresholds: (l.thresholds ?? []).map((t) => ({ metric: t.metric, tags: sortedPairs(t.tags), condition: t.condition, abortOnFail: t.abortOnFail ?? false })),
    parallelism: l.parallelism ?? 1,
  };
}

function lowerChaos(c: S.ChaosSpec): M.ChaosExperiment {
  const ss = c.steadyState;
  return {
    name: c.name,
    description: c.description ?? null,
    fault: c.fault,
    mode: c.mode,
    value: c.value === undefined ? null : String(c.value),
    duration: duration(c.duration),
    params: { ...(c.params ?? {}) },
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
