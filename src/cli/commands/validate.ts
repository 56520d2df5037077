import { hasErrors } from "../../diagnostics/diagnostic.js";
import { validate } from "../../compile.js";
import { EXIT, type ExitCode, type Io } from "../io.js";
import { type CommonOptions, countSummary, printDiagnostics, readSources } from "../shared.js";

export function runValidate(io: Io, opts: CommonOptions): ExitCode {
  const { sources, problem } = readSources(io, opts.spec);
  const result = problem ? { diagnostics: [problem], model: null, documentCount: 0 } : validate(sources);
  printDiagnostics(io, result.diagnostics, opts.format, { valid: !hasErrors(result.diagnostics) });
  if (hasErrors(result.diagnostics)) {
    if (opts.format !== "json") io.err(`✖ ${opts.spec}: ${countSummary(result.diagnostics)}\n`);
    return EXIT.invalid;
  }
  if (opts.format !== "json") {
    const services = result.model?.services.length ?? 0;
    io.err(`✔ ${opts.spec}: ${result.documentCount} documents valid (${services} services)${result.diagnostics.length ? `, ${countSummary(result.diagnostics)}` : ""}\n`);
  }
  return EXIT.ok;
}
