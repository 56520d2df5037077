/** Seeded random access requests for the differential test and the benchmark: random roles,
 * teams, ids and attributes (some ill-typed), addresses at and around every network's edges in
 * every spelling, times at and around every schedule edge across DST changes and offsets, and the
 * odd inputs where engines could part ways. Same seed, same corpus. */
import type { Access } from "../model/model.js";
import { formatIp, parseCidr } from "../util/ip.js";
import { instantAt } from "./time.js";

/** mulberry32: a small seeded PRNG, so a failing corpus can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Timestamps where Go's RFC 3339 parser is lenient or strict in ways a regex might not be. */
const ODD_TIMES = [
  "2026-11-23T9:00:00Z", "2026-11-23T09:00:00,5Z", "2026-11-23T09:00:00.99999999999Z", "2026-11-28T09:00:00+24:00",
  "2026-11-28T09:00:00+23:60", "1677-09-21T00:12:43Z", "2262-04-11T23:47:17Z", "1900-01-06T12:00:00Z", "2026-11-23t09:00:00z",
];

/** Dates (local) around the 2026 DST changes in the US and the EU, and ordinary weeks. */
const DATES: [number, number, number][] = [
  [2026, 3, 7], [2026, 3, 8], [2026, 3, 9], [2026, 3, 28], [2026, 3, 29], [2026, 3, 30],
  [2026, 10, 24], [2026, 10, 25], [2026, 10, 26], [2026, 10, 31], [2026, 11, 1], [2026, 11, 2],
  [2026, 11, 23], [2026, 11, 24], [2026, 11, 25], [2026, 11, 26], [2026, 11, 27], [2026, 11, 28], [2026, 11, 29],
];

