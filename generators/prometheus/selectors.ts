/** Reading the spec's series selectors and finding label values that satisfy them: the generated
 * tests feed the rules raw counters that the SLI's own selectors match. */
import { parser } from "@prometheus-io/lezer-promql";
import type { MatchOp } from "../../src/render/promql.js";
import { memo } from "../../src/util/memo.js";
import { unquote } from "../../src/util/promql-string.js";
import { parseRe2, type Re2Result } from "../../src/util/re2.js";

export { unquote };

export interface Matcher {
  name: string;
  op: MatchOp;
  value: string;
}

export interface ParsedSelector {
  metric: string;
  matchers: Matcher[];
}

/** `metric{a="x",b=~"y"}` or `{...}` (metric ""), or null for anything else (offsets, quoted
 * names, a metric given twice). Remembered: every SLO's rules and tests read its selectors several
 * times. The result is shared and read-only. */
export const parseSelector: (text: string) => ParsedSelector | null = memo(parseSelectorText);

function parseSelectorText(text: string): ParsedSelector | null {
  const braces = text.trim().startsWith("{");
  const source = braces ? `m${text}` : text;
  const tree = parser.parse(source);
  const top = tree.topNode.firstChild;
  if (!top || top.name !== "VectorSelector" || top.nextSibling) return null;
  let bad = false;
  let ident = "";
  const matchers: Matcher[] = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError) bad = true;
      if (node.name === "Identifier" && node.node.parent?.name === "VectorSelector") ident = source.slice(node.from, node.to);
      if (node.name === "QuotedLabelMatcher" || node.name === "QuotedLabelName") bad = true;
      if (node.name === "UnquotedLabelMatcher") {
        const n = node.node;
        const name = n.getChild("LabelName");
        const op = n.getChild("MatchOp");
        const str = n.getChild("StringLiteral");
        const value = str ? unquote(source.slice(str.from, str.to)) : null;
        if (!name || !op || value === null) bad = true;
        else matchers.push({ name: source.slice(name.from, name.to), op: source.slice(op.from, op.to) as MatchOp, value });
        return false;
      }
      return undefined;
    },
  });
  if (bad) return null;
  const named = matchers.filter((m) => m.name === "__name__");
  let metric = braces ? "" : ident;
  if (named.length) {
    if (metric || named.length > 1 || named[0]?.op !== "=") return null;
    metric = named[0].value;
  }
  return { metric, matchers: matchers.filter((m) => m.name !== "__name__") };
}

const regexOf: (source: string) => Re2Result = memo(parseRe2);

/** Whether a label value (`""` for an absent label) satisfies a matcher. Regexes are anchored as
 * in Prometheus and matched in linear time (src/util/re2.ts: no backtracking, whatever the spec
 * wrote); one svcspec cannot read counts as unsatisfiable (null). */
export function satisfies(m: Matcher, value: string): boolean | null {
  if (m.op === "=") return value === m.value;
  if (m.op === "!=") return value !== m.value;
  const re = regexOf(m.value);
  if (!re.ok) return null;
  return re.fullMatch(value) === (m.op === "=~");
}

const EXAMPLE_LIMIT = 10_000;

/** A string the regex (RE2 syntax, the common subset) matches: the first alternative, each
 * quantified atom at its minimum count ("" past EXAMPLE_LIMIT characters). Checked by the caller. */
export function regexExample(re: string): string {
  let i = 0;
  const alternation = (): string => {
    const first = sequence();
    while (re[i] === "|") {
      i++;
      sequence();
    }
    return first;
  };
  const sequence = (): string => {
    let out = "";
    while (i < re.length && re[i] !== "|" && re[i] !== ")") {
      const a = atom();
      const q = re[i];
      if (q === "*" || q === "?") {
        i++;
        if (re[i] === "?") i++;
        continue;
      }
      if (q === "+") {
        i++;
        if (re[i] === "?") i++;
        out += a;
        continue;
      }
      if (q === "{") {
        const m = /^\{(\d+)(,\d*)?\}\??/.exec(re.slice(i));
        if (m) {
          i += m[0].length;
          // a count is at most 1000 and validation bounds the whole (RE2_MAX_SIZE); this bound
          // keeps an unvalidated regex from building a huge string
          if (a.length * Number(m[1]) + out.length > EXAMPLE_LIMIT) return "";
          out += a.repeat(Number(m[1]));
          continue;
        }
      }
      out += a;
    }
    return out;
  };
  const atom = (): string => {
    const c = re[i++] ?? "";
    if (c === "(") {
      if (re[i] === "?") {
        const m = /^\?(?::|P?<[A-Za-z_][A-Za-z0-9_]*>|[a-zA-Z]*:)/.exec(re.slice(i));
        i += m ? m[0].length : 1;
      }
      const inner = alternation();
      if (re[i] === ")") i++;
      return inner;
    }
    if (c === "[") {
      const end = re.indexOf("]", re[i] === "]" || (re[i] === "^" && re[i + 1] === "]") ? i + 2 : i);
      const body = re.slice(i, end < 0 ? re.length : end);
      i = end < 0 ? re.length : end + 1;
      if (body.startsWith("^")) return ["a", "x", "0", "_", "-"].find((ch) => !new RegExp(`[${body.slice(1)}]`, "u").test(ch)) ?? "";
      return body.startsWith("\\") ? classEscape(body[1] ?? "") : (body[0] ?? "");
    }
    if (c === "\\") return classEscape(re[i++] ?? "");
    if (c === ".") return "x";
    if (c === "^" || c === "$") return "";
    return c;
  };
  const classEscape = (e: string) => ({ d: "0", w: "a", s: " ", D: "a", W: "-", S: "a" })[e] ?? e;
  return alternation();
}

