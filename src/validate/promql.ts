import { parser } from "@prometheus-io/lezer-promql";
import { closest } from "../util/suggest.js";
import { UNSAFE_CHAR } from "../util/text.js";
import { type RegexProblem, regexProblemInTree } from "./promql-regex.js";

export interface PromqlProblem {
  /** Offset into the text as the user wrote it. */
  offset: number;
  message: string;
  /** What to do, when the problem is more specific than a syntax error. */
  hint?: string;
}

/** What a PromQL string in the spec must be:
 * - `selector`: a series selector (`metric{label="x"}`): svcspec applies rate() itself;
 * - `labelMatchers`: just `{...}`, appended to a histogram name;
 * - `windowQuery`: any expression, `$window` replaced by each alert window. */
export type PromqlKind = "selector" | "labelMatchers" | "windowQuery" | "expr";

/** The functions of Prometheus 2.42 (promql/parser/functions.go), the version outputs target: the
 * PromQL grammar svcspec parses with is newer and knows functions 2.42 rejects. */
export const PROMQL_FUNCTIONS: ReadonlySet<string> = new Set([
  "abs", "absent", "absent_over_time", "acos", "acosh", "asin", "asinh", "atan", "atanh", "avg_over_time", "ceil",
  "changes", "clamp", "clamp_max", "clamp_min", "cos", "cosh", "count_over_time", "day_of_month", "day_of_week",
  "day_of_year", "days_in_month", "deg", "delta", "deriv", "exp", "floor", "histogram_count", "histogram_fraction",
  "histogram_quantile", "histogram_sum", "holt_winters", "hour", "idelta", "increase", "irate", "label_join",
  "label_replace", "last_over_time", "ln", "log10", "log2", "max_over_time", "min_over_time", "minute", "month", "pi",
  "predict_linear", "present_over_time", "quantile_over_time", "rad", "rate", "resets", "round", "scalar", "sgn",
  "sin", "sinh", "sort", "sort_desc", "sqrt", "stddev_over_time", "stdvar_over_time", "sum_over_time", "tan", "tanh",
  "time", "timestamp", "vector", "year",
]);

const WINDOW = "$window";
// as long as `$window`, so offsets in the parsed text are the user's
const WINDOW_STANDIN = "999999m";

/** What checkPromql finds: a syntax or compatibility problem, else (`regex`) a label matcher regex
 * outside the limits Prometheus compiles. The query is parsed once for both. */
export interface PromqlCheck {
  problem: PromqlProblem | null;
  regex: RegexProblem | null;
}

export function checkPromql(text: string, kind: PromqlKind): PromqlProblem | null {
  return promqlProblem(text, kind).problem;
}

export function checkPromqlFully(text: string, kind: PromqlKind): PromqlCheck {
  const problem = promqlProblem(text, kind);
  return problem.tree ? { problem: null, regex: regexProblemInTree(problem.source, problem.tree, problem.prefix) } : { problem: problem.problem, regex: null };
}

type Tree = ReturnType<typeof parser.parse>;

function promqlProblem(text: string, kind: PromqlKind): { problem: PromqlProblem; tree?: undefined } | { problem: null; tree: Tree; source: string; prefix: string } {
  const control = controlCharacter(text);
  if (control) return { problem: control };
  const source = kind === "windowQuery" ? text.replaceAll(WINDOW, WINDOW_STANDIN) : text;
  let prefix = "";
  if (kind === "labelMatchers") {
    if (!text.trimStart().startsWith("{")) return { problem: { offset: 0, message: "label matchers must be written in braces, like {job=\"api\"}" } };
    prefix = "m";
  }
  const tree = parser.parse(prefix + source);
  let errorAt: number | null = null;
  tree.iterate({
    enter(node) {
      if (errorAt !== null) return false;
      if (node.type.isError) {
        errorAt = node.from;
        return false;
      }
      return undefined;
    },
  });
  const back = (o: number) => Math.max(0, o - prefix.length);
  let newerFunction: { at: number; name: string } | null = null;
  tree.iterate({
    enter(node) {
      if (newerFunction !== null) return false;
      if (node.name !== "FunctionIdentifier") return undefined;
      const name = (prefix + source).slice(node.from, node.to);
      if (!PROMQL_FUNCTIONS.has(name)) newerFunction = { at: back(node.from), name };
      return false;
    },
  });
  if (errorAt !== null) {
    const at = back(errorAt);
    const unknown = unknownFunction(text, at);
    if (unknown) return { problem: unknown };
    const near = text.slice(at, at + 20).split("\n")[0];
    return { problem: { offset: Math.min(at, text.length), message: near ? `PromQL syntax error near \`${near}\`` : "PromQL syntax error at the end of the expression (unfinished expression?)" } };
  }
  if (newerFunction !== null) {
    const { at, name } = newerFunction as { at: number; name: string };
    return { problem: { offset: at, message: `function \`${name}\` is newer than Prometheus 2.42, which svcspec's outputs target` } };
  }
  const disagreement = lexerDisagreement(prefix + source, tree);
  if (disagreement) return { problem: { ...disagreement, offset: Math.min(back(disagreement.offset), text.length) } };
  const top = tree.topNode.firstChild;
  if (!top) return { problem: { offset: 0, message: "empty PromQL expression" } };
  if (kind === "selector" && top.name !== "VectorSelector") {
    return { problem: { offset: 0, message: "expected a series selector such as http_requests_total{job=\"api\"}; svcspec applies rate() and sum() itself" } };
  }
  return { problem: null, tree, source: prefix + source, prefix };
}

