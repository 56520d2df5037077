import { Ratio } from "./decimal.js";

/** Durations are kept as whole milliseconds: every unit the spec allows is a whole number of them. */
export type Millis = number;

const UNIT_MS = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const UNIT_ORDER: Unit[] = ["w", "d", "h", "m", "s", "ms"];

export type DurationResult = { ok: true; ms: Millis } | { ok: false; reason: string };

/** Parses `30s`, `1h30m`, `28d`, `2w`, and `0` (the number or string) where zero is allowed.
 * Units must appear largest first and at most once, as in Prometheus. */
export function parseDuration(value: unknown, allowZero = false): DurationResult {
  if (value === 0 || value === "0") {
    return allowZero ? { ok: true, ms: 0 } : { ok: false, reason: "must be greater than zero" };
  }
  if (typeof value !== "string") return { ok: false, reason: "must be a duration string like 5m or 1h30m" };
  const parts = [...value.matchAll(/([0-9]+)(ms|s|m|h|d|w)/g)];
  if (!parts.length || parts.map((p) => p[0]).join("") !== value) {
    return { ok: false, reason: `"${value}" is not a duration (use units ms, s, m, h, d, w as in 1h30m)` };
  }
  let ms = 0;
  let last = -1;
  for (const p of parts) {
    const unit = p[2] as Unit;
    const rank = UNIT_ORDER.indexOf(unit);
    if (rank <= last) return { ok: false, reason: `"${value}": units must go from largest to smallest, each once` };
    last = rank;
    ms += Number(p[1]) * UNIT_MS[unit];
  }
  if (!Number.isSafeInteger(ms)) return { ok: false, reason: `"${value}" is too long` };
  if (ms === 0 && !allowZero) return { ok: false, reason: "must be greater than zero" };
  return { ok: true, ms };
}

/** Prometheus duration text for whole milliseconds: `1h30m`, `3d`, `150ms`. Weeks are spelled as
 * days, which every consumer reads. */
export function formatDuration(ms: Millis): string {
  if (ms === 0) return "0s";
  let rest = ms;
  let out = "";
  for (const unit of ["d", "h", "m", "s", "ms"] as const) {
    const n = Math.floor(rest / UNIT_MS[unit]);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * UNIT_MS[unit];
    }
  }
  return out;
}

/** Human text for an exact number of seconds that may not be whole: `2m 51.84s`, `2d 2h`. */
export function humanSeconds(seconds: Ratio): string {
  if (seconds.cmp(Ratio.of(60)) < 0) return `${seconds}s`;
  const parts: string[] = [];
  let rest = seconds;
  for (const [unit, size] of [["d", 86_400], ["h", 3_600], ["m", 60]] as const) {
    const n = rest.div(Ratio.of(size));
    const whole = n.num / n.den;
    if (whole > 0n) {
      parts.push(`${whole}${unit}`);
      rest = rest.sub(Ratio.of(whole * BigInt(size)));
    }
  }
  if (!rest.isZero()) parts.push(`${rest}s`);
  return parts.join(" ");
}

export function msToSeconds(ms: Millis): Ratio {
  return Ratio.of(ms, 1000);
}

/** Latency thresholds: `300ms`, `1s`, `1.5s`, `0.25s`. Returns exact seconds, or null. */
export function parseLatency(text: unknown): Ratio | null {
  if (typeof text !== "string") return null;
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s)$/.exec(text);
  if (!m) return null;
  const n = Ratio.parse(m[1] ?? "");
  if (!n || n.isZero()) return null;
  return m[2] === "ms" ? n.div(Ratio.of(1000)) : n;
}

/** Go duration text (what Chaos Mesh and k6 parse): hours at most, no days or weeks. */
export function goDuration(ms: Millis): string {
  if (ms === 0) return "0s";
  let rest = ms;
  let out = "";
  for (const [unit, size] of [["h", 3_600_000], ["m", 60_000], ["s", 1_000], ["ms", 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
