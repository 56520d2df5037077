/** Lowers the restricted regex subset (src/model/pii-pattern.ts) to Lua patterns, one per
 * top-level alternative. Both engines apply the alternatives one after the other, each replacing
 * all its matches, so the TypeScript reference (branchRegExps) and the Lua agree by construction.
 *
 * Mapping: `\d` -> `%d`; `\w` -> `[%w_]` (JS `\w` includes `_`, Lua `%w` does not); `\s` -> `%s`;
 * `.` -> `[^\n]`; `x{n,m}` -> n copies of x then (m-n) copies of `x?`; `x{n,}` -> n copies then `x*`;
 * `\b` -> a frontier `%f[%w_]` before a word item or `%f[^%w_]` after one; `^`/`$` stay anchors. */
import type { Atom, Branch, PiiPattern, SetItem } from "../model/pii-pattern.js";

export class LoweringError extends Error {}

/** Alphanumerics stand for themselves; any other character is escaped with `%` (always valid). */
function litChar(ch: string): string {
  return /[A-Za-z0-9]/.test(ch) ? ch : `%${ch}`;
}

/** A range endpoint inside a Lua set must be a plain character. */
function rangeEnd(ch: string): string {
  if (ch === "]" || ch === "%") throw new LoweringError(`a range ending in \`${ch}\` cannot be lowered to a Lua set`);
  return ch;
}

function escapeItem(cls: string, inSet: boolean): string {
  switch (cls) {
    case "d":
      return "%d";
    case "D":
      return "%D";
    case "s":
      return "%s";
    case "S":
      return "%S";
    case "w":
      return inSet ? "%w_" : "[%w_]";
    case "W":
      if (inSet) throw new LoweringError("`\\W` inside a [set] cannot be lowered to a Lua pattern");
      return "[^%w_]";
  }
  throw new LoweringError(`unsupported escape \\${cls}`);
}

function setItem(it: SetItem): string {
  if (it.kind === "escape") return escapeItem(it.class, true);
  return it.from === it.to ? litChar(it.from) : `${rangeEnd(it.from)}-${rangeEnd(it.to)}`;
}

function atomLua(a: Atom): string {
  switch (a.kind) {
    case "char":
      return litChar(a.ch);
    case "any":
      return "[^\n]";
    case "escape":
      return escapeItem(a.class, false);
    case "set":
      return `[${a.negated ? "^" : ""}${a.items.map(setItem).join("")}]`;
  }
}

function isWordish(a: Atom): boolean {
  if (a.kind === "char") return /\w/.test(a.ch);
  if (a.kind === "escape") return a.class === "d" || a.class === "w";
  if (a.kind === "set") return !a.negated && a.items.every((it) => (it.kind === "escape" ? it.class === "d" || it.class === "w" : /^\w$/.test(it.from) && /^\w$/.test(it.to) && !(it.from <= "Z" && it.to >= "a")));
  return false;
}

export function lowerBranch(b: Branch): string {
  let out = b.anchoredStart ? "^" : "";
  b.pieces.forEach((p, i) => {
    if (p.kind === "boundary") {
      const next = b.pieces[i + 1];
      const prev = b.pieces[i - 1];
      if (next?.kind === "atom" && next.min >= 1 && isWordish(next.atom)) out += "%f[%w_]";
      else if (prev?.kind === "atom" && prev.min >= 1 && isWordish(prev.atom)) out += "%f[^%w_]";
      else throw new LoweringError("`\\b` must stand next to a required word character to lower to a Lua frontier");
      return;
    }
    const item = atomLua(p.atom);
    for (let k = 0; k < p.min; k++) out += item;
    if (p.max === Infinity) out += `${item}*`;
    else for (let k = p.min; k < p.max; k++) out += `${item}?`;
  });
  if (b.anchoredEnd) out += "$";
  return out;
}

/** One Lua pattern per alternative. */
export function lowerPattern(p: PiiPattern): string[] {
  return p.branches.map(lowerBranch);
}

/** The JavaScript twins, one global RegExp per alternative, applied in the same order. */
export function branchRegExps(p: PiiPattern, toRegExp: (p: PiiPattern) => RegExp): RegExp[] {
  return p.branches.map((b) => toRegExp({ branches: [b] }));
}

/** A replacement text as a Lua gsub replacement (only `%` is special there). */
export function luaReplacement(text: string): string {
  return text.replace(/%/g, "%%");
}
