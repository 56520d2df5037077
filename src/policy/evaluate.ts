/** Runs policy packs over the spec documents, in-process with @open-policy-agent/opa-wasm. Pure:
 * the packs arrive as bytes (the CLI reads and compiles them), the wasm reads nothing but its
 * input and data, and the time built-ins it may call read only their arguments.
 *
 * The input is one document as written (apiVersion, kind, metadata, spec); data.svcspec holds the
 * rest of the spec for rules across documents: `organization` (the Organization document, absent
 * when there is none), `services` (every Service document by name; left empty for a pack whose
 * Rego cannot read it, pack.ts readsServices) and `defaults.tiers` (the
 * tiers that apply when the Organization declares none). Each package svcspec.policies.<name>
 * defines `deny` (errors) and `warn` (warnings) as sets of strings or of {msg, path, hint}
 * objects, conftest's convention; `path` (keys and indexes into the document) locates the
 * diagnostic, else it points at the document's metadata.name. The code is the package's name. */
import * as sdk from "@open-policy-agent/opa-wasm";
import { TIME_BUILTINS } from "../access/wasm.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { locate, type PathSegment } from "../load/locate.js";
import type { SpecDocument } from "../load/source.js";
import { DEFAULT_TIERS } from "../model/defaults.js";
import { type PolicyPack, POLICIES_ENTRYPOINT } from "./pack.js";

/** The code of a policy pack that cannot be built, loaded or evaluated. */
export const POLICY_FAILURE = "SVC005";

type LoadedPolicy = ReturnType<typeof sdk.loadPolicySync>;

// The package's ESM entry exports loadPolicySync on its default export only (its types say it is
// a named export too).
const loadPolicySync: typeof sdk.loadPolicySync = ((sdk as unknown as { default?: typeof sdk }).default ?? sdk).loadPolicySync;

