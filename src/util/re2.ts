/** PromQL label-matcher regexes (RE2 syntax, as Prometheus compiles them with Go's regexp), read
 * with limits and matched in linear time. The compiler runs these regexes when it solves label
 * values for the generated promtool tests; JavaScript's backtracking engine takes exponential time
 * on `(a|a)*` and a string of a's, and `((a{1000}){1000}){1000}` is a billion states. Here a regex
 * is parsed into a Thompson NFA, counted repetitions written out, and its size bounded (Go itself
 * refuses counts above 1000 and programs that large); matching simulates the NFA, one pass over
 * the text: O(text x states).
 *
 * Read: literals, `.`, escapes (\d \w \s and negations, \pN, \p{Greek}, \x{...}, punctuation),
 * classes `[...]` (ranges, negation, escapes, [:alpha:]), groups `( )` `(?: )` `(?P<name> )`,
 * alternation, `* + ? {n} {n,} {n,m}` (lazy forms too), anchors `^ $ \A \z \b \B`. Anything else
 * (flag groups such as `(?i)`, \Q...\E, \C) is "unsupported": no limit is claimed for it and a
 * matcher answers null (cannot tell). A class's membership of one character is asked of
 * JavaScript (a single-character test cannot backtrack). */

export const RE2_MAX_REPEAT = 1000;
/** States of the written-out program; Prometheus's own matchers are a few dozen. */
export const RE2_MAX_SIZE = 10_000;

export type Re2Result = { ok: true; size: number; fullMatch(text: string): boolean } | { ok: false; offset: number; message: string; unsupported: boolean };

type Node =
  | { t: "char"; test: (cp: number) => boolean }
  | { t: "assert"; kind: "^" | "$" | "b" | "B" }
  | { t: "cat"; items: Node[] }
  | { t: "alt"; items: Node[] }
  | { t: "rep"; item: Node; min: number; max: number; at: number };

class Stop {
  constructor(
    readonly offset: number,
    readonly message: string,
    readonly unsupported = false,
  ) {}
}

