import { resolve } from "node:path";
import type { OutputFs } from "../../output/disk.js";
import { statCachePath } from "../../output/stat-cache.js";
import { OutputError, openSync, UnownedFilesError } from "../../output/sync.js";
import { cacheDir } from "../../policy/build.js";
import { EXIT, type ExitCode, type Io } from "../io.js";
import { type CommonOptions, compileToSession, countSummary, type OutputRun, fails, parseTargets, outInsideSpec, printDiagnostics, testsNote } from "../shared.js";

export interface BuildOptions extends CommonOptions {
  out: string;
  force: boolean;
  verbose: boolean;
}

/** `fs`: the output stage's file-system calls (a seam: tests inject EACCES or ENOSPC). */
export function runBuild(io: Io, opts: BuildOptions, now: () => number = Date.now, fs?: OutputFs): ExitCode {
  const started = now();
  const clash = outInsideSpec(io, opts.spec, opts.out);
  if (clash) {
    io.err(clash);
    return EXIT.usage;
  }
  const only = parseTargets(opts.only);
  if (only.problem) {
    io.err(only.problem);
    return EXIT.usage;
  }
  const outDir = resolve(io.cwd, opts.out);
  // The stat cache only spares reads of the real disk: with an injected file system (a test's
  // failures) every file is read, as before.
  const statCache = fs ? {} : { statCache: statCachePath(resolve(io.cwd, cacheDir(io.cwd, io.env)), outDir) };
  // Each file goes to the output stage as soon as its service is generated (written aside, or found
  // unchanged), so memory never holds the whole file set; out/ itself changes only at commit().
  const run: OutputRun<ReturnType<typeof openSync>> = { session: null, warnings: [] };
  let result;
  let synced;
  try {
    result = compileToSession(io, opts, run, () => openSync(outDir, { force: opts.force, label: opts.out, ...(fs ? { fs } : {}), ...statCache }), "read-write");
    if (!result.generated || fails(result.diagnostics, opts.strict)) {
      run.session?.abort();
      printDiagnostics(io, result.diagnostics, opts.format, { written: [], deleted: [] });
      if (opts.format !== "json") io.err(`✖ ${opts.spec}: ${countSummary(result.diagnostics, opts.strict)}; ${opts.out}/ left as it was\n`);
      return EXIT.invalid;
    }
    synced = run.session!.commit();
  } catch (e) {
    run.session?.abort();
    if (e instanceof UnownedFilesError) {
      io.err(`✖ ${e.paths.length} file(s) in ${opts.out}/ were not written by svcspec and would be overwritten:\n${e.paths.map((p) => `  ${opts.out}/${p}\n`).join("")}  hint: move them away, or pass --force to let svcspec own them\n`);
      return EXIT.invalid;
    }
    if (!(e instanceof OutputError)) throw e;
    printDiagnostics(io, [...(result?.diagnostics ?? run.warnings), ...e.diagnostics], opts.format, { written: null, deleted: null });
    if (opts.format !== "json") {
      const state = e.partial ? "partly updated (every file in it is whole: as it was or new)" : "left as it was";
      io.err(`✖ ${opts.out}/: ${countSummary(e.diagnostics)}; ${opts.out}/ ${state}\n`);
    }
    return EXIT.invalid;
  }
  const written = [...synced.added, ...synced.changed];
  printDiagnostics(io, [...result.diagnostics, ...synced.warnings], opts.format, { written, deleted: synced.orphaned });
  if (opts.format !== "json") {
    if (opts.verbose) {
      const c = result.cache;
      const whole = c?.crossTaken !== undefined ? `; whole-Model outputs: ${c.crossTaken} as before, ${c.crossComputed} computed` : "";
      const manifests = c?.manifestsKept !== undefined ? `${whole}; cross-service manifests: ${c.manifestsKept} as on disk, ${c.manifestsRendered} rendered` : whole;
      io.err(c ? `  generation cache: ${c.hits} hit(s), ${c.misses} computed, ${c.rejected} rejected and recomputed${manifests}\n` : "  generation cache: off\n");
      const v = result.validation;
      if (v) io.err(`  validation cache: ${v.files} of ${v.sources} spec files as parsed and checked before, ${v.services} services' own checks and ${v.policies} documents' policy evaluations skipped\n`);
      for (const p of synced.added) io.err(`  A ${opts.out}/${p}\n`);
      for (const p of synced.changed) io.err(`  M ${opts.out}/${p}\n`);
      for (const p of synced.orphaned) io.err(`  D ${opts.out}/${p}\n`);
      for (const p of synced.leftovers) io.err(`  D ${opts.out}/${p} (left by an interrupted build)\n`);
    }
    const ms = now() - started;
    const leftovers = synced.leftovers.length ? `, ${synced.leftovers.length} leftover(s) of an interrupted build removed` : "";
    io.err(`✔ ${result.fileCount} files in ${opts.out}/ (${written.length} written, ${synced.orphaned.length} deleted, ${synced.unchanged} unchanged${leftovers}) in ${ms} ms\n`);
    io.err(testsNote(result.model));
  }
  return EXIT.ok;
}
