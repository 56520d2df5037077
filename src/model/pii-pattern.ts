/** Custom PII patterns: a restricted regex subset that lowers exactly to Lua patterns (LuaJIT has
 * no regex). Anything the subset cannot express is rejected with the offset of the construct, so
 * a pattern never silently fails to match in production.
 *
 * Supported: literals; `.`; escapes `\d \D \w \W \s \S` and escaped punctuation; classes `[...]`
 * with ranges and those escapes, negated with `^`; quantifiers `? * + {n} {n,} {n,m}` on one atom;
 * `^` and `$` anchors at the ends; `\b` word boundaries; top-level alternation `a|b` (at most 16
 * branches). Not supported: groups, nested alternation, lazy or possessive quantifiers,
 * lookarounds, backreferences, Unicode classes and non-ASCII characters. */

export type Atom =
  | { kind: "char"; ch: string }
  | { kind: "any" }
  | { kind: "escape"; class: "d" | "D" | "w" | "W" | "s" | "S" }
  | { kind: "set"; negated: boolean; items: SetItem[] };
export type SetItem = { kind: "range"; from: string; to: string } | { kind: "escape"; class: "d" | "D" | "w" | "W" | "s" | "S" };
export type Piece = { kind: "atom"; atom: Atom; min: number; max: number } | { kind: "boundary" };
export interface Branch {
  anchoredStart: boolean;
  anchoredEnd: boolean;
  pieces: Piece[];
}
export interface PiiPattern {
  branches: Branch[];
}

export type PatternResult = { ok: true; pattern: PiiPattern } | { ok: false; offset: number; reason: string };

export const MAX_BRANCHES = 16;
/** Counted repetitions unroll into Lua pattern items; keep generated patterns small. */
export const MAX_REPEAT = 64;

class Fail {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

export function parsePiiPattern(source: string): PatternResult {
  try {
    for (let i = 0; i < source.length; i++) {
      const code = source.charCodeAt(i);
      if (code > 0x7e || code < 0x20) throw new Fail(i, "only printable ASCII is supported");
    }
    const branches = splitTopLevel(source).map(({ text, start }) => parseBranch(text, start));
    if (branches.length > MAX_BRANCHES) throw new Fail(0, `at most ${MAX_BRANCHES} alternatives`);
    return { ok: true, pattern: { branches } };
  } catch (e) {
    if (e instanceof Fail) return { ok: false, offset: e.offset, reason: e.reason };
    throw e;
  }
}

function splitTopLevel(source: string): { text: string; start: number }[] {
  const out: { text: string; start: number }[] = [];
  let start = 0;
  let inSet = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === "[" && !inSet) inSet = true;
    else if (c === "]" && inSet) inSet = false;
    else if (c === "|" && !inSet) {
      out.push({ text: source.slice(start, i), start });
      start = i + 1;
    }
  }
  out.push({ text: source.slice(start), start });
  for (const b of out) if (!b.text) throw new Fail(b.start, "empty alternative");
  return out;
}

const ESCAPE_CLASSES = new Set(["d", "D", "w", "W", "s", "S"]);