function isWord(cp: number): boolean {
  return (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || cp === 0x5f;
}

/** Go's Perl classes are ASCII; \s is [\t\n\f\r ]. */
const PERL: Record<string, (cp: number) => boolean> = {
  d: (c) => c >= 0x30 && c <= 0x39,
  w: isWord,
  s: (c) => c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d || c === 0x20,
};

function jsClass(source: string, at: number): (cp: number) => boolean {
  let re: RegExp;
  try {
    re = new RegExp(`^${source}$`, "u");
  } catch {
    throw new Stop(at, `character class \`${source}\` cannot be read`, true);
  }
  const cache = new Map<number, boolean>();
  return (cp) => {
    let v = cache.get(cp);
    if (v === undefined) cache.set(cp, (v = re.test(String.fromCodePoint(cp))));
    return v;
  };
}

const POSIX: Record<string, string> = {
  alnum: "0-9A-Za-z", alpha: "A-Za-z", ascii: "\\x00-\\x7F", blank: "\\t ", cntrl: "\\x00-\\x1F\\x7F", digit: "0-9", graph: "!-~",
  lower: "a-z", print: " -~", punct: "!-\\/:-@\\[-`{-~", space: "\\t\\n\\v\\f\\r ", upper: "A-Z", word: "0-9A-Za-z_", xdigit: "0-9A-Fa-f",
};

function parse(src: string): Node {
  const cps = [...src];
  // offsets in UTF-16 units, for locating a problem in the spec string
  const offsets: number[] = [];
  let o = 0;
  for (const c of cps) {
    offsets.push(o);
    o += c.length;
  }
  offsets.push(o);
  let i = 0;
  const at = () => offsets[i] ?? o;
  const peek = (k = 0) => cps[i + k];

  const alternation = (): Node => {
    const items = [sequence()];
    while (peek() === "|") {
      i++;
      items.push(sequence());
    }
    return items.length === 1 ? items[0]! : { t: "alt", items };
  };
  const sequence = (): Node => {
    const items: Node[] = [];
    while (i < cps.length && peek() !== "|" && peek() !== ")") {
      const start = at();
      let node = atom();
      for (;;) {
        const q = quantifier(start);
        if (!q) break;
        if (node.t === "assert") throw new Stop(start, "a quantifier cannot repeat an anchor or a word boundary", true);
        node = { t: "rep", item: node, min: q.min, max: q.max, at: start };
      }
      items.push(node);
    }
    return { t: "cat", items };
  };
  const quantifier = (start: number): { min: number; max: number } | null => {
    const c = peek();
    let q: { min: number; max: number } | null = null;
    if (c === "*") q = { min: 0, max: Infinity };
    else if (c === "+") q = { min: 1, max: Infinity };
    else if (c === "?") q = { min: 0, max: 1 };
    if (q) i++;
    else if (c === "{") {
      const m = /^\{([0-9]+)(,([0-9]*))?\}/.exec(cps.slice(i).join(""));
      if (!m) return null; // Go reads a `{` that starts no count as a literal
      const min = Number(m[1]);
      const max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]);
      if (min > RE2_MAX_REPEAT || (max !== Infinity && max > RE2_MAX_REPEAT)) throw new Stop(start, `repeat count above ${RE2_MAX_REPEAT} (Go's regexp refuses it)`);
      if (max < min) throw new Stop(start, `repeat count {${min},${max}}: the maximum is below the minimum`);
      i += [...m[0]].length;
      q = { min, max };
    }
    if (q && peek() === "?") i++; // lazy: the same language, and a full match is all we ask
    return q;
  };
  const atom = (): Node => {
    const start = at();
    const c = peek()!;
    i++;
    if (c === "(") {
      if (peek() === "?") {
        const rest = cps.slice(i).join("");
        const named = /^\?P?<[A-Za-z_][A-Za-z0-9_]*>/.exec(rest);
        if (rest.startsWith("?:")) i += 2;
        else if (named) i += [...named[0]].length;
        else throw new Stop(start, "flag groups such as (?i) are not read by svcspec", true);
      }
      const inner = alternation();
      if (peek() !== ")") throw new Stop(start, "unclosed group `(`");
      i++;
      return inner;
    }
    if (c === ")") throw new Stop(start, "unopened `)`");
    if (c === "[") return { t: "char", test: charClass(start) };
    if (c === ".") return { t: "char", test: (cp) => cp !== 0x0a };
    if (c === "^") return { t: "assert", kind: "^" };
    if (c === "$") return { t: "assert", kind: "$" };
    if (c === "*" || c === "+" || c === "?") throw new Stop(start, `missing argument to repetition operator \`${c}\``);
    if (c === "\\") return escape(start);
    const cp = c.codePointAt(0)!;
    return { t: "char", test: (x) => x === cp };
  };
  const escape = (start: number): Node => {
    const e = peek();
    if (e === undefined) throw new Stop(start, "trailing backslash");
    i++;
    if (e === "A") return { t: "assert", kind: "^" };
    if (e === "z") return { t: "assert", kind: "$" };
    if (e === "b" || e === "B") return { t: "assert", kind: e };
    const lower = e.toLowerCase();
    if (PERL[lower]) {
      const f = PERL[lower]!;
      return { t: "char", test: e === lower ? f : (cp) => !f(cp) };
    }
    if (e === "p" || e === "P") {
      const m = /^(\{\^?[A-Za-z_]+\}|[A-Za-z])/.exec(cps.slice(i).join(""));
      if (!m) throw new Stop(start, "malformed \\p class", true);
      i += m[0].length;
      const name = m[0].startsWith("{") ? m[0].slice(1, -1) : m[0];
      const negated = (e === "P") !== name.startsWith("^");
      return { t: "char", test: jsClass(`\\${negated ? "P" : "p"}{${name.replace(/^\^/, "")}}`, start) };
    }
    if (e === "x") {
      const m = /^(\{[0-9A-Fa-f]{1,6}\}|[0-9A-Fa-f]{2})/.exec(cps.slice(i).join(""));
      if (!m) throw new Stop(start, "malformed \\x escape");
      i += m[0].length;
      const cp = parseInt(m[0].replace(/[{}]/g, ""), 16);
      return { t: "char", test: (x) => x === cp };
    }
    const simple: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
    if (simple[e] !== undefined) {
      const cp = simple[e]!;
      return { t: "char", test: (x) => x === cp };
    }
    if (/[0-9A-Za-z]/.test(e)) throw new Stop(start, `escape \\${e} is not read by svcspec`, true);
    const cp = e.codePointAt(0)!;
    return { t: "char", test: (x) => x === cp };
  };
  const charClass = (start: number): ((cp: number) => boolean) => {
    // the class's text, translated for JavaScript: POSIX classes written out, Perl classes ASCII
    let body = "";
    let first = true;
    if (peek() === "^") {
      body += "^";
      i++;
    }
    for (;;) {
      const c = peek();
      if (c === undefined) throw new Stop(start, "missing closing `]`");
      if (c === "]" && !first) {
        i++;
        break;
      }
      first = false;
      if (c === "[" && peek(1) === ":") {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(cps.slice(i).join(""));
        const set = m ? POSIX[m[2]!] : undefined;
        if (!m || set === undefined || m[1]) throw new Stop(at(), "POSIX class not read by svcspec", true);
        body += set;
        i += m[0].length;
        continue;
      }
      if (c === "\\") {
        const e = peek(1);
        if (e === undefined) throw new Stop(at(), "trailing backslash");
        if ("dwsDWS".includes(e)) body += { d: "0-9", w: "0-9A-Za-z_", s: "\\t\\n\\f\\r ", D: "", W: "", S: "" }[e]!;
        if ("DWS".includes(e)) throw new Stop(at(), "negated Perl classes inside [ ] are not read by svcspec", true);
        else if (!"dwsDWS".includes(e)) body += `\\${e}`;
        i += 2;
        continue;
      }
      body += c === "[" || c === "/" || c === "-" && (peek(1) === "]" || body === "" || body === "^") ? `\\${c}` : c;
      i++;
    }
    return jsClass(`[${body}]`, start);
  };

  const tree = alternation();
  if (i < cps.length) throw new Stop(at(), "unopened `)`");
  return tree;
}

