import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { main } from "../src/cli/main.js";
import type { Io } from "../src/cli/io.js";
import { compile, validate } from "../src/compile.js";
import { readSpecFolder } from "../src/load/discover.js";
import type { Model } from "../src/model/model.js";

export const ROOT = join(import.meta.dirname, "..");
export const FIXTURES = join(ROOT, "test", "fixtures");
export const UPDATE = process.env["UPDATE_GOLDEN"] === "1";
/** The output folders the consumers read: the example's committed out/ and each golden fixture's. */
export const OUTPUTS = [join(ROOT, "out"), join(FIXTURES, "minimal", "expected"), join(FIXTURES, "window-28d", "expected")];

/** An Io in `cwd` that captures both streams, with the generation cache in `<cwd>/.cache`. */
export function capturedIo(cwd: string): { io: Io; streams: { out: string; err: string } } {
  const streams = { out: "", err: "" };
  const io: Io = { out: (t) => void (streams.out += t), err: (t) => void (streams.err += t), cwd, env: { ...process.env, SVCSPEC_CACHE: join(cwd, ".cache") } };
  return { io, streams };
}

/** Runs the CLI in-process and captures its streams. */
export async function run(args: string[], cwd = ROOT, env: Record<string, string | undefined> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: Io = { out: (t) => void (out += t), err: (t) => void (err += t), cwd, env: { ...process.env, ...env } };
  const code = await main(["node", "svcspec", ...args], io);
  return { code, out, err };
}

export function sourcesOf(specDir: string, cwd = ROOT) {
  return readSpecFolder(specDir, cwd);
}

/** The Model of a valid spec folder (the example, a golden fixture); throws on an invalid one.
 * readSpecFolder resolves the folder against the process cwd; `cwd` only names the files. */
export function modelOf(specDir: string, cwd = ROOT): Model {
  const { model, diagnostics } = validate(sourcesOf(specDir, cwd));
  if (!model) throw new Error(`${specDir} does not validate:\n${diagnostics.map((d) => d.message).join("\n")}`);
  return model;
}

/** Every file under a folder, by relative POSIX path, sorted. */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const abs = join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else out.set(relative(dir, abs).split("\\").join("/"), readFileSync(abs, "utf8"));
    }
  };
  walk(dir);
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
}

export function tempDir(prefix = "svcspec-test-"): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  // Retries cover a server that flushes a last file while the folder is being removed.
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }) };
}

/** Stops a server started by a test and waits (bounded) until it has exited, so that nothing
 * it writes on shutdown races the removal of its folder. */
export async function stopProcess(child: ChildProcess | null, ms = 10_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), ms);
  await exited;
  clearTimeout(timer);
}

/** A free TCP port on loopback (servers started by tests bind 127.0.0.1 only). */
export async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

/** Polls `probe` until it returns a value, bounded in count and time. `failed` ends the wait at
 * once with its reason (a server that exited will never answer). */
export async function waitFor<T>(what: string, probe: () => Promise<T | null>, ms = 20_000, failed: () => string | null = () => null): Promise<T> {
  const deadline = Date.now() + ms;
  for (let i = 0; i < 400 && Date.now() < deadline; i++) {
    const reason = failed();
    if (reason !== null) throw new Error(`gave up waiting for ${what}: ${reason}`);
    const v = await probe().catch(() => null);
    if (v !== null) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Starts a server on a free loopback port and waits until `ready` says it serves. freePort gives
 * the port up before the server binds it, so another process may take it meanwhile: a server
 * that exits before it is ready is started again on a new port (3 attempts). */
export async function startOnFreePort(what: string, start: (port: number) => ChildProcess, ready: (base: string) => Promise<boolean>, ms = 30_000): Promise<{ child: ChildProcess; base: string }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const child = start(port);
    const exited = () => (child.exitCode !== null || child.signalCode !== null ? `it exited (${child.exitCode ?? child.signalCode})` : null);
    try {
      await waitFor(what, async () => ((await ready(base)) ? true : null), ms, exited);
      return { child, base };
    } catch (e) {
      // only a server that exited by itself (its port taken) is worth another try; ask before
      // stopping it, which would make every server look exited
      const lostPort = exited() !== null;
      await stopProcess(child);
      if (!lostPort || attempt >= 3) throw e;
    }
  }
}

/** The example spec compiled with `outputs: <outputs>` in its Organization: one side of a plan. */
export function exampleWithOutputs(outputs: string): { model: Model; files: NonNullable<ReturnType<typeof compile>["files"]> } {
  const sources = sourcesOf("spec").map((s) => (s.path.endsWith("organization.yaml") ? { ...s, text: s.text.replace(/^spec:\n/m, `spec:\n  outputs: ${outputs}\n`) } : s));
  const r = compile(sources);
  if (!r.files || !r.model) throw new Error(`the example with outputs ${outputs} does not compile: ${JSON.stringify(r.diagnostics)}`);
  return { model: r.model, files: r.files };
}
