/** What `svcspec plan` reports: the changes a spec edit makes in production, each classified, and
 * the generated files it touches. docs/reviewing-changes.md documents the JSON form. */
import type { Model } from "../model/model.js";
import type { FileSet } from "../output/fileset.js";

/** In the order a service's changes are listed; `other`: what the planner does not classify
 * (src/plan/other.ts), always neutral. */
export const AREAS = ["service", "slo", "alerting", "routing", "access", "pii", "logs", "load", "chaos", "cache", "other"] as const;
export type Area = (typeof AREAS)[number];

/** `weakens`: security or reliability is lower after the change (an alert fires later or not at
 * all, a request is newly allowed, a value is logged in clear, a test or check is gone);
 * `strengthens`: the opposite; `neutral`: it changes production without making it weaker or
 * stronger (a receiver's integration, a query, a profile). */
export const EFFECTS = ["weakens", "strengthens", "neutral"] as const;
export type Effect = (typeof EFFECTS)[number];

export interface Change {
  /** The service (its head name when renamed or kept, its base name when removed); null for
   * what the Organization decides for every service. */
  service: string | null;
  area: Area;
  effect: Effect;
  /** One line in the user's terms, with the values before and after. */
  summary: string;
  /** The value or setting before and after, as text; null where there is none (added, removed). */
  before: string | null;
  after: string | null;
}

export interface FileChanges {
  added: string[];
  changed: string[];
  deleted: string[];
}

export interface Plan {
  changes: Change[];
  /** By target (the first segment of the path in the output folder), targets with changes only. */
  files: Record<string, FileChanges>;
}

/** One side of the comparison: a compiled spec. */
export interface Side {
  model: Model;
  files: FileSet;
}

export function change(service: string | null, area: Area, effect: Effect, summary: string, before: string | null = null, after: string | null = null): Change {
  return { service, area, effect, summary, before, after };
}

/** weakens when a quantity where more is safer went down (or one where less is safer went up). */
export function direction(cmp: number, higherIsStronger: boolean): Effect {
  if (cmp === 0) return "neutral";
  return (cmp > 0) === higherIsStronger ? "strengthens" : "weakens";
}
