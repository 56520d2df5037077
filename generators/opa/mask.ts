/** The data of the decision-log mask (mask.rego, package system.log): per service with access
 * rules, the PII fields its resources declare and the subject attribute names whose values the
 * log must not hold (the Organization's sensitiveAttributes and the service's sensitive keys, in
 * the sensitive-key form mask.rego compares). A service without access rules has no policy, so no
 * decision of it is logged but with its whole input erased (mask.rego fails closed). */
import type { Model } from "../../src/model/model.js";
import { sensitiveKeyForm } from "../../src/pii/policy.js";

export interface LogMaskData {
  services: Record<string, { piiFields: string[]; sensitive: string[] }>;
}

export function logMaskData(model: Model): LogMaskData {
  const services: LogMaskData["services"] = {};
  for (const s of model.services) {
    if (!s.access) continue;
    const piiFields = [...new Set(s.access.resources.flatMap((r) => r.piiFields))].sort();
    const sensitive = [...new Set([...model.organization.access.sensitiveAttributes, ...s.pii.sensitiveKeys].map(sensitiveKeyForm))].sort();
    services[s.id] = { piiFields, sensitive };
  }
  return { services };
}
