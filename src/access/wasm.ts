/** The OPA bundle compiled to wasm (`opa build -t wasm`) and evaluated in Node with
 * @open-policy-agent/opa-wasm. OPA's wasm runtime has no `time.*` built-ins; svcspec supplies the
 * three its policies call, with OPA's semantics (src/access/time.ts), so one Rego source serves
 * OPA servers and Node alike. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { loadPolicy } from "@open-policy-agent/opa-wasm";
import type { AccessDecision, DeployDecision } from "./evaluate.js";
import { localTime, parseRfc3339 } from "./time.js";

/** `[ns, zone]` or `ns`, as OPA's time.clock and time.weekday take them; null when ill-formed. */
function instant(arg: unknown): { ms: number; zone: string } | null {
  const [ns, zone] = Array.isArray(arg) ? arg : [arg, "UTC"];
  if (typeof ns !== "number" || !Number.isFinite(ns) || typeof zone !== "string") return null;
  // ns crosses the wasm boundary as a double (exact to ~256 ns today); the policies' instants are
  // whole milliseconds, which rounding recovers exactly, so no instant slips across a minute edge.
  return { ms: Math.round(ns / 1e6), zone: zone === "" ? "UTC" : zone };
}

function inZone(arg: unknown): ReturnType<typeof localTime> | undefined {
  const at = instant(arg);
  if (!at) return undefined;
  try {
    return localTime(at.ms, at.zone);
  } catch {
    return undefined; // an unknown zone: undefined, as OPA's error is under non-strict evaluation
  }
}

/** The built-ins the wasm target lacks. Returning undefined makes the call undefined, as an error
 * in OPA does, so a rule that needs the value does not hold. */
export const TIME_BUILTINS: Record<string, (arg: unknown) => unknown> = {
  "time.parse_rfc3339_ns": (text) => {
    // Whole milliseconds, so instant() recovers the exact instant (see there).
    const ms = parseRfc3339(text);
    return ms === null ? undefined : ms * 1e6;
  },
  "time.clock": (arg) => {
    const t = inZone(arg);
    return t && [t.hour, t.minute, t.second];
  },
  "time.weekday": (arg) => inZone(arg)?.weekday,
};

export const deployEntrypoint = "svcspec/deploy/decision";

export function serviceEntrypoint(serviceId: string): string {
  return `svcspec/services/${serviceId}/authz/decision`;
}

/** The `path` of a PAX extended header ("<len> path=<value>\n" records), if it has one. */
function paxPath(body: Buffer): string | null {
  for (const record of body.toString("utf8").split("\n")) {
    const m = /^\d+ path=(.*)$/s.exec(record);
    if (m) return m[1] ?? null;
  }
  return null;
}

/** The files of a .tar.gz as opa writes bundles (Go's archive/tar: ustar, with a PAX header
 * before a path over 100 bytes), by path without the leading slash. Regular files only. */
