/** The redaction policy: the Fluent Bit generator prints it as redact.lua's data tables, the test
 * oracle (test/oracle) interprets it. Derived from the Model only (lower() applied every default). */
import { PII_DETECTORS } from "../model/defaults.js";
import type { Model } from "../model/model.js";
import type { DetectorId } from "../model/pii-catalogue.js";
import { parsePiiPattern, type PiiPattern } from "../model/pii-pattern.js";
import { lowerPattern, type LuaProgram } from "./lua-pattern.js";

export type FieldAction = "hash" | "last4" | "drop" | "mask";

export interface PolicyPattern {
  name: string;
  /** One alternative of the source pattern, parsed. */
  branch: PiiPattern;
  /** The alternative as redact.lua's matcher reads it. */
  program: LuaProgram;
  /** Taken literally by both engines. */
  replace: string;
}

export interface Policy {
  name: string | null;
  namespace: string | null;
  selector: [string, string][];
  detectors: DetectorId[];
  fields: { path: string[]; action: FieldAction }[];
  patterns: PolicyPattern[];
}

export function ordered(ids: readonly string[]): DetectorId[] {
  return PII_DETECTORS.filter((d) => ids.includes(d));
}

export function policies(model: Model): { services: Policy[]; fallback: Policy } {
  const fallback: Policy = { name: null, namespace: null, selector: [], detectors: ordered(model.organization.pii.defaults), fields: [], patterns: [] };
  const services = model.services.map((s): Policy => ({
    name: s.name,
    namespace: s.namespace,
    selector: s.selector,
    detectors: ordered([...model.organization.pii.defaults, ...s.pii.detectors]),
    fields: s.pii.fields.map((f) => ({ path: f.path.split("."), action: f.action })),
    patterns: s.pii.patterns.flatMap((p) => {
      const parsed = parsePiiPattern(p.match);
      if (!parsed.ok) throw new Error(`internal: pattern ${p.name} of ${s.name} did not validate: ${parsed.reason}`);
      const programs = lowerPattern(parsed.pattern);
      return parsed.pattern.branches.map((b, i) => ({ name: p.name, branch: { branches: [b] }, program: programs[i]!, replace: p.replace }));
    }),
  }));
  return { services, fallback };
}
