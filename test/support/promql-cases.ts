/** PromQL texts for both tiers of issue #18's finding 4 (test/promql-bytes.test.ts and
 * test/consumer/hostile-text.test.ts): what svcspec must reject, at which text, and why. */
import type { PromqlKind } from "../../src/validate/promql.js";

/** `sum(rate(errors_total[5m]))` to lezer, `sum(rate(errors_total[5m])) * 0` to Prometheus. */
export const SILENCED = "sum(rate(errors_total[5m])) # note\r * 0";

/** Why a text is rejected: `lexer`, Prometheus rejects it too (lezer accepted it before); `embed`,
 * Prometheus accepts it alone but not inside svcspec's expressions; `control`, a control
 * character, which no query may hold (Prometheus may accept it inside a string). */
export type Reason = "lexer" | "embed" | "control";

export const REJECTED: [text: string, kind: PromqlKind, at: string, reason: Reason][] = [
  ["sum(rate(x[5m])) # note", "expr", "#", "embed"],
  ['x{job="a"} # trailing', "selector", "#", "embed"],
  ["sum(rate(x[$window])) # c\n", "windowQuery", "#", "embed"],
  ["x\u00a0+ 1", "expr", "\u00a0", "lexer"],
  ["x\u3000+ 1", "expr", "\u3000", "lexer"],
  ["x\u2028+ 1", "expr", "\u2028", "lexer"],
  ["x\u0085+ 1", "expr", "\u0085", "lexer"],
  ["x\u000b+ 1", "expr", "\u000b", "lexer"],
  ["x\u000c+ 1", "expr", "\u000c", "lexer"],
  ['x{a="b\u0000"}', "selector", "\u0000", "control"],
  ['x{a="b\u007f"}', "selector", "\u007f", "control"],
  ['x{a="\ufeff"}', "selector", "\ufeff", "control"],
  ['x{a="\ufffd"}', "selector", "\ufffd", "lexer"],
  ['x{a="b\\q"}', "selector", "\\q", "lexer"],
  ["x{a='b\\\"'}", "selector", '\\"', "lexer"],
  ['x{a="\\777"}', "selector", "\\777", "lexer"],
  ['x{a="\\xZ1"}', "selector", "\\xZ1", "lexer"],
  ['x{a="\\ud800"}', "selector", "\\ud800", "lexer"],
  ['x{a="\\U00110000"}', "selector", "\\U00110000", "lexer"],
  ['{a="b\\q"}', "labelMatchers", "\\q", "lexer"],
  ['sum(rate(x{a="\\q"}[$window]))', "windowQuery", "\\q", "lexer"],
];

export const ACCEPTED: [text: string, kind: PromqlKind][] = [
  ['sum(rate(x{a="é \\u00e9 \\x41 \\101 \\U0001F600 \\\\ \\" \\n"}[5m]))', "expr"],
  ["x{a='it\\'s'}", "selector"],
  ["x{a=`raw \\q \u00a0`}", "selector"],
  ['x{a="\u00a0 \u3000 \u{1F600}"}', "selector"],
  ["sum by (job) (\n\trate(x[$window])\n)", "windowQuery"],
  ['{job="a", le!=""}', "labelMatchers"],
];

/** The text as a standalone expression Prometheus can evaluate. */
export function asExpression(text: string, kind: PromqlKind): string {
  return kind === "labelMatchers" ? `m${text}` : kind === "windowQuery" ? text.split("$window").join("5m") : text;
}
