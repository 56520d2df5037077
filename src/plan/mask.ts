/** `access.sensitiveAttributes`: the subject attributes OPA's decision logs mask. An attribute no
 * longer named is logged in clear (weakens) unless another entry still covers it: the mask matches
 * a name at its end (sensitiveKeyForm), against these and the `pii.sensitiveKeys`. */
import type { Organization } from "../model/model.js";
import { sensitiveKeyForm } from "../pii/policy.js";
import { type Change, change } from "./types.js";
import { listDiff } from "./words.js";

/** The entry of `keys` that masks an attribute named `name`, if any. */
function coveredBy(name: string, keys: readonly string[]): string | undefined {
  const form = sensitiveKeyForm(name);
  return keys.find((k) => form.endsWith(sensitiveKeyForm(k)));
}

export function decisionLogMaskChanges(b: Organization, a: Organization): Change[] {
  const { added, removed } = listDiff(b.access.sensitiveAttributes, a.access.sensitiveAttributes);
  const still = [...a.access.sensitiveAttributes, ...a.pii.sensitiveKeys];
  const out: Change[] = [];
  for (const name of removed) {
    const by = coveredBy(name, still);
    if (by !== undefined) out.push(change(null, "access", "neutral", `decision logs: sensitive attribute ${name} removed, but subject attributes ending in it stay masked (they end in ${by})`, name, null));
    else out.push(change(null, "access", "weakens", `decision logs: subject attribute ${name} no longer masked: OPA logs subject attributes named (or ending in) ${name} in clear, unless a service's pii.sensitiveKeys cover them`, name, null));
  }
  const before = [...b.access.sensitiveAttributes, ...b.pii.sensitiveKeys];
  for (const name of added) {
    const by = coveredBy(name, before);
    if (by !== undefined) out.push(change(null, "access", "neutral", `decision logs: sensitive attribute ${name} added; subject attributes ending in it were already masked (they end in ${by})`, null, name));
    else out.push(change(null, "access", "strengthens", `decision logs: subject attribute ${name} now masked: OPA logs subject attributes named (or ending in) ${name} as "[MASKED]"`, null, name));
  }
  return out;
}
