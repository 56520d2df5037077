import { parser } from "@prometheus-io/lezer-promql";

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
  if (errorAt !== null) {
    const at = back(errorAt);
    const near = text.slice(at, at + 20).split("\n")[0];
    return { offset: Math.min(at, text.length), message: near ? `PromQL syntax error near \`${near}\`` : "PromQL syntax error at the end of the expression (unfinished expression?)" };
  }
  const top = tree.topNode.firstChild;
  if (!top) return { offset: 0, message: "empty PromQL expression" };
  if (kind === "selector" && top.name !== "VectorSelector") {
    return { offset: 0, message: "expected a series selector such as http_requests_total{job=\"api\"}; svcspec applies rate() and sum() itself" };
  }
  return null;
}

/** Whether a query uses `$window` (a query SLI that does not cannot vary by window). */
export function usesWindow(text: string): boolean {
  return text.includes(WINDOW);
}
