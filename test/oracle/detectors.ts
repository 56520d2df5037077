/** The test oracle's detectors, byte for byte the TypeScript twins of generators/fluentbit/redact.lua.
 * Strings here are byte strings (latin1: one char per UTF-8 byte) and positions are 1-based, like
 * Lua's, so each function reads as the Lua one does. Validation keeps false positives down: Luhn
 * and issuer prefixes for cards, mod-97 for IBANs, SSA rules for SSNs, known key prefixes. */
import { IBAN_LENGTHS } from "../../src/model/iban.js";
import { type DetectorId, DETECTOR_TOKENS as TOKEN } from "../../src/model/pii-catalogue.js";

type Cls = Set<number>;
const codes = (chars: string) => [...chars].map((c) => c.charCodeAt(0));
function range(a: string, b: string): number[] {
  const out: number[] = [];
  for (let c = a.charCodeAt(0); c <= b.charCodeAt(0); c++) out.push(c);
  return out;
}
const cls = (...parts: number[][]): Cls => new Set(parts.flat());
const AZ = range("A", "Z");
const az = range("a", "z");
const D9 = range("0", "9");
const DIGIT = cls(D9);
const ALPHA = cls(AZ, az);
const ALNUM = cls(AZ, az, D9);
const WORD = cls(AZ, az, D9, codes("_"));
const UPDIG = cls(AZ, D9);
const HEX = cls(range("A", "F"), range("a", "f"), D9);
const B64U = cls(AZ, az, D9, codes("-_"));
const ALNUMDASH = cls(AZ, az, D9, codes("-"));
const TOKCH = cls(AZ, az, D9, codes("-._~+/="));
const SCHEME = cls(AZ, az, D9, codes("+.-"));
const HIGH = Array.from({ length: 128 }, (_, i) => 128 + i);
const LOCAL = cls(AZ, az, D9, codes("._%+-'_"), HIGH);
const DOMAIN = cls(AZ, az, D9, codes(".-"), HIGH);
const TLD = cls(AZ, az, HIGH);
const CONT = cls(HIGH.slice(0, 64));
const USERSTOP = cls(codes("/?#\"'<>\\[] \t\r\n"));
const VALSTOP = cls(codes(" \t\r\n\"',;&})<>"), [0]);
const EXT = new Set(["png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "css", "js"]);

export const MAX_LEN = 32768;

/** Lua's string.byte(s, i) or 0, with i < 1 -> 0. */
export function at(s: string, i: number): number {
  if (i < 1 || i > s.length) return 0;
  return s.charCodeAt(i - 1);
}
/** Lua's string.sub(s, a, b) for a >= 1. */
function sub(s: string, a: number, b = s.length): string {
  return s.slice(a - 1, Math.max(a - 1, b));
}
function findPlain(s: string, x: string, i: number): number | null {
  const k = s.indexOf(x, i - 1);
  return k < 0 ? null : k + 1;
}
/** The byte-loop finder of a class table (Lua: run(..., cls, nil, ...)). */
function classFinder(c: Cls): (s: string, i: number) => number | null {
  return (s, i) => {
    while (i <= s.length && !c.has(s.charCodeAt(i - 1))) i++;
    return i > s.length ? null : i;
  };
}
const lower = (s: string) => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());

type Match = (s: string, p: number, last: number) => [number, number] | [null, number?];
const NO: [null] = [null];

function run(s: string, hay: string, find: (h: string, i: number) => number | null, match: Match, token: string): string {
  let i = 1;
  let last = 1;
  let out: string[] | null = null;
  const len = s.length;
  while (i <= len) {
    const p = find(hay, i);
    if (p === null) break;
    const [a, b] = match(s, p, last);
    if (a !== null) {
      (out ??= []).push(sub(s, last, a - 1), token);
      last = b! + 1;
      i = b! + 1;
    } else i = b ?? p + 1;
  }
  if (!out) return s;
  out.push(sub(s, last));
  return out.join("");
}
const plain = (x: string) => (h: string, i: number) => findPlain(h, x, i);

// The maximal runs of digits of one string, rs[i]..re[i] for i = 1..rn (Lua: digit_runs, which
// lists the positions where digits start or stop without a branch, writing the other positions
// to a spare slot 0), shared by the card, SSN, phone and IPv4 detectors and kept until the string
// changes.
let drS: string | null = null;
let rn = 0;
const rs: number[] = [];
const re: number[] = [];
const drT: number[] = [0];
function digitRuns(s: string): number {
  if (drS === s) return rn;
  let k = 0;
  let prev = 0;
  for (let i = 1; i <= s.length; i++) {
    const c = s.charCodeAt(i - 1);
    const d = c >= 48 && c <= 57 ? 1 : 0;
    const x = d + prev - 2 * d * prev;
    k += x;
    drT[k * x] = i;
    prev = d;
  }
  drT[k + 1] = s.length + 1;
  let n = 0;
  for (let j = 1; j <= k; j += 2) {
    n++;
    rs[n] = drT[j]!;
    re[n] = drT[j + 1]! - 1;
  }
  drS = s;
  rn = n;
  return n;
}
/** run() with the digit runs as candidates: match gets the index of each run that starts at or
 * after the end of the last match or skip (Lua: run_runs). */
type RunMatch = (s: string, r: number, last: number) => [number, number] | [null, number?];
function runRuns(s: string, match: RunMatch, token: string): string {
  const nr = digitRuns(s);
  let from = 1;
  let last = 1;
  let out: string[] | null = null;
  for (let r = 1; r <= nr; r++) {
    if (rs[r]! >= from) {
      const [a, b] = match(s, r, last);
      if (a !== null) {
        (out ??= []).push(sub(s, last, a - 1), token);
        last = b! + 1;
        from = b! + 1;
      } else if (b !== undefined) from = b;
    }
  }
  if (!out) return s;
  out.push(sub(s, last));
  return out.join("");
}

function dPrivateKey(s: string): string {
  if (findPlain(s, "-----BEGIN ", 1) === null) return s;
  const out: string[] = [];
  let last = 1;
  let i = 1;
  for (;;) {
    const p = findPlain(s, "-----BEGIN ", i);
    if (p === null) break;
    const q = findPlain(s, "PRIVATE KEY-----", p + 11);
    if (q !== null && q - p <= 40) {
      let stop = s.length;
      const e = findPlain(s, "-----END ", q + 16);
      if (e !== null) {
        const f = findPlain(s, "-----", e + 9);
        if (f !== null) stop = f + 4;
      }
      out.push(sub(s, last, p - 1), TOKEN.private_key);
      last = stop + 1;
      i = stop + 1;
    } else i = p + 1;
  }
  if (!out.length) return s;
  out.push(sub(s, last));
  return out.join("");
}

function segEnd(s: string, i: number): number {
  while (B64U.has(at(s, i))) i++;
  return i;
}
const mJwt: Match = (s, p) => {
  if (B64U.has(at(s, p - 1))) return NO;
  const e1 = segEnd(s, p);
  if (at(s, e1) !== 46 || sub(s, e1 + 1, e1 + 3) !== "eyJ") return NO;
  const e2 = segEnd(s, e1 + 1);
  if (at(s, e2) !== 46) return NO;
  const e3 = segEnd(s, e2 + 1);
  return [p, e3 - 1];
};

const mBearer: Match = (s, p) => {
  if (ALPHA.has(at(s, p - 1))) return NO;
  let j = p + 6;
  const c = at(s, j);
  if (c !== 32 && c !== 9) return NO;
  while (at(s, j) === 32 || at(s, j) === 9) j++;
  let k = j;
  while (TOKCH.has(at(s, k))) k++;
  if (k - j < 8) return NO;
  return [j, k - 1];
};

const mDbUrl: Match = (s, p) => {
  if (!SCHEME.has(at(s, p - 1))) return NO;
  let j = p + 3;
  let colon: number | null = null;
  for (;;) {
    const c = at(s, j);
    if (c === 64) break;
    // a raw '#' in the password (after the colon) is part of it, not a fragment
    if (c === 0 || (USERSTOP.has(c) && !(c === 35 && colon !== null)) || j - p > 512) return NO;
    if (c === 58 && colon === null) colon = j;
    j++;
  }
  if (colon === null || j - colon < 2) return NO;
  return [colon + 1, j - 1];
};

const KV_KEYWORDS = ["password", "passwd", "pwd", "secret", "token", "api_key", "apikey", "api-key", "access_key"];
/** The start of the keyword (any case, not right after a letter or digit) that ends at e, or null. */
function kvKeyword(s: string, e: number): number | null {
  for (const kw of KV_KEYWORDS) {
    const a = e - kw.length + 1;
    if (a >= 1 && lower(sub(s, a, e)) === kw && !ALNUM.has(at(s, a - 1))) return a;
  }
  return null;
}
/** The bounds of the value after the separator c at j - 1 (spaced: spaces before the separator). */
function kvValue(s: string, j: number, c: number, spaced: boolean): [number, number] | null {
  // "key: value" and "key = value" may space the value; "key= value" is an empty value
  if (c === 58 || spaced) while (at(s, j) === 32) j++;
  const q = at(s, j);
  let k: number;
  if (q === 34 || q === 39) {
    j++;
    k = j;
    while (at(s, k) !== q && at(s, k) !== 0) k++;
  } else {
    k = j;
    while (!VALSTOP.has(at(s, k))) k++;
  }
  if (k === j || sub(s, j, k - 1) === "null") return null;
  return [j, k - 1];
}
/** From each '=' or ':' (left to right), back over spaces and an optional quote to a keyword. */
function dSecretKv(s: string): string {
  const out: string[] = [];
  let last = 1;
  for (let j = 1; j <= s.length; j++) {
    const c = at(s, j);
    if (c !== 61 && c !== 58) continue;
    let k = j - 1;
    while (at(s, k) === 32) k--;
    const spaced = k < j - 1;
    const q = at(s, k);
    if (q === 34 || q === 39) k--;
    const p = kvKeyword(s, k);
    if (p === null || p < last) continue;
    const v = kvValue(s, j + 1, c, spaced);
    if (v === null) continue;
    out.push(sub(s, last, v[0] - 1), TOKEN.secret_kv);
    last = v[1] + 1;
    j = v[1];
  }
  if (!out.length) return s;
  out.push(sub(s, last));
  return out.join("");
}

const API_PREFIXES: [string, Cls, number, number][] = [
  ["sk_live_", ALNUM, 10, 255], ["sk_test_", ALNUM, 10, 255], ["rk_live_", ALNUM, 10, 255],
  ["AKIA", UPDIG, 16, 16], ["ASIA", UPDIG, 16, 16],
  ["ghp_", ALNUM, 30, 255], ["gho_", ALNUM, 30, 255], ["ghs_", ALNUM, 30, 255], ["ghu_", ALNUM, 30, 255],
  ["github_pat_", WORD, 20, 255],
  ["xoxb-", ALNUMDASH, 10, 255], ["xoxp-", ALNUMDASH, 10, 255], ["xoxa-", ALNUMDASH, 10, 255], ["xoxr-", ALNUMDASH, 10, 255],
  ["AIza", B64U, 35, 35], ["glpat-", B64U, 20, 64], ["sk-", B64U, 20, 255],
];
/** The known API key prefixes, for the docs and the corpus. */
export const API_KEY_PREFIXES = API_PREFIXES.map(([p, , min, max]) => ({ prefix: p, min, max }));
const API_MATCHERS: Match[] = API_PREFIXES.map(([pre, c, min, max]) => {
  // the end of the last class run scanned: a later candidate inside it ends at the same place
  let rs: string | null = null;
  let rf = 0;
  let re = 0;
  return (s, p) => {
  if (ALNUM.has(at(s, p - 1))) return NO;
  let k = p + pre.length;
  if (rs === s && k >= rf && k <= re) k = re;
  else {
    const from = k;
    while (c.has(at(s, k))) k++;
    rs = s;
    rf = from;
    re = k;
  }
  const n = k - (p + pre.length);
  if (n < min || n > max) return NO;
  return [p, k - 1];
  };
});
function dApiKey(s: string): string {
  API_PREFIXES.forEach(([pre], i) => {
    if (s.includes(pre)) s = run(s, s, plain(pre), API_MATCHERS[i]!, TOKEN.api_key);
  });
  return s;
}

/** An e-mail address around the '@' (w = 1) or the URL-encoded "%40" (w = 3) at p. */
function emailAt(s: string, p: number, last: number, w: number): [number, number] | [null] {
  const d = p + w;
  // necessary: a local part before the '@' and a domain of four or more bytes after it (x.yy);
  // checked first without loops (one-iteration loops on '@' runs defeat LuaJIT's trace compiler)
  if (p - 1 < last || !LOCAL.has(at(s, p - 1)) || !(DOMAIN.has(at(s, d)) && DOMAIN.has(at(s, d + 1)) && DOMAIN.has(at(s, d + 2)) && DOMAIN.has(at(s, d + 3)))) return NO;
  let a = p;
  while (a - 1 >= last && a > p - 64 && LOCAL.has(at(s, a - 1))) a--;
  // the 64-byte cap inside a UTF-8 character: the whole character stays out
  while (a < p && CONT.has(at(s, a))) a++;
  if (a === p || at(s, a - 1) === 47) return NO;
  let e = d;
  while (e - d < 253 && DOMAIN.has(at(s, e))) e++;
  e--;
  while (e >= d && CONT.has(at(s, e + 1))) e--;
  while (e >= d && (at(s, e) === 46 || at(s, e) === 45)) e--;
  if (e < d) return NO;
  let t = e;
  while (t >= d && TLD.has(at(s, t))) t--;
  if (at(s, t) !== 46 || e - t < 2 || t === d) return NO;
  if (at(s, e + 1) === 58) return NO;
  if (EXT.has(lower(sub(s, t + 1, e)))) return NO;
  return [a, e];
}
const mEmail: Match = (s, p, last) => emailAt(s, p, last, 1);
const mEmailEncoded: Match = (s, p, last) => emailAt(s, p, last, 3);
function dEmail(s: string): string {
  s = run(s, s, plain("@"), mEmail, TOKEN.email);
  if (!s.includes("%40")) return s;
  return run(s, s, plain("%40"), mEmailEncoded, TOKEN.email);
}

/** The ISO 13616 check of a compact IBAN (1 when valid); the detectors use prefix remainders instead. */
export function mod97(x: string): number {
  let r = 0;
  const y = x.slice(4) + x.slice(0, 4);
  for (let i = 0; i < y.length; i++) {
    const c = y.charCodeAt(i);
    r = c >= 48 && c <= 57 ? (r * 10 + (c - 48)) % 97 : (r * 100 + (c - 55)) % 97;
  }
  return r;
}
// The chain that mIban scans from a candidate (capitals and digits, single spaces between) is
// the tail of the chain from any earlier position of it: it is scanned once per string and kept
// with prefix remainders mod 97, so a candidate checks its country's length in O(1), not O(length).
let ibS: string | null = null;
let ibFrom = 0;
let ibTo = -1;
let ibN = 0;
const ibK: number[] = [];
const ibPos: number[] = [];
const ibP: number[] = [];
const ibD: number[] = [];
const POW10: number[] = [];
for (let k = 0, x = 1; k <= 80; k++, x = (x * 10) % 97) POW10[k] = x;
function ibanChain(s: string, p: number): void {
  let k = 0;
  let j = p;
  let r = 0;
  let d = 0;
  for (;;) {
    const c = at(s, j);
    if (UPDIG.has(c)) {
      k++;
      if (c <= 57) {
        r = (r * 10 + (c - 48)) % 97;
        d += 1;
      } else {
        r = (r * 100 + (c - 55)) % 97;
        d += 2;
      }
      ibK[j] = k;
      ibPos[k] = j;
      ibP[k] = r;
      ibD[k] = d;
      j++;
    } else if (c === 32 && UPDIG.has(at(s, j + 1))) j++;
    else break;
  }
  ibS = s;
  ibFrom = p;
  ibTo = j - 1;
  ibN = k;
}
const UPPER = cls(AZ);
const mIban: Match = (s, p) => {
  const c2 = at(s, p + 1);
  if (ALNUM.has(at(s, p - 1)) || !(UPPER.has(c2) && DIGIT.has(at(s, p + 2)) && DIGIT.has(at(s, p + 3)))) return NO;
  const len = IBAN_LENGTHS[sub(s, p, p + 1)];
  if (len === undefined) return NO;
  if (ibS !== s || p < ibFrom || p > ibTo) ibanChain(s, p);
  const q = ibK[p]!;
  const k = q + len - 1;
  if (k > ibN) return NO;
  const e = ibPos[k]!;
  if (ALNUM.has(at(s, e + 1))) return NO;
  // the BBAN (from the fifth character) then the country code (two capitals, two decimal digits
  // each) and the check digits (six digits in all)
  const cc = ((at(s, p) - 55) * 10000 + (c2 - 55) * 100 + (at(s, p + 2) - 48) * 10 + (at(s, p + 3) - 48)) % 97;
  const b = q + 3;
  if ((((((ibP[k]! - ibP[b]! * POW10[ibD[k]! - ibD[b]!]!) % 97) + 97) % 97) * 1000000 + cc) % 97 !== 1) return NO;
  return [p, e];
};

function iinOk(d: string): boolean {
  if (d.charCodeAt(0) === 52) return true;
  const n2 = Number(d.slice(0, 2));
  const n3 = Number(d.slice(0, 3));
  const n4 = Number(d.slice(0, 4));
  if (n2 === 34 || n2 === 37 || (n2 >= 51 && n2 <= 55) || n2 === 36 || n2 === 38 || n2 === 39 || n2 === 62 || n2 === 65) return true;
  if ((n3 >= 300 && n3 <= 305) || (n3 >= 644 && n3 <= 649)) return true;
  return (n4 >= 2221 && n4 <= 2720) || n4 === 6011 || (n4 >= 3528 && n4 <= 3589);
}
export function luhn(d: string): boolean {
  let sum = 0;
  let alt = 0;
  for (let i = d.length - 1; i >= 0; i--) {
    let x = d.charCodeAt(i) - 48;
    if (alt === 1) {
      x *= 2;
      if (x > 9) x -= 9;
    }
    sum += x;
    alt = 1 - alt;
  }
  return sum % 10 === 0;
}
export function isCard(d: string): boolean {
  return d.length >= 13 && d.length <= 19 && iinOk(d) && luhn(d);
}
const mCard: RunMatch = (s, r) => {
  const p = rs[r]!;
  if (ALNUM.has(at(s, p - 1))) return [null, re[r]! + 1];
  // the groups: runs r..z, each after a single space or dash, at most 24; w sums the digits of the
  // last five groups, wmax is its maximum: no card fits when no five consecutive groups reach 13
  let z = r;
  let w = re[r]! - p + 1;
  let wmax = w;
  while (z - r < 23 && z < rn && rs[z + 1] === re[z]! + 2) {
    const c = at(s, re[z]! + 1);
    if (c !== 32 && c !== 45) break;
    z++;
    w += re[z]! - rs[z]! + 1;
    if (z - r >= 5) w -= re[z - 5]! - rs[z - 5]! + 1;
    if (w > wmax) wmax = w;
  }
  if (wmax < 13) return [null, re[z]! + 1];
  const tailOk = !WORD.has(at(s, re[z]! + 1));
  for (let st = r; st <= z; st++) {
    // best: the last group of the longest card from st, 0 for none
    let total = 0;
    let best = 0;
    for (let e = st; e <= z; e++) {
      if (e - st >= 5) break;
      total += re[e]! - rs[e]! + 1;
      if (total > 19) break;
      if (total >= 13 && (e < z || tailOk)) {
        // the digits only for a long enough candidate (Lua reads them in place: is_card_groups)
        let digits = "";
        for (let g = st; g <= e; g++) digits += sub(s, rs[g]!, re[g]!);
        if (isCard(digits)) best = e;
      }
    }
    if (best > 0) return [rs[st]!, re[best]!];
  }
  return [null, re[z]! + 1];
};
export function cardNumber(v: number): boolean {
  return Number.isInteger(v) && v >= 1e12 && v < 9007199254740992 && isCard(v.toFixed(0));
}

const digit = (s: string, i: number) => s.charCodeAt(i - 1) - 48;
const mSsn: RunMatch = (s, r) => {
  // ddd, a dash or a space, dd, the same separator, dddd: runs of 3, 2 and 4 digits; a failed
  // start fails for the rest of its run too (each digit is preceded by a digit): skip the run
  const p = rs[r]!;
  const skip: [null, number] = [null, re[r]! + 1];
  if (re[r] !== p + 2 || r + 2 > rn || ALNUM.has(at(s, p - 1))) return skip;
  const sep = at(s, p + 3);
  if (!((sep === 45 || sep === 32) && rs[r + 1] === p + 4 && re[r + 1] === p + 5 && at(s, p + 6) === sep && rs[r + 2] === p + 7 && re[r + 2] === p + 10)) return skip;
  if (ALNUM.has(at(s, p + 11))) return skip;
  const area = digit(s, p) * 100 + digit(s, p + 1) * 10 + digit(s, p + 2);
  const group = digit(s, p + 4) * 10 + digit(s, p + 5);
  const serial = digit(s, p + 7) * 1000 + digit(s, p + 8) * 100 + digit(s, p + 9) * 10 + digit(s, p + 10);
  if (area === 0 || area === 666 || area >= 900 || group === 0 || serial === 0) return skip;
  return [p, p + 10];
};

const isSep = (c: number) => c === 45 || c === 46;
/** At p: the digit run r starts at p, or right after the '+' or '(' at p; t is the last run of the
 * number, for an extension (" x" and a run right after). */
function mPhone(s: string, r: number, p: number): [number, number] | [null, number?] {
  const c = at(s, p);
  let e: number;
  let t: number;
  // the digits after a digit are preceded by one too: skip the run
  if (ALNUM.has(at(s, p - 1))) return DIGIT.has(c) ? [null, re[r]! + 1] : NO;
  if (c === 43) {
    // runs joined by single spaces, dashes or dots: 8 to 15 digits in all
    let n = re[r]! - rs[r]! + 1;
    t = r;
    while (n <= 15 && t < rn && rs[t + 1] === re[t]! + 2) {
      const d = at(s, re[t]! + 1);
      if (d !== 32 && d !== 45 && d !== 46) break;
      t++;
      n += re[t]! - rs[t]! + 1;
    }
    if (n < 8 || n > 15) return NO;
    e = re[t]!;
  } else if (c === 40) {
    // (ddd) ddd-dddd: the runs r, r + 1 and r + 2
    if (!(re[r] === p + 3 && at(s, p + 4) === 41 && r + 2 <= rn)) return NO;
    let j = p + 5;
    if (at(s, j) === 32) j++;
    const sep = at(s, j + 3);
    if (!(rs[r + 1] === j && re[r + 1] === j + 2 && (isSep(sep) || sep === 32) && rs[r + 2] === j + 4 && re[r + 2]! >= j + 7)) return NO;
    e = j + 7;
    t = r + 2;
  } else {
    // [1-]ddd-ddd-dddd: the runs q, q + 1 and q + 2, q = r or, after a leading "1-", r + 1
    let j = p;
    let q = r;
    if (c === 49 && isSep(at(s, p + 1))) {
      j = p + 2;
      q = r + 1;
    }
    // a failed digit start: the rest of its digit run is preceded by a digit, skip it
    if (!(q + 2 <= rn && rs[q] === j && re[q] === j + 2 && isSep(at(s, j + 3)) && rs[q + 1] === j + 4 && re[q + 1] === j + 6 && isSep(at(s, j + 7)) && rs[q + 2] === j + 8 && re[q + 2]! >= j + 11)) return [null, re[r]! + 1];
    e = j + 11;
    t = q + 2;
  }
  if (at(s, e + 1) === 32 && at(s, e + 2) === 120 && t < rn && rs[t + 1] === e + 3) e = re[t + 1]!;
  if (ALNUM.has(at(s, e + 1))) return NO;
  return [p, e];
}
function dPhone(s: string): string {
  // every phone has a '+', a '(', a '-' or a '.': without them, no scan
  if (!/[+(.-]/.test(s)) return s;
  // candidates: each digit run, after the '+' or '(' right before it
  const nr = digitRuns(s);
  let from = 1;
  let last = 1;
  let out: string[] | null = null;
  for (let r = 1; r <= nr; r++) {
    const p = rs[r]!;
    let m: [number, number] | [null, number?] = NO;
    const c = at(s, p - 1);
    if ((c === 43 || c === 40) && p - 1 >= from) m = mPhone(s, r, p - 1);
    if (m[0] === null && p >= from) {
      m = mPhone(s, r, p);
      if (m[0] === null && m[1] !== undefined) from = m[1];
    }
    if (m[0] !== null) {
      (out ??= []).push(sub(s, last, m[0] - 1), TOKEN.phone);
      last = m[1] + 1;
      from = m[1] + 1;
    }
  }
  if (!out) return s;
  out.push(sub(s, last));
  return out.join("");
}

function v6Groups(h: string): number {
  if (h === "") return 0;
  let c = 0;
  let len = 0;
  for (let i = 1; i <= h.length + 1; i++) {
    const b = at(h, i);
    if (b === 58 || b === 0) {
      if (len < 1 || len > 4) return -1;
      c++;
      len = 0;
    } else len++;
  }
  return c;
}
const mIpv6: Match = (s, p, last) => {
  let a = p;
  while (a - 1 >= last && p - a < 39 && (HEX.has(at(s, a - 1)) || at(s, a - 1) === 58)) a--;
  let e = p;
  while (e - a < 40 && (HEX.has(at(s, e + 1)) || at(s, e + 1) === 58)) e++;
  const skip: [null, number] = [null, e + 2];
  if (e - a >= 39) {
    // too long: every colon of the whole maximal run fails too, skip past its end
    while (HEX.has(at(s, e + 1)) || at(s, e + 1) === 58) e++;
    return [null, e + 2];
  }
  if (ALNUM.has(at(s, a - 1)) || at(s, a - 1) === 58 || ALNUM.has(at(s, e + 1)) || at(s, e + 1) === 58 || at(s, e + 1) === 46) return skip;
  const x = sub(s, a, e);
  if (!/[0-9A-Fa-f]/.test(x) || x.includes(":::")) return skip;
  const dbl = findPlain(x, "::", 1);
  if (dbl !== null) {
    if (findPlain(x, "::", dbl + 1) !== null) return skip;
    const l = v6Groups(sub(x, 1, dbl - 1));
    const r = v6Groups(sub(x, dbl + 2));
    if (l < 0 || r < 0 || l + r > 7) return skip;
  } else if (v6Groups(x) !== 8) return skip;
  return [a, e];
};

/** The value of the 1 to 3 digits a..b. */
function octet(s: string, a: number, b: number): number {
  let v = digit(s, a);
  if (b > a) v = v * 10 + digit(s, a + 1);
  if (b > a + 1) v = v * 10 + digit(s, a + 2);
  return v;
}
const mIpv4: RunMatch = (s, r) => {
  const p = rs[r]!;
  const skip: [null, number] = [null, re[r]! + 1];
  if (ALNUM.has(at(s, p - 1)) || at(s, p - 1) === 46 || r + 3 > rn) return skip;
  // four runs of 1 to 3 digits, each at most 255, joined by single dots
  for (let o = r; o <= r + 3; o++) {
    if (re[o]! - rs[o]! > 2 || octet(s, rs[o]!, re[o]!) > 255) return skip;
    if (o < r + 3 && !(at(s, re[o]! + 1) === 46 && rs[o + 1] === re[o]! + 2)) return skip;
  }
  const j = re[r + 3]! + 1;
  if (ALNUM.has(at(s, j)) || (at(s, j) === 46 && DIGIT.has(at(s, j + 1)))) return skip;
  const from = Math.max(1, p - 10);
  if (lower(sub(s, from, p - 1)).includes("version")) return skip;
  return [p, j - 1];
};

export const DETECTORS: Record<DetectorId, (s: string) => string> = {
  private_key: dPrivateKey,
  jwt: (s) => run(s, s, plain("eyJ"), mJwt, TOKEN.jwt),
  bearer_token: (s) => run(s, lower(s), plain("bearer"), mBearer, TOKEN.bearer_token),
  database_url: (s) => run(s, s, plain("://"), mDbUrl, TOKEN.database_url),
  secret_kv: dSecretKv,
  api_key: dApiKey,
  email: dEmail,
  iban: (s) => run(s, s, classFinder(UPPER), mIban, TOKEN.iban),
  credit_card: (s) => runRuns(s, mCard, TOKEN.credit_card),
  // every SSN has a '-' or a space
  us_ssn: (s) => (!/[- ]/.test(s) ? s : runRuns(s, mSsn, TOKEN.us_ssn)),
  phone: dPhone,
  ipv6: (s) => run(s, s, plain(":"), mIpv6, TOKEN.ipv6),
  // every address has a dot
  ipv4: (s) => (!s.includes(".") ? s : runRuns(s, mIpv4, TOKEN.ipv4)),
};