function parseBranch(text: string, base: number): Branch {
  let i = 0;
  const pieces: Piece[] = [];
  let anchoredStart = false;
  let anchoredEnd = false;
  if (text[0] === "^") {
    anchoredStart = true;
    i = 1;
  }
  while (i < text.length) {
    const at = base + i;
    const c = text[i]!;
    if (c === "$") {
      if (i !== text.length - 1) throw new Fail(at, "`$` is only supported at the end of the pattern");
      anchoredEnd = true;
      i++;
      continue;
    }
    if (c === "^") throw new Fail(at, "`^` is only supported at the start of the pattern");
    if (c === "(" && /^\(\?<?[=!]/.test(text.slice(i))) throw new Fail(at, "lookarounds are not supported (Lua patterns cannot express them)");
    if (c === "(" || c === ")") throw new Fail(at, "groups `( )` are not supported: write the alternatives out with `|` at the top level");
    if (c === "|") throw new Fail(at, "nested alternation is not supported");
    if ("?*+{".includes(c)) throw new Fail(at, `quantifier \`${c}\` has nothing to repeat`);
    let atom: Atom;
    if (c === "\\") {
      const e = text[i + 1];
      if (e === undefined) throw new Fail(at, "trailing backslash");
      if (e === "b") {
        pieces.push({ kind: "boundary" });
        i += 2;
        continue;
      }
      atom = escapeAtom(e, at);
      i += 2;
    } else if (c === "[") {
      const end = parseSet(text, i, base);
      atom = end.atom;
      i = end.next;
    } else if (c === ".") {
      atom = { kind: "any" };
      i++;
    } else {
      atom = { kind: "char", ch: c };
      i++;
    }
    const q = parseQuantifier(text, i, base);
    i = q.next;
    pieces.push({ kind: "atom", atom, min: q.min, max: q.max });
  }
  if (!pieces.some((p) => p.kind === "atom")) throw new Fail(base, "the pattern matches nothing");
  return { anchoredStart, anchoredEnd, pieces };
}

function escapeAtom(e: string, at: number): Atom {
  if (ESCAPE_CLASSES.has(e)) return { kind: "escape", class: e as "d" };
  if (/[0-9]/.test(e)) throw new Fail(at, "backreferences are not supported");
  if (/[a-zA-Z]/.test(e)) throw new Fail(at, `\`\\${e}\` is not supported (use \\d \\w \\s, their negations, or a [set])`);
  return { kind: "char", ch: e };
}

function parseSet(text: string, start: number, base: number): { atom: Atom; next: number } {
  let i = start + 1;
  let negated = false;
  if (text[i] === "^") {
    negated = true;
    i++;
  }
  const items: SetItem[] = [];
  let first = true;
  while (i < text.length && (text[i] !== "]" || first)) {
    first = false;
    let from: string;
    if (text[i] === "\\") {
      const e = text[i + 1];
      if (e === undefined) throw new Fail(base + i, "trailing backslash");
      if (ESCAPE_CLASSES.has(e)) {
        items.push({ kind: "escape", class: e as "d" });
        i += 2;
        continue;
      }
      if (/[a-zA-Z0-9]/.test(e)) throw new Fail(base + i, `\`\\${e}\` is not supported inside a set`);
      from = e;
      i += 2;
    } else if (text[i] === "[" && text[i + 1] === ":") {
      throw new Fail(base + i, "POSIX classes like [:alpha:] are not supported");
    } else {
      from = text[i]!;
      i++;
    }
    if (text[i] === "-" && text[i + 1] !== undefined && text[i + 1] !== "]") {
      let to = text[i + 1]!;
      let width = 2;
      if (to === "\\") {
        to = text[i + 2] ?? "";
        width = 3;
      }
      if (!to || to < from) throw new Fail(base + i, `range ${from}-${to} runs backwards`);
      items.push({ kind: "range", from, to });
      i += width;
    } else items.push({ kind: "range", from, to: from });
  }
  if (text[i] !== "]") throw new Fail(base + start, "unclosed `[`");
  if (!items.length) throw new Fail(base + start, "empty set");
  return { atom: { kind: "set", negated, items }, next: i + 1 };
}

function parseQuantifier(text: string, i: number, base: number): { min: number; max: number; next: number } {
  const c = text[i];
  let q: { min: number; max: number; next: number } | null = null;
  if (c === "?") q = { min: 0, max: 1, next: i + 1 };
  else if (c === "*") q = { min: 0, max: Infinity, next: i + 1 };
  else if (c === "+") q = { min: 1, max: Infinity, next: i + 1 };
  else if (c === "{") {
    const m = /^\{([0-9]+)(,([0-9]*))?\}/.exec(text.slice(i));
    if (!m) throw new Fail(base + i, "malformed counted repetition (use {n}, {n,} or {n,m})");
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]);
    if (max < min) throw new Fail(base + i, `{${min},${max}}: the maximum is below the minimum`);
    if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT)) throw new Fail(base + i, `counts above ${MAX_REPEAT} are not supported`);
    q = { min, max, next: i + m[0].length };
  }
  if (!q) return { min: 1, max: 1, next: i };
  const after = text[q.next];
  if (after === "?" || after === "+") throw new Fail(base + q.next, "lazy and possessive quantifiers are not supported");
  if (after !== undefined && "*{".includes(after)) throw new Fail(base + q.next, "a quantifier cannot follow a quantifier");
  return q;
}

