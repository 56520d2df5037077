/** The Handlebars helpers the docs templates format values with. Each checks its arguments, so a
 * misspelt field (which Handlebars passes to a helper as undefined, even in strict mode) is a
 * located error instead of the word "undefined" in the docs. */
import { handlebars, type HelperDelegate } from "./handlebars.js";
import { formatPercent, Ratio } from "../../src/model/decimal.js";
import { formatDuration, humanSeconds } from "../../src/model/duration.js";
import { oneLine } from "../../src/render/chars.js";

type Kind = keyof typeof KINDS;

const KINDS = {
  decimal: (v: unknown) => v instanceof Ratio,
  milliseconds: (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0,
  count: (v: unknown) => Number.isSafeInteger(v),
  text: (v: unknown) => typeof v === "string",
  boolean: (v: unknown) => typeof v === "boolean",
  list: (v: unknown) => Array.isArray(v),
} as const;

/** The formatting a template may ask for, by helper name: `{{percent objective}}`. */
export const HELPERS = {
  /** A decimal as a percentage: 0.9995 -> `99.95%`. */
  percent: helper(["decimal"], (r: Ratio) => formatPercent(r)),
  /** Milliseconds as a Prometheus duration: `1h30m`, `30d`; 0 is `0s`. */
  duration: helper(["milliseconds"], (ms: number) => formatDuration(ms)),
  /** Exact seconds as human text: `2m 51.84s`, `2d 2h`. */
  seconds: helper(["decimal"], (s: Ratio) => humanSeconds(s)),
  /** Inline code that survives backticks and pipes inside the value. */
  code: helper(["text"], (t: string) => code(t)),
  /** Spec text inside Markdown: no line breaks of any kind (they would break a table) or other
   * unsafe characters (src/render/chars.ts), no pipes, no HTML. */
  md: helper(["text"], (t: string) => md(t)),
  yesNo: helper(["boolean"], (b: boolean) => (b ? "yes" : "no")),
  /** The items of a list, each as `md` writes it, joined by a separator: `{{join cidrs ", "}}`. */
  join: helper(["list", "text"], (items: unknown[], sep: string) => items.map((x) => md(String(x))).join(sep)),
  /** A count and its noun, plural unless 1: `{{plural testCount "access test"}}` -> `8 access tests`. */
  plural: helper(["count", "text"], (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`),
} as const;

export function md(text: string): string {
  return oneLine(text).replace(/\|/g, "\\|").replace(/</g, "&lt;");
}

export function code(text: string): string {
  const t = oneLine(text).replace(/\|/g, "\\|");
  return t.includes("`") ? `\`\` ${t} \`\`` : `\`${t}\``;
}

/** What Handlebars passes a helper last: `name` and `loc` locate the call; `ids` (compile option
 * `trackIds`) holds the argument expressions as written. */
export interface CallOptions {
  name: string;
  loc: unknown;
  ids?: unknown[];
}

// The typed function sees checked arguments only; the wrapper takes what Handlebars passes.
function helper<A extends unknown[]>(kinds: Kind[], fn: (...args: A) => string): HelperDelegate {
  return function (...args: unknown[]): string {
    const options = args.pop() as CallOptions;
    if (args.length !== kinds.length) {
      throw located(`\`${options.name}\` takes ${kinds.length} argument${kinds.length === 1 ? "" : "s"} (${kinds.join(", ")}), got ${args.length}`, options);
    }
    kinds.forEach((kind, i) => {
      const v = args[i];
      if (KINDS[kind](v)) return;
      const got = v === undefined ? "undefined: not a field of the view model here" : v === null ? "null (test it with #if first)" : JSON.stringify(v);
      throw located(`\`${options.name}\` expects ${kind === "text" ? "text" : `a ${kind}`} as argument ${i + 1}${written(options, i)}, got ${got}`, options);
    });
    return fn(...(args as A));
  };
}

/** ` (`field`)`: the argument as the template wrote it, when Handlebars tracked it. */
export function written(options: CallOptions, i: number): string {
  const id = options.ids?.[i];
  return typeof id === "string" && id ? ` (\`${id}\`)` : "";
}

/** A Handlebars exception carries the line and column of the node it is given. */
export function located(message: string, node: { loc: unknown }): Error {
  const Exception = handlebars().Exception as unknown as new (message: string, node: { loc: unknown }) => Error;
  return new Exception(message, node);
}
