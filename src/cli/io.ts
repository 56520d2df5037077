/** What a command may touch of the process: streams, working directory, environment. Injected so
 * tests run commands in-process. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  cwd: string;
  env: Record<string, string | undefined>;
}

export const processIo: Io = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  cwd: process.cwd(),
  env: process.env,
};

/** 3: `svcspec verify` found a validator that applies missing (unless --allow-missing). */
export const EXIT = { ok: 0, invalid: 1, usage: 2, missing: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