export function readTarGz(archive: Uint8Array): Map<string, Buffer> {
  const tar = gunzipSync(archive);
  const files = new Map<string, Buffer>();
  let longPath: string | null = null;
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const text = (from: number, len: number) => header.subarray(from, from + len).toString("utf8").replace(/\0.*$/s, "");
    const prefix = text(345, 155);
    const size = parseInt(text(124, 12).trim() || "0", 8);
    const type = text(156, 1);
    const body = Buffer.from(tar.subarray(at + 512, at + 512 + size));
    if (type === "x") longPath = paxPath(body);
    else {
      const name = longPath ?? (prefix ? `${prefix}/` : "") + text(0, 100);
      if (type === "0" || type === "") files.set(name.replace(/^\/+/, ""), body);
      longPath = null;
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** opa capabilities limited to what the wasm SDK implements plus TIME_BUILTINS: with it, `opa
 * build -t wasm` refuses at compile time a policy that calls a built-in Node could not run. */
export function wasmCapabilities(opa: string): unknown {
  const r = spawnSync(opa, ["capabilities", "--current"], { encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`opa capabilities failed: ${r.stderr || r.error}`);
  const current = JSON.parse(r.stdout) as { builtins: { name: string }[] };
  const sdkFile = join(dirname(createRequire(import.meta.url).resolve("@open-policy-agent/opa-wasm")), "..", "capabilities.json");
  const sdk = JSON.parse(readFileSync(sdkFile, "utf8")) as { builtins: { name: string }[] };
  const allowed = new Set([...sdk.builtins.map((b) => b.name), ...Object.keys(TIME_BUILTINS)]);
  return { ...current, builtins: current.builtins.filter((b) => allowed.has(b.name)) };
}

export interface WasmBundle {
  /** The bundle tar.gz as `opa build -t wasm` wrote it. */
  archive: Buffer;
  policyWasm: Buffer;
  data: unknown;
}

/** `opa build -b .` in the bundle folder (paths in the archive start at the bundle root); returns
 * the archive. Throws with opa's message when it refuses. */
export function opaBuild(opa: string, bundleDir: string, args: readonly string[]): Buffer {
  const tmp = mkdtempSync(join(tmpdir(), "svcspec-opa-build-"));
  try {
    const archivePath = join(tmp, "bundle.tar.gz");
    const r = spawnSync(opa, ["build", ...args, "-b", ".", "-o", archivePath], { cwd: bundleDir, encoding: "utf8", timeout: 300_000 });
    if (r.status !== 0) throw new Error(`opa build ${args.join(" ")} failed:\n${(r.stdout ?? "") + (r.stderr ?? "")}${r.error ? String(r.error) : ""}`);
    return readFileSync(archivePath);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Compiles the bundle folder (out/opa) to wasm with one entrypoint per service decision and the
 * deploy gate. Throws with opa's message when it refuses. */
export function buildWasmBundle(opa: string, bundleDir: string, serviceIds: readonly string[]): WasmBundle {
  const tmp = mkdtempSync(join(tmpdir(), "svcspec-wasm-"));
  try {
    const caps = join(tmp, "capabilities.json");
    writeFileSync(caps, JSON.stringify(wasmCapabilities(opa)));
    const entrypoints = [deployEntrypoint, ...serviceIds.map(serviceEntrypoint)].flatMap((e) => ["-e", e]);
    const archive = opaBuild(opa, bundleDir, ["-t", "wasm", "--capabilities", caps, ...entrypoints]);
    const files = readTarGz(archive);
    const policyWasm = files.get("policy.wasm");
    const data = files.get("data.json");
    if (!policyWasm || !data) throw new Error("opa build -t wasm wrote no policy.wasm or data.json");
    return { archive, policyWasm, data: JSON.parse(data.toString("utf8")) };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export interface AccessWasm {
  entrypoints: Record<string, number>;
  access(serviceId: string, input: unknown): AccessDecision | null;
  deploy(input: unknown): DeployDecision | null;
}

/** Loads the compiled policy with its data. A decision is null when the entrypoint is undefined. */
export async function loadAccessWasm(policyWasm: Uint8Array, data: unknown): Promise<AccessWasm> {
  const policy = await loadPolicy(policyWasm, undefined, TIME_BUILTINS);
  policy.setData(data as object);
  const entrypoints = policy.entrypoints as Record<string, number>;
  const run = <T>(entrypoint: string, input: unknown): T | null => {
    const id = entrypoints[entrypoint];
    if (id === undefined) throw new Error(`the wasm has no entrypoint ${entrypoint}`);
    // The SDK takes a falsy input for no input at all; null and undefined become {}, which the
    // policies read alike (every field missing).
    const result = policy.evaluate(input ?? {}, id) as { result: T }[];
    return result[0]?.result ?? null;
  };
  return {
    entrypoints,
    access: (serviceId, input) => run<AccessDecision>(serviceEntrypoint(serviceId), input),
    deploy: (input) => run<DeployDecision>(deployEntrypoint, input),
  };
}