/** A name followed by `(` where the parser failed is a call of a function PromQL does not have. */
function unknownFunction(text: string, at: number): PromqlProblem | null {
  const call = /([a-zA-Z_][a-zA-Z0-9_]*)\s*$/.exec(text.slice(0, at));
  if (!call || !/^\s*\(/.test(text.slice(at))) return null;
  const name = call[1]!;
  if (PROMQL_FUNCTIONS.has(name) || AGGREGATIONS.has(name)) return null;
  const near = closest(name, [...PROMQL_FUNCTIONS, ...AGGREGATIONS]);
  return { offset: at - call[0].length, message: `unknown function \`${name}\`${near ? `, did you mean \`${near}\`?` : ""}` };
}

const AGGREGATIONS = new Set(["sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile"]);
// ---------------------------------------------------------------------------------------------
// Where lezer-promql and Prometheus's Go lexer read the same bytes differently. svcspec validates
// with the first and Prometheus runs the second, so each such byte is an error here.

/** A character Prometheus reads differently from lezer, or that no output may carry raw (the
 * unsafe characters of src/util/text.ts, CR among them: Go ends a `#` comment at `\r`, lezer only
 * at `\n`, so `x # note\r * 0` is `x * 0` to Prometheus), and U+FFFD, which Go's lexer takes for
 * invalid UTF-8 inside a string. */
function controlCharacter(text: string): PromqlProblem | null {
  const m = CONTROL.exec(text);
  if (!m) return null;
  const code = `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
  return {
    offset: m.index,
    message: `character ${code} in PromQL: Prometheus reads it differently from svcspec's parser (a carriage return ends a # comment for Prometheus only)`,
    hint: `remove it; inside a PromQL string, write it as an escape (\\u${code.slice(2).toLowerCase()})`,
  };
}
const CONTROL = new RegExp(`${UNSAFE_CHAR.source}|\\ufffd`, "u");

/** On a tree without syntax errors: a `#` comment (svcspec embeds the query in larger expressions,
 * on one line, where the comment would swallow the rest); a string escape Go's lexer rejects
 * (lezer takes a backslash before any character); a non-ASCII character between tokens (lezer
 * skips every Unicode space, Prometheus only space, tab and line breaks). Offsets are in `text`. */
function lexerDisagreement(text: string, tree: ReturnType<typeof parser.parse>): PromqlProblem | null {
  let problem: PromqlProblem | null = null;
  const strings: [number, number][] = [];
  tree.iterate({
    enter(node) {
      if (problem) return false;
      if (node.name === "LineComment") {
        problem = { offset: node.from, message: "a # comment in a spec query: svcspec embeds the query in larger expressions, where the comment would swallow the rest of the line", hint: "write the note as a YAML comment, outside the string" };
      } else if (node.name === "StringLiteral") {
        strings.push([node.from, node.to]);
        problem = stringProblem(text, node.from, node.to);
      }
      return undefined;
    },
  });
  if (problem) return problem;
  let s = 0;
  for (let i = 0; i < text.length; i++) {
    while (s < strings.length && strings[s]![1] <= i) s++;
    if (s < strings.length && strings[s]![0] <= i) {
      i = strings[s]![1] - 1;
      continue;
    }
    if (text.charCodeAt(i) > 0x7e) {
      const code = text.charCodeAt(i).toString(16).toUpperCase().padStart(4, "0");
      return { offset: i, message: `character U+${code} outside a string: Prometheus separates tokens by spaces, tabs and line breaks only`, hint: "replace it with a plain space" };
    }
  }
  return null;
}

/** Go's escapes in a `"` or `'` string (Prometheus's lexEscape): `\a \b \f \n \r \t \v \\`, the
 * string's own quote, three octal digits up to 377, `\x` and two hex digits, `\u` four and `\U`
 * eight, naming a code point that is no surrogate. Backquoted strings have no escapes. */
function stringProblem(text: string, from: number, to: number): PromqlProblem | null {
  const quote = text[from];
  if (quote === "`") return null;
  if (to - from < 2 || text[to - 1] !== quote) return { offset: from, message: "unterminated string in PromQL" };
  const escape = quote === '"' ? DOUBLE_QUOTED_ESCAPE : SINGLE_QUOTED_ESCAPE;
  for (let i = text.indexOf("\\", from + 1); i !== -1 && i < to - 1; i = text.indexOf("\\", i + 1)) {
    escape.lastIndex = i;
    const m = escape.exec(text);
    const [simple, octal, hex] = [m?.[1], m?.[2], m?.[3] ?? m?.[4] ?? m?.[5]];
    const value = octal !== undefined ? parseInt(octal, 8) : hex !== undefined ? parseInt(hex, 16) : 0;
    const max = octal !== undefined || m?.[3] !== undefined ? 0xff : 0x10ffff;
    if (!m || (simple === undefined && (value > max || (value >= 0xd800 && value <= 0xdfff)))) {
      return {
        offset: i,
        message: `escape \`${text.slice(i, i + 2)}\` in a PromQL string: Prometheus does not accept it`,
        hint: `write the character itself or one of Go's escapes: \\n \\t \\\\ \\${quote} \\xHH \\uHHHH \\UHHHHHHHH, octal \\OOO up to \\377`,
      };
    }
    i += m[0].length - 1;
  }
  return null;
}
const escapes = (quote: string) => new RegExp(`\\\\(?:([abfnrtv\\\\${quote}])|([0-7]{3})|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))`, "y");
const DOUBLE_QUOTED_ESCAPE = escapes('"');
const SINGLE_QUOTED_ESCAPE = escapes("'");

/** Whether a query uses `$window` (a query SLI that does not cannot vary by window). */
export function usesWindow(text: string): boolean {
  return text.includes(WINDOW);
}