/** A fresh instance (its own memory and data) for each run. */
function instantiate(pack: PolicyPack): LoadedPolicy {
  return loadPolicySync(pack.wasm, undefined, TIME_BUILTINS);
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function kindOf(d: SpecDocument): unknown {
  return isObj(d.value) ? d.value["kind"] : undefined;
}

function nameOf(d: SpecDocument): unknown {
  return isObj(d.value) && isObj(d.value["metadata"]) ? d.value["metadata"]["name"] : undefined;
}

/** data.svcspec: the documents by role, as written (`services` empty for a pack that reads none). */
export function policyData(documents: readonly SpecDocument[], withServices = true): { svcspec: Obj } {
  const organization = documents.find((d) => kindOf(d) === "Organization");
  const services: Obj = {};
  if (withServices) for (const d of documents) if (kindOf(d) === "Service" && typeof nameOf(d) === "string") services[nameOf(d) as string] = d.value;
  return { svcspec: { ...(organization ? { organization: organization.value } : {}), services, defaults: { tiers: DEFAULT_TIERS } } };
}

/** The built-in rules the Organization switches off (spec.policies.disable). */
function disabledRules(data: { svcspec: Obj }): Set<string> {
  const org = data.svcspec["organization"];
  const spec = isObj(org) ? org["spec"] : undefined;
  const policies = isObj(spec) ? spec["policies"] : undefined;
  const disable = isObj(policies) ? policies["disable"] : undefined;
  return new Set(Array.isArray(disable) ? disable.filter((x): x is string => typeof x === "string") : []);
}

/** What an earlier run found (src/cache/validation.ts): documents in which a pack that reads no
 * Service documents found nothing under the same Organization. Such a pack's verdict on a document
 * depends on nothing else: its wasm, the document, the Organization and the built-in defaults. */
export interface PolicyMemo {
  quiet(pack: PolicyPack, d: SpecDocument, organization: unknown): boolean;
  foundNothing(pack: PolicyPack, d: SpecDocument, organization: unknown): void;
}

export function checkPolicies(documents: readonly SpecDocument[], packs: readonly PolicyPack[], memo?: PolicyMemo): Diagnostic[] {
  if (!packs.length || !documents.length) return [];
  const full = packs.some((p) => p.readsServices !== false) ? policyData(documents) : null;
  const lean = packs.some((p) => p.readsServices === false) ? policyData(documents, false) : null;
  const disabled = disabledRules((full ?? lean)!);
  const organization = documents.find((d) => kindOf(d) === "Organization")?.value ?? null;
  const out: Diagnostic[] = [];
  for (const pack of packs) {
    const remembered = pack.readsServices === false ? memo : undefined;
    const todo = remembered ? documents.filter((d) => !remembered.quiet(pack, d, organization)) : documents;
    if (!todo.length) continue;
    let policy: LoadedPolicy;
    try {
      policy = instantiate(pack);
      policy.setData(pack.readsServices === false ? lean! : full!);
    } catch (e) {
      out.push(failure(pack, `cannot be loaded: ${reason(e)}`));
      continue;
    }
    for (const doc of todo) {
      let tree: unknown;
      try {
        tree = (policy.evaluate(doc.value, POLICIES_ENTRYPOINT) as { result?: unknown }[])[0]?.result;
      } catch (e) {
        out.push(failure(pack, `failed on ${doc.source.path}: ${reason(e)}`));
        continue;
      }
      const found = isObj(tree) ? findings(tree, pack, disabled) : [];
      for (const f of found) out.push(toDiagnostic(doc, pack, f.name, f.severity, f.result));
      if (!found.length) remembered?.foundNothing(pack, doc, organization);
    }
  }
  return out;
}

/** The deny and warn results of one evaluation, without the built-in rules the Organization switched off. */
function findings(tree: Obj, pack: PolicyPack, disabled: ReadonlySet<string>): { name: string; severity: Diagnostic["severity"]; result: unknown }[] {
  const out: { name: string; severity: Diagnostic["severity"]; result: unknown }[] = [];
  for (const [key, severity] of [["deny", "error"], ["warn", "warning"]] as const) {
    const byName = tree[key];
    if (!isObj(byName)) continue;
    for (const [name, results] of Object.entries(byName)) {
      if ((pack.builtin && disabled.has(name)) || !Array.isArray(results)) continue;
      for (const result of results) out.push({ name, severity, result });
    }
  }
  return out;
}

/** One element of a deny or warn set: a message, or {msg, path, hint}. */
function toDiagnostic(doc: SpecDocument, pack: PolicyPack, name: string, severity: Diagnostic["severity"], result: unknown): Diagnostic {
  const fields = isObj(result) ? result : {};
  const msg = typeof result === "string" ? result : typeof fields["msg"] === "string" ? fields["msg"] : `policy \`${name}\` reported ${JSON.stringify(result)}, neither a string nor an object with msg`;
  const path = isPath(fields["path"]) ? fields["path"] : ["metadata", "name"];
  const pos = locate(doc, path);
  const hint = typeof fields["hint"] === "string" ? fields["hint"] : pack.builtin ? `a built-in rule; the Organization switches it off with spec.policies.disable: [${name}]` : `policy svcspec.policies.${name} in ${pack.source}/ says so`;
  return { code: name, severity, message: msg, file: doc.source.path, line: pos.line, col: pos.col, hint };
}

function isPath(v: unknown): v is PathSegment[] {
  return Array.isArray(v) && v.every((s) => typeof s === "string" || (typeof s === "number" && Number.isInteger(s) && s >= 0));
}

function failure(pack: PolicyPack, what: string): Diagnostic {
  const which = pack.builtin ? "the built-in policies" : `the policies in ${pack.source}/`;
  return { code: POLICY_FAILURE, severity: "error", message: `${which} ${what}`, file: pack.builtin ? "built-in policies" : pack.source, line: 0, col: 0, hint: pack.builtin ? "please report this with the spec that caused it" : `run \`svcspec policy test --policies ${pack.source}\`, and fix the rule that fails` };
}

/** The SDK throws strings and plain objects as well as Errors. */
function reason(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (isObj(e) && typeof e["message"] === "string") return e["message"];
  return String(e);
}
