/** Which service of the base is which of the head: the same name, or a rename. A removed and an
 * added service are one renamed service when they come from the same spec file, or when what they
 * declare (team, tier, SLOs, rules, scenarios, fields, routes...) is mostly the same. */
import type { Model, Service } from "../model/model.js";

export interface ServicePair {
  base: Service | null;
  head: Service | null;
  renamed: boolean;
}

/** What a service declares, without its name (a rename changes nothing else). */
function features(s: Service): Set<string> {
  const f = new Set<string>([`team ${s.team}`, `tier ${s.tier.name}`, `namespace ${s.namespace}`]);
  for (const [k, v] of s.selector) if (v !== s.name) f.add(`selector ${k}=${v}`);
  for (const x of s.slos) f.add(`slo ${x.name}`);
  for (const x of s.access?.resources ?? []) f.add(`resource ${x.name}`);
  for (const x of s.access?.rules ?? []) f.add(`rule ${x.name}`);
  for (const x of s.access?.tests ?? []) f.add(`test ${x.name}`);
  for (const x of s.load) f.add(`load ${x.name}`);
  for (const x of s.chaos) f.add(`chaos ${x.name}`);
  for (const x of s.pii.fields) f.add(`field ${x.path}`);
  for (const x of s.pii.patterns) f.add(`pattern ${x.name}`);
  for (const x of s.cache?.routes ?? []) f.add(`route ${x.path}`);
  if (s.runbook) f.add(`runbook ${s.runbook}`);
  return f;
}

/** Share of common features, and how many. */
function similarity(a: Service, b: Service): { score: number; common: number } {
  const fa = features(a);
  const fb = features(b);
  const common = [...fa].filter((x) => fb.has(x)).length;
  return { score: common / (fa.size + fb.size - common), common };
}

/** Enough in common to be one service: half of all features, and more than a team and a tier. */
const MIN_SCORE = 0.5;
const MIN_COMMON = 4;

export function matchServices(base: Model, head: Model): ServicePair[] {
  const headNames = new Set(head.services.map((s) => s.name));
  const baseNames = new Set(base.services.map((s) => s.name));
  const gone = base.services.filter((s) => !headNames.has(s.name));
  const added = head.services.filter((s) => !baseNames.has(s.name));
  const candidates: { b: Service; h: Service; rank: number }[] = [];
  for (const b of gone) {
    for (const h of added) {
      const sameFile = b.file !== null && b.file === h.file;
      const { score, common } = similarity(b, h);
      if (sameFile || (score >= MIN_SCORE && common >= MIN_COMMON)) candidates.push({ b, h, rank: (sameFile ? 1 : 0) + score });
    }
  }
  candidates.sort((x, y) => y.rank - x.rank || cmp(x.b.name, y.b.name) || cmp(x.h.name, y.h.name));
  const renames = new Map<Service, Service>();
  const taken = new Set<Service>();
  for (const c of candidates) {
    if (renames.has(c.b) || taken.has(c.h)) continue;
    renames.set(c.b, c.h);
    taken.add(c.h);
  }
  const pairs: ServicePair[] = [];
  for (const b of base.services) {
    const h = head.services.find((s) => s.name === b.name) ?? renames.get(b) ?? null;
    pairs.push({ base: b, head: h, renamed: h !== null && h.name !== b.name });
  }
  for (const h of added) if (!taken.has(h)) pairs.push({ base: null, head: h, renamed: false });
  return pairs.sort((x, y) => cmp(pairName(x), pairName(y)));
}

/** The name a pair is listed under: the head's, or the base's for a removed service. */
export function pairName(p: ServicePair): string {
  return (p.head ?? p.base)!.name;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