const GENERIC = ["svcspec", "x", "0", "200", "500", "5xx", "ok", "a", ""];

/** Label values for one series: every matcher of `pos` holds, `avoid` (a selector of the same
 * metric) does not match, and the labels in `nonEmpty` are present. Sorted by name; null when no
 * candidate works. */
export function solveLabels(pos: readonly Matcher[], avoid: readonly Matcher[] | null, nonEmpty: readonly string[] = []): [string, string][] | null {
  if (!avoid) return solveAll(pos, nonEmpty);
  for (const m of avoid) {
    const found = solveAll([...pos, { ...m, op: negate(m.op) }], nonEmpty);
    if (found) return found;
  }
  return null;
}

function negate(op: Matcher["op"]): Matcher["op"] {
  return op === "=" ? "!=" : op === "!=" ? "=" : op === "=~" ? "!~" : "=~";
}

function solveAll(matchers: readonly Matcher[], nonEmpty: readonly string[]): [string, string][] | null {
  const names = [...new Set([...matchers.map((m) => m.name), ...nonEmpty])].sort();
  const out: [string, string][] = [];
  for (const name of names) {
    const ms = matchers.filter((m) => m.name === name);
    const candidates = [...ms.filter((m) => m.op === "=").map((m) => m.value), ...ms.filter((m) => m.op === "=~").map((m) => regexExample(m.value)), ...GENERIC];
    const value = candidates.find((v) => (v !== "" || !nonEmpty.includes(name)) && ms.every((m) => satisfies(m, v) === true));
    if (value === undefined) return null;
    if (value !== "") out.push([name, value]);
  }
  return out;
}

/** Every vector selector of an expression, each parsed (null entries for ones we cannot read),
 * or null when the expression does not parse. */
export function vectorSelectors(expr: string): (ParsedSelector | null)[] | null {
  const tree = parser.parse(expr);
  const out: (ParsedSelector | null)[] = [];
  let bad = false;
  tree.iterate({
    enter(node) {
      if (node.type.isError) bad = true;
      if (node.name === "VectorSelector") {
        out.push(parseSelector(expr.slice(node.from, node.to)));
        return false;
      }
      return undefined;
    },
  });
  return bad ? null : out;
}

/** The metric names an expression's vector selectors read (null for one that does not parse as a
 * plain selector), or null when the expression does not parse. Remembered by the expression with
 * its label values blanked (withoutLabelValues): a service's name or job there is the only part
 * that differs between services' rules of one shape. */
export function metricsRead(expr: string): readonly (string | null)[] | null {
  return metricsReadMemo(withoutLabelValues(expr) ?? expr);
}

const metricsReadMemo = memo((expr: string) => vectorSelectors(expr)?.map((sel) => sel?.metric ?? null) ?? null);

/** `expr` with the value of every label matcher `name op "value"` emptied, where the name is not
 * `__name__` (whose value is the metric's name) and the value has no escape or line break (so it
 * reads the same whatever it holds); null when `expr` has a `#` comment or an unterminated string.
 * Outside strings and comments, a quote always opens a string in PromQL. */
export function withoutLabelValues(expr: string): string | null {
  let out = "";
  let i = 0;
  const special = /["'`#]/g;
  for (let m = special.exec(expr); m; m = special.exec(expr)) {
    const c = m[0];
    if (c === "#") return null;
    out += expr.slice(i, m.index);
    let end = m.index + 1;
    while (end < expr.length && expr[end] !== c) end += c !== "`" && expr[end] === "\\" ? 2 : 1;
    if (end >= expr.length) return null;
    const content = expr.slice(m.index + 1, end);
    const name = matcherNameBefore(out);
    out += name !== null && name !== "__name__" && !/[\\\n\r]/.test(content) ? c + c : expr.slice(m.index, end + 1);
    i = special.lastIndex = end + 1;
  }
  return out + expr.slice(i);
}

/** The label name of the matcher that `text` ends in (`name op` and spaces, op one of `=`, `!=`,
 * `=~`, `!~`), read backwards; null when it does not end in one. */
function matcherNameBefore(text: string): string | null {
  let i = text.length - 1;
  const skipSpaces = () => {
    while (i >= 0 && /\s/.test(text[i]!)) i--;
  };
  skipSpaces();
  if (text[i] === "~") {
    if (text[i - 1] !== "=" && text[i - 1] !== "!") return null;
    i -= 2;
  } else if (text[i] === "=") {
    if (text[i - 1] === "!") i -= 2;
    else if (text[i - 1] === "=" || text[i - 1] === "<" || text[i - 1] === ">") return null; // a comparison
    else i -= 1;
  } else return null;
  skipSpaces();
  const end = i + 1;
  while (i >= 0 && /[A-Za-z0-9_]/.test(text[i]!)) i--;
  const name = text.slice(i + 1, end);
  // a label name, not the end of a metric name with a colon
  return /^[A-Za-z_]/.test(name) && text[i] !== ":" ? name : null;
}
