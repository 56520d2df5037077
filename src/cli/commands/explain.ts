import { withoutHeader } from "../../render/header.js";
import { EXIT, type ExitCode, type Io } from "../io.js";
import { type CommonOptions, compileFolder, countSummary, printDiagnostics } from "../shared.js";
import { unknownNameHint } from "../../util/suggest.js";

/** Prints what docs/<service>.md holds (without its header): the Model's figures for one
 * service, rendered by the same templates as the build. */
export function runExplain(io: Io, service: string, opts: CommonOptions): ExitCode {
  const result = compileFolder(io, opts);
  if (!result.model || !result.files) {
    printDiagnostics(io, result.diagnostics, opts.format);
    io.err(`✖ ${opts.spec}: ${countSummary(result.diagnostics)}\n`);
    return EXIT.invalid;
  }
  const doc = result.files.get(`docs/${service}.md`);
  if (doc === undefined) {
    io.err(`✖ no service named ${service} in ${opts.spec}/\n  hint: ${unknownNameHint(service, result.model.services.map((x) => x.name), "services")}\n`);
    return EXIT.invalid;
  }
  io.out(withoutHeader(doc));
  return EXIT.ok;
}