/** States of the written-out program (what Go's compiler would emit, roughly). */
function sizeOf(n: Node): number {
  switch (n.t) {
    case "char":
    case "assert":
      return 1;
    case "cat":
      return n.items.reduce((s, x) => s + sizeOf(x), 0);
    case "alt":
      return n.items.reduce((s, x) => s + sizeOf(x), 0) + n.items.length - 1;
    case "rep": {
      const copies = n.max === Infinity ? Math.max(n.min, 1) : n.max;
      return sizeOf(n.item) * Math.max(copies, 1) + copies;
    }
  }
}

function checkSize(n: Node): number {
  // bottom-up, so that a nested repetition is refused before its product overflows
  if (n.t === "cat" || n.t === "alt") n.items.forEach(checkSize);
  if (n.t === "rep") checkSize(n.item);
  const size = sizeOf(n);
  if (size > RE2_MAX_SIZE) throw new Stop(n.t === "rep" ? n.at : 0, `the regex writes out to ${size > 1e9 ? "over a billion" : size} states (nested or large counts); at most ${RE2_MAX_SIZE}`);
  return size;
}

// Thompson NFA
type State = { k: "char"; test: (cp: number) => boolean; out: number } | { k: "split"; a: number; b: number } | { k: "assert"; kind: "^" | "$" | "b" | "B"; out: number } | { k: "match" };

function compile(root: Node): State[] {
  const states: State[] = [];
  const add = (s: State) => states.push(s) - 1;
  // builds n so that it continues to `next`; returns its entry state
  const build = (n: Node, next: number): number => {
    switch (n.t) {
      case "char":
        return add({ k: "char", test: n.test, out: next });
      case "assert":
        return add({ k: "assert", kind: n.kind, out: next });
      case "cat":
        return n.items.reduceRight((to, item) => build(item, to), next);
      case "alt":
        return n.items.slice(1).reduce((entry, item) => add({ k: "split", a: entry, b: build(item, next) }), build(n.items[0]!, next));
      case "rep": {
        // x{2,4} is x x (x (x)?)?: the optional copies nest, each may skip to what follows
        let entry = next;
        if (n.max === Infinity) {
          const loop = add({ k: "split", a: -1, b: next });
          (states[loop] as { a: number }).a = build(n.item, loop);
          entry = loop;
        } else for (let k = n.min; k < n.max; k++) entry = add({ k: "split", a: build(n.item, entry), b: next });
        for (let k = 0; k < n.min; k++) entry = build(n.item, entry);
        return entry;
      }
    }
  };
  const match = add({ k: "match" });
  const start = build(root, match);
  states.push({ k: "split", a: start, b: start }); // the entry, last
  return states;
}

function simulate(states: State[], text: string): boolean {
  const cps = [...text].map((c) => c.codePointAt(0)!);
  const entry = states.length - 1;
  let current = new Set<number>();
  const close = (set: Set<number>, s: number, pos: number) => {
    const stack = [s];
    while (stack.length) {
      const x = stack.pop()!;
      if (set.has(x)) continue;
      set.add(x);
      const st = states[x]!;
      if (st.k === "split") stack.push(st.b, st.a);
      else if (st.k === "assert") {
        const before = pos > 0 && isWord(cps[pos - 1]!);
        const after = pos < cps.length && isWord(cps[pos]!);
        const holds = st.kind === "^" ? pos === 0 : st.kind === "$" ? pos === cps.length : st.kind === "b" ? before !== after : before === after;
        if (holds) stack.push(st.out);
      }
    }
  };
  close(current, entry, 0);
  for (let pos = 0; pos < cps.length && current.size; pos++) {
    const next = new Set<number>();
    for (const x of current) {
      const st = states[x]!;
      if (st.k === "char" && st.test(cps[pos]!)) close(next, st.out, pos + 1);
    }
    current = next;
  }
  return [...current].some((x) => states[x]!.k === "match");
}

/** Reads an RE2 regex within the limits; `fullMatch` is Prometheus's anchored match. */
export function parseRe2(source: string): Re2Result {
  try {
    const tree = parse(source);
    const size = checkSize(tree);
    const states = compile(tree);
    return { ok: true, size, fullMatch: (text) => simulate(states, text) };
  } catch (e) {
    if (e instanceof Stop) return { ok: false, offset: e.offset, message: e.message, unsupported: e.unsupported };
    throw e;
  }
}