function formatWithOffset(ms: number, offsetMinutes: number, frac: boolean): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString();
  const base = frac ? local.slice(0, 23) : local.slice(0, 19);
  if (offsetMinutes === 0) return `${base}Z`;
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  return `${base}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

export function randomRequests(access: Access, count: number, seed: number): unknown[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const maybe = (p: number) => rnd() < p;
  const rules = access.rules;
  const actions = [...new Set([...access.resources.flatMap((r) => r.actions), ...rules.flatMap((r) => r.actions)])];
  const resources = [...new Set([...access.resources.map((r) => r.name), ...rules.flatMap((r) => r.resources)])];
  const roles = [...new Set([...rules.flatMap((r) => r.subjects.roles ?? []), "nobody"])];
  const teams = [...new Set([...rules.flatMap((r) => r.subjects.teams ?? []), "other-team"])];
  const ids = [...new Set([...rules.flatMap((r) => r.subjects.ids ?? []), "u-random"])];
  const attrs = new Map<string, (string | number | boolean)[]>();
  for (const r of rules) for (const [k, v] of r.when.attributes) attrs.set(k, [...(attrs.get(k) ?? []), ...v]);
  const ips: string[] = ["203.0.113.9", "2001:db8:ffff::1", "8.8.8.8", "::1", "0.0.0.0"];
  for (const r of rules) {
    for (const n of r.when.networks) {
      for (const c of n.cidrs) {
        const p = parseCidr(c);
        if (!p.ok) continue;
        const { family, base, prefix } = p.cidr;
        const size = 1n << BigInt((family === 4 ? 32 : 128) - prefix);
        const max = family === 4 ? 0xffffffffn : (1n << 128n) - 1n;
        for (const v of [base, base + 1n, base + size - 1n, base + size, base - 1n, base + size / 2n]) {
          if (v < 0n || v > max) continue;
          const ip = formatIp({ family, value: v });
          ips.push(ip);
          if (family === 4) {
            const hex = `${(v >> 16n).toString(16)}:${(v & 0xffffn).toString(16)}`;
            ips.push(`::ffff:${ip}`, `::FFFF:${ip}`, `0:0:0:0:0:ffff:${ip}`, `::ffff:${hex}`);
          }
        }
      }
    }
  }
  const schedules = rules.flatMap((r) => (r.when.schedule ? [r.when.schedule] : []));
  const zones = [...new Set(["UTC", "Europe/Berlin", "America/New_York", ...schedules.map((s) => s.timezone)])];

  const randomTime = (): unknown => {
    if (maybe(0.03)) return pick([undefined, "", "yesterday", 1764000000, "2026-11-23 10:00:00", "2026-13-01T00:00:00Z", ...ODD_TIMES]);
    const s = schedules.length && maybe(0.8) ? pick(schedules) : null;
    const zone = s ? s.timezone : pick(zones);
    const [y, m, d] = pick(DATES);
    const edges = s ? [s.from, s.to, s.from - 1, s.to - 1, s.from + 1, s.to + 1, 0, 1440, 120, 150, 90] : [0, 540, 1020, 1439, 150];
    const minute = maybe(0.85) ? pick(edges) : Math.floor(rnd() * 1440);
    const ms = instantAt(zone, y, m, d, minute) + (maybe(0.5) ? Math.floor(rnd() * 120 - 60) * 1000 : 0);
    // A nanosecond before the minute: where a double-precision instant would round across the edge.
    if (maybe(0.05)) return formatWithOffset(ms - 1000, 0, false).replace("Z", ".999999999Z");
    return formatWithOffset(ms, pick([0, 0, 60, -300, 330, -240, 120, 540]), maybe(0.1));
  };

  const randomList = (pool: string[]): unknown => {
    if (maybe(0.05)) return undefined;
    if (maybe(0.04)) return pick(pool);
    if (maybe(0.03)) return [pick(pool), 7];
    const n = Math.floor(rnd() * 3);
    return Array.from({ length: n + (maybe(0.7) ? 1 : 0) }, () => pick(pool));
  };

  const randomAttributes = (): unknown => {
    if (maybe(0.05)) return undefined;
    if (maybe(0.03)) return pick(["clearance", ["internal"], 1]);
    const out: Record<string, unknown> = {};
    for (const [k, values] of attrs) {
      if (maybe(0.1)) continue;
      const v = pick(values);
      out[k] = maybe(0.75) ? v : pick([String(v), typeof v === "string" ? [v] : v, typeof v === "boolean" ? String(v) : 0, null, "other"]);
    }
    if (maybe(0.2)) out["unrelated"] = "x";
    return out;
  };

  /** Upper case, or a capital first letter, or the name with a trailing space. */
  const respell = (name: string): string => pick([name.toUpperCase(), name.charAt(0).toUpperCase() + name.slice(1), `${name} `]);

  const out: unknown[] = [];
  for (let i = 0; i < count; i++) {
    if (maybe(0.005)) {
      out.push(pick([{}, { action: "read" }, { subject: {}, resource: {} }]));
      continue;
    }
    const subject: Record<string, unknown> = {
      id: maybe(0.95) ? pick(ids) : pick([undefined, 42]),
      roles: randomList(roles),
      teams: randomList(teams),
      mfa: pick([true, true, true, false, "true", 1, undefined]),
      attributes: randomAttributes(),
    };
    const request: Record<string, unknown> = {
      subject: maybe(0.99) ? subject : undefined,
      // and spellings the service does not declare: matched exactly, they must never be allowed
      action: maybe(0.94) ? pick(actions) : pick(["*", "unknown", 1, undefined, respell(pick(actions)), respell(pick(actions))]),
      resource: maybe(0.98) ? { type: maybe(0.95) ? pick(resources) : pick(["*", "unknown", 3, undefined, respell(pick(resources)), respell(pick(resources))]), id: "r-1" } : undefined,
      environment: maybe(0.98) ? { ip: maybe(0.95) ? pick(ips) : pick([undefined, "10.8.0", "not-an-ip", 10, "::ffff:10.8.0", "10.8.0.0/24", "10.8.1.2/32", "fd00:8::1%eth0", "010.8.1.2", " 10.8.1.2"]), time: randomTime() } : undefined,
    };
    out.push(JSON.parse(JSON.stringify(request)));
  }
  return out;
}
