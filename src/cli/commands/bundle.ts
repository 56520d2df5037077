/** `svcspec bundle`: the OPA bundle as the artefacts a deployment ships (not committed): a Rego
 * bundle for OPA servers and bundle services, and the wasm bundle with its policy.wasm for Node.
 * Compiled from the spec in memory, so they never lag behind a stale output folder. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { buildWasmBundle, opaBuild } from "../../access/wasm.js";
import { OutputFsError } from "../../output/disk.js";
import { atomicWrite, fsDiagnostic } from "../../output/sync.js";
import { EXIT, type ExitCode, type Io } from "../io.js";
import { type CommonOptions, compileFolder, countSummary, printDiagnostics } from "../shared.js";
import { findTool, toolDirs } from "../../tools/discover.js";

export interface BundleOptions extends CommonOptions {
  dest: string;
  tools?: string;
}

export function runBundle(io: Io, opts: BundleOptions): ExitCode {
  const result = compileFolder(io, opts);
  if (!result.files || !result.model) {
    printDiagnostics(io, result.diagnostics, opts.format);
    io.err(`✖ ${opts.spec}: ${countSummary(result.diagnostics)}; no bundle written\n`);
    return EXIT.invalid;
  }
  const opa = findTool("opa", toolDirs(io, opts.tools));
  if (!opa) {
    io.err("✖ opa is not installed\n  hint: run scripts/setup-tools.sh, or pass --tools <dir>\n");
    return EXIT.usage;
  }
  const work = mkdtempSync(join(tmpdir(), "svcspec-bundle-"));
  try {
    for (const [path, content] of result.files) {
      if (!path.startsWith("opa/")) continue;
      mkdirSync(dirname(join(work, path)), { recursive: true });
      writeFileSync(join(work, path), content);
    }
    const bundleDir = join(work, "opa");
    const services = result.model.services.filter((s) => s.access).map((s) => s.id);
    let rego: Buffer;
    let wasm: ReturnType<typeof buildWasmBundle>;
    try {
      rego = opaBuild(opa, bundleDir, []);
      wasm = buildWasmBundle(opa, bundleDir, services);
    } catch (e) {
      io.err(`✖ ${e instanceof Error ? e.message : String(e)}\n`);
      return EXIT.invalid;
    }
    const dest = resolve(io.cwd, opts.dest);
    const outputs: [string, Uint8Array][] = [
      ["bundle.tar.gz", rego],
      ["bundle.wasm.tar.gz", wasm.archive],
      ["policy.wasm", wasm.policyWasm],
    ];
    try {
      for (const [name, bytes] of outputs) atomicWrite(join(dest, name), bytes);
    } catch (e) {
      if (!(e instanceof OutputFsError)) throw e;
      printDiagnostics(io, [fsDiagnostic(opts.dest, new OutputFsError(e.path.startsWith(dest) ? e.path.slice(dest.length + 1) : e.path, e.op, e.code, e.detail))], opts.format);
      return EXIT.invalid;
    }
    printDiagnostics(io, result.diagnostics, opts.format); // warnings
    for (const [name, bytes] of outputs) io.err(`  ${join(opts.dest, name)} (${bytes.length} bytes)\n`);
    io.err(`✔ OPA bundles for ${services.length} services and the deploy gate in ${opts.dest}/\n`);
    return EXIT.ok;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
