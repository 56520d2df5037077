import { describe, expect, it } from "vitest";
import { pool } from "../src/util/pool.js";

describe("pool", () => {
  it("runs at most n tasks at once and returns the results in the tasks' order", async () => {
    let running = 0;
    let most = 0;
    const tasks = [30, 5, 20, 1, 10, 0].map((ms, i) => async () => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, ms));
      running--;
      return i;
    });
    expect(await pool(tasks, 2)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(most).toBe(2);
  });

  it("runs every task once with n above the task count, and none for no tasks", async () => {
    const seen: number[] = [];
    expect(await pool([1, 2, 3].map((x) => async () => (seen.push(x), x * 10)), 8)).toEqual([10, 20, 30]);
    expect(seen.sort()).toEqual([1, 2, 3]);
    expect(await pool([], 4)).toEqual([]);
  });
});
