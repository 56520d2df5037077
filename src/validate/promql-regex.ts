/** The regexes of PromQL label matchers (`=~`, `!~`), held to the limits under which svcspec can
 * solve them in linear time and Prometheus (Go's regexp) compiles them: counts up to 1000 and a
 * program of at most RE2_MAX_SIZE states once counts are written out. `((a{1000}){1000}){1000}`
 * is a located error here instead of a RangeError (or minutes of work) at build. */
import type { parser } from "@prometheus-io/lezer-promql";
import { unquote } from "../util/promql-string.js";
import { parseRe2 } from "../util/re2.js";

export interface RegexProblem {
  /** Offset into the PromQL text as the user wrote it. */
  offset: number;
  message: string;
}

/** The first matcher regex of `source` (a PromQL expression as parsed into `tree`, `prefix`
 * included: `m` before bare label matchers) that is outside the limits, or null; offsets exclude
 * the prefix. Regexes svcspec does not read (flag groups, \Q) are Prometheus's to judge. The tree
 * is checkPromql's (src/validate/promql.ts): a query is parsed once. */
export function regexProblemInTree(source: string, tree: ReturnType<typeof parser.parse>, prefix: string): RegexProblem | null {
  let problem: RegexProblem | null = null;
  tree.iterate({
    enter(node) {
      if (problem) return false;
      if (node.name !== "UnquotedLabelMatcher" && node.name !== "QuotedLabelMatcher") return undefined;
      const op = node.node.getChild("MatchOp");
      const str = node.node.getChild("StringLiteral");
      if (!op || !str || !["=~", "!~"].includes(source.slice(op.from, op.to))) return false;
      const value = unquote(source.slice(str.from, str.to));
      if (value === null) return false;
      const re = parseRe2(value);
      if (!re.ok && !re.unsupported) {
        // offsets inside the value point into the literal when it has no escapes before them
        const inLiteral = value === source.slice(str.from + 1, str.to - 1) ? re.offset + 1 : 0;
        problem = { offset: Math.max(0, str.from + inLiteral - prefix.length), message: `label matcher regex \`${value.length > 40 ? value.slice(0, 40) + "…" : value}\`: ${re.message}` };
      }
      return false;
    },
  });
  return problem;
}
