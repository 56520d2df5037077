import { resolve } from "node:path";
import { createTwoFilesPatch } from "diff";
import type { OutputFs } from "../../output/disk.js";
import { isStale, openDrift, OutputError, readOutputText } from "../../output/sync.js";
import { EXIT, type ExitCode, type Io } from "../io.js";
import { type CommonOptions, compileToSession, countSummary, type OutputRun, fails, parseTargets, printDiagnostics, testsNote } from "../shared.js";

export interface CheckOptions extends CommonOptions {
  out: string;
  diff: boolean;
}

/** Compiles and compares every file with the output folder, one service at a time. Reads only regular
 * files in real folders (a FIFO, a link or a folder at a generated path is a diagnostic). */
export function runCheck(io: Io, opts: CheckOptions, fs?: OutputFs): ExitCode {
  const only = parseTargets(opts.only);
  if (only.problem) {
    io.err(only.problem);
    return EXIT.usage;
  }
  const outDir = resolve(io.cwd, opts.out);
  const options = { label: opts.out, ...(fs ? { fs } : {}) };
  // Each file is compared with the disk as soon as its service is generated, and dropped unless it
  // differs and --diff asked for it: memory never holds the whole file set.
  const run: OutputRun<ReturnType<typeof openDrift>> = { session: null, warnings: [] };
  let result;
  let d;
  try {
    result = compileToSession(io, opts, run, () => openDrift(outDir, { ...options, keep: opts.diff }), "read");
    if (!result.generated || fails(result.diagnostics, opts.strict)) {
      printDiagnostics(io, result.diagnostics, opts.format, { stale: null });
      if (opts.format !== "json") io.err(`✖ ${opts.spec}: ${countSummary(result.diagnostics, opts.strict)}\n`);
      return EXIT.invalid;
    }
    d = run.session!.finish();
  } catch (e) {
    if (!(e instanceof OutputError)) throw e;
    printDiagnostics(io, [...(result?.diagnostics ?? run.warnings), ...e.diagnostics], opts.format, { stale: null });
    if (opts.format !== "json") io.err(`✖ ${opts.out}/: ${countSummary(e.diagnostics)}\n`);
    return EXIT.invalid;
  }
  printDiagnostics(io, [...result.diagnostics, ...d.warnings], opts.format, { stale: isStale(d), added: d.added, changed: d.changed, orphaned: d.orphaned, leftovers: d.leftovers });
  if (!isStale(d)) {
    if (opts.format !== "json") io.err(`✔ ${opts.out}/ is up to date (${result.fileCount} files)\n${testsNote(result.model)}`);
    return EXIT.ok;
  }
  if (opts.format !== "json") {
    const lines = [
      ...d.added.map((p) => ["A", p, "missing"] as const),
      ...d.changed.map((p) => ["M", p, "changed"] as const),
      ...d.orphaned.map((p) => ["D", p, "orphaned"] as const),
      ...d.leftovers.map((p) => ["D", p, "left by an interrupted build"] as const),
    ];
    const n = lines.length;
    io.err(`✖ ${opts.out}/ is stale (${n} file${n === 1 ? "" : "s"}). Run \`svcspec build\` and commit the result.\n`);
    for (const [mark, p, what] of lines) {
      if (opts.format === "github") io.out(`::error file=${opts.out}/${p},title=stale output::${what}: ${opts.out}/${p} does not match ${opts.spec}/\n`);
      io.err(`  ${mark} ${opts.out}/${p}${what === "left by an interrupted build" ? ` (${what})` : ""}\n`);
    }
    if (opts.diff) {
      for (const [, p] of lines) {
        const before = readOutputText(outDir, p, options);
        const after = d.contents.get(p) ?? "";
        io.out(createTwoFilesPatch(`a/${opts.out}/${p}`, `b/${opts.out}/${p}`, before, after, "", "", { context: 3 }));
      }
    }
  }
  return EXIT.invalid;
}