/** The JavaScript twin of the pattern: the reference the Lua lowering must agree with. */
export function toRegExp(p: PiiPattern): RegExp {
  const branch = (b: Branch) =>
    (b.anchoredStart ? "^" : "") +
    b.pieces.map((piece) => (piece.kind === "boundary" ? "\\b" : atomJs(piece.atom) + quantJs(piece.min, piece.max))).join("") +
    (b.anchoredEnd ? "$" : "");
  return new RegExp(p.branches.map(branch).join("|"), "g");
}

function atomJs(a: Atom): string {
  switch (a.kind) {
    case "char":
      return a.ch.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
    case "any":
      return "[^\\n]";
    case "escape":
      return `\\${a.class}`;
    case "set":
      return `[${a.negated ? "^" : ""}${a.items
        .map((it) => (it.kind === "escape" ? `\\${it.class}` : it.from === it.to ? escSet(it.from) : `${escSet(it.from)}-${escSet(it.to)}`))
        .join("")}]`;
  }
}

function escSet(c: string): string {
  return /[\\\]^-]/.test(c) ? `\\${c}` : c;
}

function quantJs(min: number, max: number): string {
  if (min === 1 && max === 1) return "";
  if (min === 0 && max === 1) return "?";
  if (min === 0 && max === Infinity) return "*";
  if (min === 1 && max === Infinity) return "+";
  if (max === Infinity) return `{${min},}`;
  return min === max ? `{${min}}` : `{${min},${max}}`;
}

// ---------------------------------------------------------------------------------------------
// Matching in linear time. A backtracking engine (JavaScript's, Lua's string.gsub) takes time
// polynomial in the input on patterns such as `[a-z]+[0-9]+` (5 s on a 32 KB value in LuaJIT);
// the subset has no groups, so the first match JavaScript's backtracking would find can be computed
// directly. For each piece from the last to the first, end[p] is where that match of the pieces
// from here on ends when it starts at p, or -1: a quantified item tries its largest count first, so
// end_i[p] = end_{i+1}[q] for the largest q in [p + min, p + min(max, run of the class at p)] with
// end_{i+1}[q] >= 0, and a running "last q that works" makes that one step per position. Time and
// memory O(length x pieces). The Lua filter runs the same algorithm (redact.lua, match_ends).

/** Which units a class sees. `utf16`: JavaScript's semantics on a string (validation of examples).
 * `bytes`: a byte string held one char per byte, as the Lua filter sees a value: a byte >= 0x80 is
 * in no positive class (\d \w \s, a literal, a range) and in every negated one (\D \W \S, [^...], .). */
export type Units = "utf16" | "bytes";

const JS_SPACE = /\s/;

function escapeHolds(cls: "d" | "D" | "w" | "W" | "s" | "S", c: number): boolean {
  const d = c >= 0x30 && c <= 0x39;
  const w = d || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
  const s = c < 0x80 ? c === 0x20 || (c >= 0x09 && c <= 0x0d) : JS_SPACE.test(String.fromCharCode(c));
  return { d, D: !d, w, W: !w, s, S: !s }[cls];
}

