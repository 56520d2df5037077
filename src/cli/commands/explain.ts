import { serviceDoc } from "../../../generators/docs/index.js";
import { EXIT, type ExitCode, type Io } from "../io.js";
import { type CommonOptions, compileFolder, countSummary, printDiagnostics } from "../shared.js";
import { unknownNameHint } from "../../util/suggest.js";

/** Prints what docs/<service>.md holds: the Model's figures for one service. */
export function runExplain(io: Io, service: string, opts: CommonOptions): ExitCode {
  const result = compileFolder(io, opts);
  if (!result.model || !result.files) {
    printDiagnostics(io, result.diagnostics, opts.format);
    io.err(`✖ ${opts.spec}: ${countSummary(result.diagnostics)}\n`);
    return EXIT.invalid;
  }
  const s = result.model.services.find((x) => x.name === service);
  if (!s) {
    io.err(`✖ no service named ${service} in ${opts.spec}/\n  hint: ${unknownNameHint(service, result.model.services.map((x) => x.name), "services")}\n`);
    return EXIT.invalid;
  }
  io.out(serviceDoc(s, result.options.docsTemplates));
  return EXIT.ok;
}
