import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createTwoFilesPatch } from "diff";
import { MANIFEST, drift, isStale, manifestText } from "../../output/sync.js";
import { EXIT, type ExitCode, type Io } from "../io.js";
import { type CommonOptions, compileFolder, countSummary, fails, printDiagnostics } from "../shared.js";

export interface CheckOptions extends CommonOptions {
  out: string;
  diff: boolean;
}

/** Compiles in memory and compares the whole file set with the output folder. */
export function runCheck(io: Io, opts: CheckOptions): ExitCode {
  const result = compileFolder(io, opts, true);
  if (!result.files || fails(result.diagnostics, opts.strict)) {
    printDiagnostics(io, result.diagnostics, opts.format, { stale: null });
    if (opts.format !== "json") io.err(`✖ ${opts.spec}: ${countSummary(result.diagnostics, opts.strict)}\n`);
    return EXIT.invalid;
  }
  const outDir = resolve(io.cwd, opts.out);
  const d = drift(outDir, result.files);
  printDiagnostics(io, result.diagnostics, opts.format, { stale: isStale(d), added: d.added, changed: d.changed, orphaned: d.orphaned });
  if (!isStale(d)) {
    if (opts.format !== "json") io.err(`✔ ${opts.out}/ is up to date (${result.files.size} files)\n`);
    return EXIT.ok;
  }
  if (opts.format !== "json") {
    const n = d.added.length + d.changed.length + d.orphaned.length;
    const lines = [
      ...d.added.map((p) => ["A", p, "missing"] as const),
      ...d.changed.map((p) => ["M", p, "changed"] as const),
      ...d.orphaned.map((p) => ["D", p, "orphaned"] as const),
    ];
    io.err(`✖ ${opts.out}/ is stale (${n} file${n === 1 ? "" : "s"}). Run \`svcspec build\` and commit the result.\n`);
    for (const [mark, p, what] of lines) {
      if (opts.format === "github") io.out(`::error file=${opts.out}/${p},title=stale output::${what}: ${opts.out}/${p} does not match ${opts.spec}/\n`);
      io.err(`  ${mark} ${opts.out}/${p}\n`);
    }
    if (opts.diff) {
      const expected = new Map(result.files);
      expected.set(MANIFEST, manifestText(result.files.keys()));
      for (const [, p] of lines) {
        const before = read(join(outDir, p));
        const after = expected.get(p) ?? "";
        io.out(createTwoFilesPatch(`a/${opts.out}/${p}`, `b/${opts.out}/${p}`, before, after, "", "", { context: 3 }));
      }
    }
  }
  return EXIT.invalid;
}

function read(p: string): string {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return "";
  }
}
