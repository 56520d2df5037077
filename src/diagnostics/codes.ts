/** The catalog of diagnostic codes. Codes are stable: tools and people search for them, so a code
 * is never reused for another meaning. Each entry says what the code covers. */
export const CODES = {
  // files and YAML
  SVC001: "YAML syntax error",
  SVC002: "spec folder missing or holds no spec files",
  SVC003: "document is empty or not a mapping",
  SVC004: "docs template override broken (folder, template name, Handlebars syntax, helper, partial or field)",
  SVC005: "policies cannot be compiled or evaluated (opa missing, a Rego error, a rule that fails)",
  SVC006: "text holds a character no output can carry (a lone surrogate)",
  SVC007: "YAML aliases expand too far or into themselves",
  SVC008: "a Sloth or OpenSLO document, not a svcspec one (run svcspec import)",
  SVC009: "spec file cannot be read (permissions, a looping or dangling link, not a regular file)",
  // JSON Schema (shape)
  SVC010: "required field missing",
  SVC011: "unknown field",
  SVC012: "wrong type",
  SVC013: "value not allowed",
  SVC014: "value does not match the expected format",
  SVC015: "number out of range",
  SVC016: "list or map size or uniqueness",
  SVC017: "fields that exclude each other or need each other",
  SVC018: "receiver lacks a setting Alertmanager needs",
  // identity and uniqueness
  SVC020: "more than one Organization",
  SVC021: "duplicate service name",
  SVC022: "duplicate name within a list",
  // references
  SVC030: "unknown team",
  SVC031: "unknown tier",
  SVC032: "unknown role",
  SVC033: "unknown network",
  SVC034: "unknown load scenario",
  SVC035: "unknown cache class",
  SVC036: "unknown access resource",
  SVC037: "action not declared by the resource",
  SVC038: "team has no receiver for a severity its services alert with",
  SVC039: "field not declared as PII of the resource",
  // units and arithmetic
  SVC040: "invalid duration",
  SVC041: "SLO window is not a whole number of days",
  SVC042: "percentage out of range",
  SVC043: "burn-rate windows out of order",
  SVC044: "invalid latency threshold",
  SVC045: "alert tier can never fire",
  SVC046: "deploy policy does not cover every budget",
  SVC047: "objective written as a fraction (0.9995 instead of 99.95)",
  // PromQL
  SVC050: "PromQL syntax error",
  SVC051: "query SLI without $window",
  SVC052: "expected a series selector",
  SVC053: "label reserved by svcspec",
  SVC054: "label matcher regex above the limits (repeat count, size written out)",
  // chaos (Chaos Mesh admission-webhook rules the CRD schema does not enforce)
  SVC060: "chaos mode needs a value",
  SVC061: "chaos value invalid for its mode",
  SVC062: "invalid cron schedule",
  SVC063: "steady state without a load scenario",
  // pii
  SVC070: "custom PII pattern outside the supported regex subset",
  SVC071: "custom PII pattern disagrees with its examples",
  SVC072: "duplicate PII field path",
  // access
  SVC080: "invalid CIDR",
  SVC081: "unknown time zone",
  SVC082: "schedule window empty or reversed",
  SVC083: "access test request invalid",
  SVC084: "access test expectation fails (the rules decide otherwise)",
  // load
  SVC090: "invalid k6 threshold condition",
  SVC091: "threshold tag names no request of the scenario",
  SVC092: "arrival-rate VUs inconsistent",
  // cache
  SVC095: "duplicate or unreachable cache route",
  // svcspec import (Sloth, OpenSLO)
  SVC100: "cannot import: the construct has no svcspec equivalent and its SLO (or document) is left out",
  SVC101: "not carried over by the import: the rest imports without it",
  SVC102: "changed by the import to fit svcspec (a name, a label svcspec sets, a semantic difference)",
  // output folder (build, check)
  SVC110: "output path refused: a symbolic link, or not a regular file in real folders",
  SVC111: "output folder locked by another build",
  SVC112: "output folder cannot be read or written (permission, read-only or full file system)",
  SVC113: "manifest entry outside the output folder ignored",
  // input bounds (src/load/bounds.ts)
  SVC120: "spec file larger than the bound (4 MiB)",
  SVC121: "more documents in one spec file than the bound (1,000)",
  SVC122: "nested deeper than the bound (64 levels)",
  // log-level policy
  SVC140: "an error log level dropped or sampled (errors are always kept)",
} as const;

export type Code = keyof typeof CODES;

/** The hint a diagnostic gets when its check has nothing more specific to say. */
export function defaultHint(code: string): string {
  switch (code) {
    case "SVC010":
      return "add the field; `svcspec schema` lists every field with its meaning";
    case "SVC011":
      return "remove the field or fix its spelling; `svcspec schema` lists the allowed fields";
    case "SVC012":
    case "SVC013":
    case "SVC014":
    case "SVC015":
    case "SVC016":
    case "SVC017":
      return "see the field's description in `svcspec schema` (editors show it through the yaml-language-server modeline)";
    default:
      return "see the spec language reference (docs/spec-language.md)";
  }
}
