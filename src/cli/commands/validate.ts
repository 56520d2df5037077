import { hasErrors, sortDiagnostics } from "../../diagnostics/diagnostic.js";
import { validate } from "../../compile.js";
import { EXIT, type ExitCode, type Io } from "../io.js";
import { type CommonOptions, countSummary, printDiagnostics, readSources } from "../shared.js";

export function runValidate(io: Io, opts: CommonOptions): ExitCode {
  const { sources, problems } = readSources(io, opts.spec);
  const validated = validate(sources);
  const result = problems.length ? { ...validated, diagnostics: sortDiagnostics([...problems, ...validated.diagnostics]), model: null } : validated;
  printDiagnostics(io, result.diagnostics, opts.format, { valid: !hasErrors(result.diagnostics) });
  if (hasErrors(result.diagnostics)) {
    if (opts.format !== "json") io.err(`✖ ${opts.spec}: ${countSummary(result.diagnostics)}\n`);
    return EXIT.invalid;
  }
  if (opts.format !== "json") {
    const services = result.model?.services.length ?? 0;
    io.err(`✔ ${opts.spec}: ${result.documentCount} document${result.documentCount === 1 ? "" : "s"} valid (${services} services)${result.diagnostics.length ? `, ${countSummary(result.diagnostics)}` : ""}\n`);
  }
  return EXIT.ok;
}
