/** The redaction policy: the Fluent Bit generator prints it as redact.lua's data tables, the test
 * oracle (test/oracle) interprets it. Derived from the Model only (lower() applied every default). */
import { PII_DETECTORS } from "../model/defaults.js";
import type { Model } from "../model/model.js";
import type { DetectorId } from "../model/pii-catalogue.js";
import { parsePiiPattern, type PiiPattern } from "../model/pii-pattern.js";
import { lowerPattern, type LuaProgram } from "./lua-pattern.js";

export type FieldAction = "hash" | "last4" | "drop" | "mask";

/** How deep the JSON object of a log line may nest before redact.lua replaces the record by the
 * redaction-error stub: well below the 63 levels Fluent Bit's decoder lets through to later stages
 * (64 containers with the event wrapper), with room for the `log` map of clashing keys. */
export const LOG_JSON_MAX_DEPTH = 32;

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
  /** Sensitive key names, normalised (sensitiveKeyForm), without repeats. */
  sensitive: string[];
  fields: { path: string[]; action: FieldAction }[];
  patterns: PolicyPattern[];
}

/** A key name as the sensitive-key list compares it: ASCII lower case, without `-`, `_` and `.`. A
 * record key is sensitive when its form ends with the form of an entry. */
export function sensitiveKeyForm(k: string): string {
  return k.replace(/[A-Z]+/g, (m) => m.toLowerCase()).replace(/[-_.]/g, "");
}
const sensitiveForms = (keys: readonly string[]) => [...new Set(keys.map(sensitiveKeyForm))];

export function ordered(ids: readonly string[]): DetectorId[] {
  return PII_DETECTORS.filter((d) => ids.includes(d));
}

/** The default policy and the services' own, in name order (redact.lua takes the first entry whose
 * namespace and selector match a record's pod). */
export function policies(model: Model): { services: Policy[]; fallback: Policy } {
  const fallback: Policy = { name: null, namespace: null, selector: [], detectors: ordered(model.organization.pii.defaults), sensitive: sensitiveForms(model.organization.pii.sensitiveKeys), fields: [], patterns: [] };
  const services = model.services.map((s): Policy => ({
    name: s.name,
    namespace: s.namespace,
    selector: s.selector,
    detectors: ordered([...model.organization.pii.defaults, ...s.pii.detectors]),
    sensitive: sensitiveForms(s.pii.sensitiveKeys),
    fields: s.pii.fields.map((f) => ({ path: f.path.split("."), action: f.action })),
    patterns: s.pii.patterns.flatMap((p) => {
      const parsed = parsePiiPattern(p.match);
      if (!parsed.ok) throw new Error(`internal: pattern ${p.name} of ${s.name} did not validate: ${parsed.reason}`);
      const programs = lowerPattern(parsed.pattern);
      return parsed.pattern.branches.map((b, i) => ({ name: p.name, branch: { branches: [b] }, program: programs[i]!, replace: p.replace }));
    }),
  }));
  return { services: withEntries(services, fallback), fallback };
}

/** The services' policies that need an entry in redact.lua, in their order: those of their own,
 * and the default ones some later policy of their own could shadow (isDefault, shadowed). Linear
 * in the services but for the shadowing checks, which stop at the first match. */
export function withEntries(services: readonly Policy[], fallback: Policy): Policy[] {
  const defaults = services.map((p) => isDefault(p, fallback));
  // the services with a policy of their own, by namespace, in order: what can shadow a default one
  const own = new Map<string | null, number[]>();
  services.forEach((p, i) => {
    if (defaults[i]) return;
    const list = own.get(p.namespace);
    if (list) list.push(i);
    else own.set(p.namespace, [i]);
  });
  return services.filter((p, i) => !defaults[i] || shadowed(p, i, own.get(p.namespace) ?? [], services));
}

/** A service whose policy is the default needs no entry: its pods get the default either way, and
 * an entry would rewrite the filter (and roll every Fluent Bit pod) each time such a service is
 * added. It keeps one only where the entry decides something: when a later service of its
 * namespace with a policy of its own could match its pods too (the first matching entry wins). */
function isDefault(p: Policy, fallback: Policy): boolean {
  return p.fields.length === 0 && p.patterns.length === 0 && p.detectors.join() === fallback.detectors.join();
}

/** Whether a service after the `i`th with a policy of its own in p's namespace (`ownInNamespace`:
 * their indices, ascending) could match p's pods. */
function shadowed(p: Policy, i: number, ownInNamespace: readonly number[], all: readonly Policy[]): boolean {
  const labels = new Map(p.selector);
  // the first index after i (binary search), then the first match ends the search
  let lo = 0;
  let hi = ownInNamespace.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ownInNamespace[mid]! <= i) lo = mid + 1;
    else hi = mid;
  }
  for (let k = lo; k < ownInNamespace.length; k++) {
    // Another selector can match these pods unless it asks a label of theirs for another value.
    if (all[ownInNamespace[k]!]!.selector.every(([key, v]) => !labels.has(key) || labels.get(key) === v)) return true;
  }
  return false;
}
