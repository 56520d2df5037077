import { parser } from "@prometheus-io/lezer-promql";
import { closest } from "../util/suggest.js";

export interface PromqlProblem {
  /** Offset into the text as the user wrote it. */
  offset: number;
  message: string;
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
const WINDOW_STANDIN = "5m";

export function checkPromql(text: string, kind: PromqlKind): PromqlProblem | null {
  let source = text;
  const shifts: number[] = []; // offsets (in the replaced text) after which 5 chars were removed
  if (kind === "windowQuery") {
    let i = 0;
    let out = "";
    while (i < text.length) {
      if (text.startsWith(WINDOW, i)) {
        out += WINDOW_STANDIN;
        shifts.push(out.length);
        i += WINDOW.length;
      } else out += text[i++];
    }
    source = out;
  }
  let prefix = "";
  if (kind === "labelMatchers") {
    if (!text.trimStart().startsWith("{")) return { offset: 0, message: "label matchers must be written in braces, like {job=\"api\"}" };
    prefix = "m";
  }
  const parsed = source + "";
  const tree = parser.parse(prefix + parsed);
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
  const back = (o: number) => {
    const local = Math.max(0, o - prefix.length);
    return local + shifts.filter((s) => s <= local).length * (WINDOW.length - WINDOW_STANDIN.length);
  };
  let newerFunction: { at: number; name: string } | null = null;
  tree.iterate({
    enter(node) {
      if (newerFunction !== null) return false;
      if (node.name !== "FunctionIdentifier") return undefined;
      const name = (prefix + parsed).slice(node.from, node.to);
      if (!PROMQL_FUNCTIONS.has(name)) newerFunction = { at: back(node.from), name };
      return false;
    },
  });
  if (errorAt !== null) {
    const at = back(errorAt);
    const unknown = unknownFunction(text, at);
    if (unknown) return unknown;
    const near = text.slice(at, at + 20).split("\n")[0];
    return { offset: Math.min(at, text.length), message: near ? `PromQL syntax error near \`${near}\`` : "PromQL syntax error at the end of the expression (unfinished expression?)" };
  }
  if (newerFunction !== null) {
    const { at, name } = newerFunction as { at: number; name: string };
    return { offset: at, message: `function \`${name}\` is newer than Prometheus 2.42, which svcspec's outputs target` };
  }
  const top = tree.topNode.firstChild;
  if (!top) return { offset: 0, message: "empty PromQL expression" };
  if (kind === "selector" && top.name !== "VectorSelector") {
    return { offset: 0, message: "expected a series selector such as http_requests_total{job=\"api\"}; svcspec applies rate() and sum() itself" };
  }
  return null;
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

/** Whether a query uses `$window` (a query SLI that does not cannot vary by window). */
export function usesWindow(text: string): boolean {
  return text.includes(WINDOW);
}