/** Whether a code unit is in an atom's class. */
export function atomHolds(a: Atom, code: number, units: Units = "utf16"): boolean {
  const c = units === "bytes" && code >= 0x80 ? 0x80 : code; // U+0080: in no positive class
  switch (a.kind) {
    case "char":
      return c === a.ch.charCodeAt(0);
    case "any":
      return c !== 0x0a;
    case "escape":
      return escapeHolds(a.class, c);
    case "set": {
      const inSet = a.items.some((it) => (it.kind === "escape" ? escapeHolds(it.class, c) : c >= it.from.charCodeAt(0) && c <= it.to.charCodeAt(0)));
      return inSet !== a.negated;
    }
  }
}

function isWordUnit(code: number): boolean {
  return escapeHolds("w", code);
}

/** end[p] (0 <= p <= text.length) of the first match of the branch starting at p, or -1; null
 * when no match starts anywhere (known as soon as a piece, from the last, fits nowhere). */
export function matchEnds(b: Branch, text: string, units: Units = "utf16"): Int32Array | null {
  const n = text.length;
  let next = new Int32Array(n + 1);
  let cur = new Int32Array(n + 1);
  const best = new Int32Array(n + 1);
  for (let p = 0; p <= n; p++) next[p] = !b.anchoredEnd || p === n ? p : -1;
  for (let i = b.pieces.length - 1; i >= 0; i--) {
    const piece = b.pieces[i]!;
    if (piece.kind === "boundary") {
      for (let p = 0; p <= n; p++) {
        const before = p > 0 && isWordUnit(text.charCodeAt(p - 1));
        const after = p < n && isWordUnit(text.charCodeAt(p));
        cur[p] = before !== after ? next[p]! : -1;
      }
    } else if (piece.min === 1 && piece.max === 1) {
      cur[n] = -1;
      for (let p = 0; p < n; p++) cur[p] = atomHolds(piece.atom, text.charCodeAt(p), units) ? next[p + 1]! : -1;
    } else {
      let last = -1;
      for (let q = 0; q <= n; q++) {
        if (next[q]! >= 0) last = q;
        best[q] = last;
      }
      let run = 0;
      for (let p = n; p >= 0; p--) {
        run = p < n && atomHolds(piece.atom, text.charCodeAt(p), units) ? run + 1 : 0;
        const q = best[p + Math.min(piece.max, run)]!;
        cur[p] = q >= p + piece.min ? next[q]! : -1;
      }
    }
    if (!cur.some((e) => e >= 0)) return null;
    [next, cur] = [cur, next];
  }
  return next;
}

/** The matches of one branch as String.prototype.replace with the g flag finds them: leftmost
 * first, the next search from the end of the last match (one further after an empty one). */
export function branchMatches(b: Branch, text: string, units: Units = "utf16"): [number, number][] {
  const ends = matchEnds(b, text, units);
  const out: [number, number][] = [];
  if (!ends) return out;
  for (let p = 0; p <= text.length; ) {
    const e = ends[p]!;
    if (e >= 0 && (p === 0 || !b.anchoredStart)) {
      out.push([p, e]);
      p = e > p ? e : p + 1;
    } else if (b.anchoredStart) break;
    else p++;
  }
  return out;
}

/** Every match of the branch replaced by `replacement` (taken literally). */
export function replaceBranch(b: Branch, text: string, replacement: string, units: Units = "utf16"): string {
  const parts: string[] = [];
  let last = 0;
  for (const [s, e] of branchMatches(b, text, units)) {
    parts.push(text.slice(last, s), replacement);
    last = e;
  }
  return parts.length ? parts.join("") + text.slice(last) : text;
}

/** Whether the pattern matches anywhere in `text` (RegExp.prototype.test), in linear time. */
export function matchesAnywhere(p: PiiPattern, text: string): boolean {
  return p.branches.some((b) => {
    const ends = matchEnds(b, text);
    return ends !== null && (b.anchoredStart ? ends[0]! >= 0 : true);
  });
}
