import { hasErrors, sortDiagnostics } from "../../diagnostics/diagnostic.js";
import { validate } from "../../compile.js";
import { EXIT, type ExitCode, type Io } from "../io.js";
import { readPolicyPacks } from "../policies.js";
import { type CommonOptions, countSummary, fails, openCache, printDiagnostics, readSources } from "../shared.js";

export function runValidate(io: Io, opts: CommonOptions): ExitCode {
  const { sources, problems } = readSources(io, opts.spec);
  const validated = checked(io, opts, sources);
  const result = problems.length ? { ...validated, diagnostics: sortDiagnostics([...problems, ...validated.diagnostics]), model: null } : validated;
  const failed = fails(result.diagnostics, opts.strict);
  printDiagnostics(io, result.diagnostics, opts.format, { valid: !failed });
  if (failed) {
    if (opts.format !== "json") io.err(`✖ ${opts.spec}: ${countSummary(result.diagnostics, opts.strict)}
`);
    return EXIT.invalid;
  }
  if (opts.format !== "json") {
    const services = result.model?.services.length ?? 0;
    io.err(`✔ ${opts.spec}: ${result.documentCount} document${result.documentCount === 1 ? "" : "s"} valid (${services} services)${result.diagnostics.length ? `, ${countSummary(result.diagnostics)}` : ""}\n`);
  }
  return EXIT.ok;
}

/** The spec checked against the policy packs; policies that cannot be compiled fail the run, and
 * the spec is still checked (every problem at once). The validation cache that build leaves is
 * read, never written: validate writes nothing. */
function checked(io: Io, opts: CommonOptions, sources: Parameters<typeof validate>[0]): ReturnType<typeof validate> {
  const policies = readPolicyPacks(io, opts.policies);
  const cache = openCache(io, opts, false);
  const result = validate(sources, { policies: policies.packs, ...(cache ? { validation: cache } : {}) });
  if (!policies.problems.length) return result;
  const diagnostics = sortDiagnostics([...policies.problems, ...result.diagnostics]);
  return { ...result, diagnostics, model: hasErrors(diagnostics) ? null : result.model };
}
