/** One build at a time per output folder. Two builds interleaving their manifest writes lose
 * ownership of files (the later manifest forgets what the other wrote), so `build` holds
 * `<out>/.svcspec-lock`, created exclusively, for as long as it writes. A lock left by a build
 * that died (SIGKILL, power loss) is taken over: its process is gone, or the pid now names a
 * process that started at another time. Liveness can only be judged on the lock's own host; a
 * lock from another host counts as stale (one output folder shared by builds on several hosts at
 * once is not supported). */
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { join } from "node:path";
import { attempt, createExclusive, inspect, type OutputFs, readRegular, unlinkQuietly } from "./disk.js";

export const LOCK = ".svcspec-lock";

export interface LockInfo {
  pid: number;
  host: string;
  /** The process's start time as the kernel counts it (Linux), so a reused pid is told apart. */
  started: string | null;
  token: string;
}

export type LockState = { kind: "free" } | { kind: "held"; holder: LockInfo | null } | { kind: "stale"; holder: LockInfo | null } | { kind: "refused"; what: string };

/** A lock younger than this whose content cannot be read yet is being written, not abandoned. */
const FRESH_MS = 10_000;

/** Start time of a process (field 22 of /proc/<pid>/stat), or null where there is no /proc. */
export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function isLive(holder: LockInfo, self = process.pid): boolean {
  if (holder.host !== hostname() || holder.pid === self || !alive(holder.pid)) return false;
  const started = processStart(holder.pid);
  return holder.started === null || started === null || started === holder.started;
}

function parseLock(bytes: Buffer | null): LockInfo | null {
  if (!bytes) return null;
  try {
    const v = JSON.parse(bytes.toString("utf8")) as Partial<LockInfo>;
    if (typeof v.pid !== "number" || !Number.isInteger(v.pid) || v.pid <= 0 || typeof v.host !== "string" || typeof v.token !== "string") return null;
    return { pid: v.pid, host: v.host, started: typeof v.started === "string" ? v.started : null, token: v.token };
  } catch {
    return null;
  }
}

/** Who holds the lock of `root`, without taking it. */
export function lockState(io: OutputFs, root: string, now = Date.now()): LockState {
  const e = inspect(io, root, LOCK);
  if (e.kind === "absent") return { kind: "free" };
  if (e.kind === "refused") return { kind: "refused", what: e.what };
  const holder = parseLock(readRegular(io, join(root, LOCK), LOCK, 4096));
  if (holder) return isLive(holder) ? { kind: "held", holder } : { kind: "stale", holder };
  const st = attempt(LOCK, "read", () => io.lstatSync(join(root, LOCK)));
  return now - st.mtimeMs < FRESH_MS ? { kind: "held", holder: null } : { kind: "stale", holder: null };
}

export class LockHeldError extends Error {
  constructor(readonly holder: LockInfo | null) {
    super(holder ? `locked by process ${holder.pid} on ${holder.host}` : "locked by a build that is starting");
  }
}

export class LockRefusedError extends Error {
  constructor(readonly what: string) {
    super(`${LOCK} is ${what}`);
  }
}

/** Takes the lock of `root` (an existing real folder) and returns its release. Throws
 * LockHeldError while another live build holds it. */
export function acquireLock(io: OutputFs, root: string): () => void {
  const path = join(root, LOCK);
  const mine: LockInfo = { pid: process.pid, host: hostname(), started: processStart(process.pid), token: randomBytes(8).toString("hex") };
  for (let tries = 0; tries < 3; tries++) {
    try {
      createExclusive(io, path, LOCK, Buffer.from(JSON.stringify(mine) + "\n"));
      return () => release(io, path, mine.token);
    } catch (e) {
      if (!(e instanceof Error && "code" in e && e.code === "EEXIST")) throw e;
    }
    const state = lockState(io, root);
    if (state.kind === "refused") throw new LockRefusedError(state.what);
    if (state.kind === "held") throw new LockHeldError(state.holder);
    if (state.kind === "stale") takeOver(io, root);
  }
  throw new LockHeldError(null);
}

/** Moves a stale lock aside and deletes it, unless another build replaced it in the meantime:
 * then the moved file is put back. */
function takeOver(io: OutputFs, root: string): void {
  const path = join(root, LOCK);
  const judged = inspect(io, root, LOCK);
  if (judged.kind !== "file") return;
  const aside = `${path}.stale-${randomBytes(6).toString("hex")}`;
  try {
    io.renameSync(path, aside);
  } catch {
    return; // someone else moved it first; try again
  }
  const moved = attempt(LOCK, "delete", () => io.lstatSync(aside));
  if (moved.ino === judged.ino) unlinkQuietly(io, aside);
  else {
    try {
      io.renameSync(aside, path);
    } catch {
      unlinkQuietly(io, aside);
    }
  }
}

function release(io: OutputFs, path: string, token: string): void {
  const current = parseLock(readRegular(io, path, LOCK, 4096));
  if (current?.token === token) unlinkQuietly(io, path);
}
