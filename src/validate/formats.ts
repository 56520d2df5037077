/** Domain formats of spec values (durations, cron lines, k6 thresholds, PromQL selectors, `$window`
 * queries, latencies), each registered once with its diagnostic code and hint.
 *
 * In the schema a format is the keyword `x-svcspec-format: <name>` next to a `pattern`. Editors
 * ignore the keyword and check the pattern; svcspec's validator (precompiled, schema-compile.ts) runs
 * it as a keyword that rejects what the pattern rejects, and a rejection is explained here in the
 * format's terms ("invalid duration at spec.slos[0].window: ...", SVC040, "e.g. 30s, 5m, 1h30m,
 * 1d") instead of "does not match ^([0-9]+(ms|s|...". The semantic checks that read further than a pattern can (unit order, cron
 * ranges, `$window` use) report with the same code and hint. */
import type { ErrorObject } from "ajv";
import type { Code } from "../diagnostics/codes.js";
import { displayPath, pointerToPath } from "../load/locate.js";
import { parseDuration } from "../model/duration.js";
import { cronProblem } from "./cron.js";
import { checkPromql } from "./promql.js";

export const FORMAT_KEYWORD = "x-svcspec-format";

/** What a format says about a value its pattern rejects. `offset`: the problem is at that
 * character of the string (PromQL). */
export interface FormatProblem {
  code: Code;
  message: string;
  hint: string;
  offset?: number;
}

export interface DomainFormat {
  code: Code;
  hint: string;
  /** Whether a value of another type than string is this format's mistake too (a latency written
   * as a bare number); otherwise the schema's type error stands. */
  explainsOtherTypes?: boolean;
  /** The problem with a rejected value at `where` (a display path), or null when the schema's own
   * message says it better. */
  explain(value: unknown, where: string): FormatProblem | null;
}

const SELECTOR_HINT = "svcspec wraps the selector in rate() and sum() itself";
const PROMQL_HINT = "check brackets, quotes and operators";

function duration(allowZero: boolean): DomainFormat {
  const format: DomainFormat = {
    code: "SVC040",
    hint: allowZero ? "e.g. 30s, 5m, 1h30m, or 0" : "e.g. 30s, 5m, 1h30m, 1d",
    explain(value, where) {
      if (typeof value !== "string") return null;
      const d = parseDuration(value, allowZero);
      const reason = d.ok ? `"${value}" is not allowed here` : d.reason;
      return { code: format.code, message: `invalid duration at ${where}: ${reason}`, hint: format.hint };
    },
  };
  return format;
}

export type FormatName = "duration" | "durationOrZero" | "latency" | "promSelector" | "windowQuery" | "k6Threshold" | "cron";

export const FORMATS: Record<FormatName, DomainFormat> = {
  duration: duration(false),
  durationOrZero: duration(true),
  latency: {
    code: "SVC044",
    hint: "write milliseconds or seconds, e.g. 300ms or 1.5s",
    explainsOtherTypes: true,
    explain(value, where) {
      const unitless = typeof value === "number" || /^[0-9.]+$/.test(String(value));
      return {
        code: "SVC044",
        message: `invalid latency ${JSON.stringify(value)} at ${where}${unitless ? ": the unit is missing" : ""}`,
        hint: unitless ? `add a unit: ${String(value)}ms or ${String(value)}s` : FORMATS.latency.hint,
      };
    },
  },
  promSelector: {
    code: "SVC052",
    hint: SELECTOR_HINT,
    explain(value) {
      if (typeof value !== "string") return null;
      const problem = checkPromql(value, "selector");
      if (!problem) return null;
      const selector = problem.message.startsWith("expected a series selector");
      return { code: selector ? "SVC052" : "SVC050", message: problem.message, hint: problem.hint ?? (selector ? SELECTOR_HINT : PROMQL_HINT), offset: problem.offset };
    },
  },
  windowQuery: {
    code: "SVC051",
    hint: "write the range as [$window] so each alert window gets its own rate, e.g. sum(rate(x_total[$window]))",
    explain: (value, where) => (typeof value === "string" ? { code: "SVC051", message: `${where} does not use $window`, hint: FORMATS.windowQuery.hint } : null),
  },
  k6Threshold: {
    code: "SVC090",
    hint: "e.g. p(95)<200, avg<100, rate<0.01, count>0",
    explain: (value) => (typeof value === "string" ? { code: "SVC090", message: `"${value}" is not a k6 threshold expression`, hint: FORMATS.k6Threshold.hint } : null),
  },
  cron: {
    code: "SVC062",
    hint: 'e.g. "0 10 * * 1-5" (weekdays at 10:00) or "@every 6h"',
    explain: (value) => (typeof value === "string" ? { code: "SVC062", message: `invalid cron schedule: ${cronProblem(value) ?? "not a cron line"}`, hint: FORMATS.cron.hint } : null),
  },
};

function isFormat(name: string): name is FormatName {
  return Object.hasOwn(FORMATS, name);
}

/** The format a FORMAT_KEYWORD is named with, or a schema bug. */
export function formatNamed(name: string): DomainFormat {
  if (!isFormat(name)) throw new Error(`schema: unknown ${FORMAT_KEYWORD} ${name}`);
  return FORMATS[name];
}

/** What the precompiled keyword (schema-compile.ts) reports: which format rejected the value. The
 * explanation is made here, from the error's value and path, so the generated validator carries
 * no code of svcspec's. */
export interface FormatRejection {
  format: FormatName;
}

/** The problem a FORMAT_KEYWORD error carries, or null when the format leaves the schema's own
 * error to say it (the value then counts as accepted by the keyword). */
export function formatProblem(e: ErrorObject): FormatProblem | null {
  if (e.keyword !== FORMAT_KEYWORD) return null;
  const { format } = e.params as FormatRejection;
  return formatNamed(format).explain(e.data, displayPath(pointerToPath(e.instancePath)));
}

/** A `pattern` or `type` error of a subschema with a domain format, where the format explained the
 * same value: the explanation replaces it. */
export function superseded(e: ErrorObject, all: readonly ErrorObject[]): boolean {
  if (e.keyword !== "pattern" && e.keyword !== "type") return false;
  const sibling = `${e.schemaPath.slice(0, e.schemaPath.lastIndexOf("/") + 1)}${FORMAT_KEYWORD}`;
  return all.some((x) => x.schemaPath === sibling && x.instancePath === e.instancePath);
}
