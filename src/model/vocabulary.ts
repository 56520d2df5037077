/** Closed word lists of spec-v1 that code walks at run time (loops, orderings, tables). Their types
 * are the schema's (spec.generated.ts); test/spec-schema.test.ts holds each list equal to the
 * schema's enum, so a word added to the schema fails a test until the code lists it. */
import type * as S from "./spec.js";

export const SEVERITIES = ["page", "ticket"] as const satisfies readonly S.BurnRateAlert["severity"][];

/** In calendar order, the order schedules list their days in. */
export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const satisfies readonly S.Weekday[];

/** What a chaos experiment's `value` counts in each mode: pods, a percentage of them, or nothing. */
export const CHAOS_MODE_VALUES: Record<S.ChaosMode, "pods" | "percent" | null> = {
  one: null,
  all: null,
  fixed: "pods",
  "fixed-percent": "percent",
  "random-max-percent": "percent",
};
