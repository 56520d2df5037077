/** Setup of the unit tier (vitest.config.ts): no test of test/*.test.ts may find or start a real
 * validator. Tool discovery throws, and so does starting a process named like a validator or
 * found under a .tools folder; such a test belongs in test/consumer/. */
import { basename } from "node:path";
import { vi } from "vitest";
import { VALIDATORS } from "./validators.js";

function refuse(what: string): never {
  throw new Error(`the unit tier runs no external tool (${what}): move this test to test/consumer/`);
}

vi.mock("../../src/tools/discover.js", async (original) => ({
  ...(await original<typeof import("../../src/tools/discover.js")>()),
  findTool: (name: string) => refuse(`findTool ${name}`),
  localTool: (name: string) => refuse(`localTool ${name}`),
}));

/** A command the unit tier refuses: a validator's name, or anything under .tools/. */
function isValidatorCommand(command: string): boolean {
  return (VALIDATORS as readonly string[]).includes(basename(command)) || /(^|[/\\])\.tools[/\\]/.test(command);
}

vi.mock("node:child_process", async (original) => {
  const cp = await original<typeof import("node:child_process")>();
  const guard = <F extends (command: string, ...rest: never[]) => unknown>(f: F): F =>
    ((command: string, ...rest: never[]) => (isValidatorCommand(String(command)) ? refuse(`spawn ${command}`) : f(command, ...rest))) as F;
  const guarded = { ...cp, spawn: guard(cp.spawn), spawnSync: guard(cp.spawnSync), execFile: guard(cp.execFile), execFileSync: guard(cp.execFileSync) };
  return { ...guarded, default: guarded };
});
