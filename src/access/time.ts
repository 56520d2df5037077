/** Time as OPA sees it. `time.parse_rfc3339_ns` is Go's `time.Parse(time.RFC3339, s)` followed by
 * `UnixNano`, and Go is more lenient than RFC 3339 in places (a one-digit hour, a comma before
 * the fraction, any number of fraction digits, offsets up to ±24:60) and stricter in one: the
 * instant must fit an int64 of nanoseconds (1677-09-21 to 2262-04-11). The TypeScript evaluator
 * and the built-ins svcspec hands to opa-wasm both use this parser, so all three engines accept
 * and reject the same strings. */

import { BoundedCache } from "../util/memo.js";

const RFC3339 = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:[.,]([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2})$/;
const NS_MIN = -(2n ** 63n);
const NS_MAX = 2n ** 63n - 1n;
const NS_PER_MS = 1_000_000n;

function daysInMonth(year: number, month: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, 0);
  return d.getUTCDate();
}

/** Days from 1970-01-01 to a proleptic Gregorian date (any year Go accepts). */
function epochDay(year: number, month: number, day: number): bigint {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return BigInt(Math.round(d.getTime() / 86_400_000));
}

/** Nanoseconds since the epoch, exactly as OPA's time.parse_rfc3339_ns, or null where it errs. */
export function parseRfc3339Ns(text: unknown): bigint | null {
  if (typeof text !== "string") return null;
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return null;
  let offsetSeconds = 0n;
  const zone = m[8] ?? "Z";
  if (zone !== "Z") {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 24 || om > 60) return null; // Go's own limits, wider than RFC 3339's
    offsetSeconds = BigInt((zone[0] === "-" ? -1 : 1) * (oh * 3600 + om * 60));
  }
  const fraction = BigInt(((m[7] ?? "") + "000000000").slice(0, 9)); // Go truncates past nanoseconds
  const seconds = epochDay(y, mo, d) * 86_400n + BigInt(h * 3600 + mi * 60 + s) - offsetSeconds;
  const ns = seconds * 1_000_000_000n + fraction;
  return ns < NS_MIN || ns > NS_MAX ? null : ns;
}

/** Whole milliseconds since the epoch (floored, so an instant never rounds into the next minute). */
export function parseRfc3339(text: unknown): number | null {
  const ns = parseRfc3339Ns(text);
  if (ns === null) return null;
  const ms = ns / NS_PER_MS;
  return Number(ns < 0n && ms * NS_PER_MS !== ns ? ms - 1n : ms);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", weekday: "long", hour: "2-digit", minute: "2-digit", second: "2-digit" });
    formatters.set(timeZone, f);
  }
  return f;
}

export interface LocalTime {
  /** Go's weekday name: "Monday".."Sunday". */
  weekday: string;
  hour: number;
  minute: number;
  second: number;
}

/** Wall-clock time of an instant in an IANA zone; throws RangeError on an unknown zone. */
export function localTime(ms: number, timeZone: string): LocalTime {
  // Intl's formatToParts is the cost of evaluating a schedule; boundary cases and test requests
  // ask for the same few instants again and again.
  return localTimes.get(`${timeZone} ${ms}`, () => {
    const parts = formatter(timeZone).formatToParts(new Date(ms));
    const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
    return { weekday: get("weekday"), hour: Number(get("hour")), minute: Number(get("minute")), second: Number(get("second")) };
  });
}
const localTimes = new BoundedCache<LocalTime>();

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock time of an instant in `timeZone`, read as if it were UTC: its offset is the difference. */
function localParts(ms: number, timeZone: string): number {
  let f = partsFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    partsFormatters.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return Date.UTC(Number(p["year"]), Number(p["month"]) - 1, Number(p["day"]), Number(p["hour"]), Number(p["minute"]), Number(p["second"]));
}

/** The instant whose local time in `timeZone` is the given wall-clock time (the later offset in a
 * DST gap). `minute` may be negative or past 1440: the date rolls over. */
export function instantAt(timeZone: string, y: number, m: number, d: number, minute: number): number {
  return instants.get(`${timeZone} ${y} ${m} ${d} ${minute}`, () => {
    const wall = Date.UTC(y, m - 1, d, 0, minute);
    const t = wall - (localParts(wall, timeZone) - wall);
    return wall - (localParts(t, timeZone) - t);
  });
}
const instants = new BoundedCache<number>();

/** An instant as RFC 3339 in UTC, without a fraction when it is whole seconds. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}
