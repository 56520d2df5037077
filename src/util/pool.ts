/** Runs `tasks` (functions returning promises) at most `n` at a time, started in order; the
 * results in the tasks' order. */
export async function pool<T>(tasks: readonly (() => Promise<T>)[], n: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, tasks.length)) }, worker));
  return results;
}
