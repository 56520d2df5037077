/** Lowers the restricted regex subset (src/model/pii-pattern.ts) to the data of redact.lua's
 * linear-time matcher, one program per top-level alternative. Both engines apply the alternatives
 * one after the other, each replacing all its matches, and find the matches with the same
 * algorithm (matchEnds), so the TypeScript reference and the Lua agree by construction; the
 * consumer tier holds them to it. (Lua patterns and string.gsub are not used: their backtracking
 * takes time polynomial in the value, 5 s on 32 KB for `[a-z]+[0-9]+`.)
 *
 * A piece is a byte class, written as ranges (pairs of first and last byte, so `[0-9]` is "09"),
 * with its counts (max -1 for no bound), or a word boundary. Classes are computed from the subset's
 * meaning on bytes (atomHolds, units "bytes"): a byte >= 0x80 is in no positive class. */
import { atomHolds, type Atom, type Branch, type PiiPattern } from "../model/pii-pattern.js";

export type LuaPiece = { kind: "class"; ranges: string; min: number; max: number } | { kind: "boundary" };

export interface LuaProgram {
  anchorStart: boolean;
  anchorEnd: boolean;
  pieces: LuaPiece[];
  /** The longest run of single fixed bytes every match contains (`ORD-` of `ORD-[0-9]{8}`), or
   * null: a value without it cannot match, which a plain string.find tells at C speed. */
  literal: string | null;
}

/** The bytes of an atom's class as ranges, one char per byte (latin1). */
export function byteRanges(a: Atom): string {
  let out = "";
  for (let b = 0; b < 256; b++) {
    if (!atomHolds(a, b, "bytes")) continue;
    let e = b;
    while (e + 1 < 256 && atomHolds(a, e + 1, "bytes")) e++;
    out += String.fromCharCode(b, e);
    b = e;
  }
  return out;
}

export function lowerBranch(b: Branch): LuaProgram {
  const pieces = b.pieces.map((p): LuaPiece => (p.kind === "boundary" ? { kind: "boundary" } : { kind: "class", ranges: byteRanges(p.atom), min: p.min, max: p.max === Infinity ? -1 : p.max }));
  return { anchorStart: b.anchoredStart, anchorEnd: b.anchoredEnd, pieces, literal: requiredLiteral(pieces) };
}

function requiredLiteral(pieces: LuaPiece[]): string | null {
  let best = "";
  let run = "";
  for (const p of pieces) {
    const single = p.kind === "class" && p.min === 1 && p.max === 1 && p.ranges.length === 2 && p.ranges[0] === p.ranges[1];
    run = single ? run + p.ranges[0]! : "";
    if (run.length > best.length) best = run;
  }
  return best || null;
}

/** One program per alternative. */
export function lowerPattern(p: PiiPattern): LuaProgram[] {
  return p.branches.map(lowerBranch);
}
