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
