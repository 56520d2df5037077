/** Remembered results of pure computations, by string key. Bounded: emptied when it holds `limit`
 * entries, so a long-lived process (a watch loop, an editor plugin) cannot grow it without end.
 * Callers treat a returned object as read-only: it is shared. */
export class BoundedCache<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly limit = 20_000) {}

  get(key: string, compute: (key: string) => V): V {
    const hit = this.entries.get(key);
    if (hit !== undefined || this.entries.has(key)) return hit as V;
    if (this.entries.size >= this.limit) this.entries.clear();
    const value = compute(key);
    this.entries.set(key, value);
    return value;
  }
}

/** A pure function of a string, remembered in a BoundedCache. */
export function memo<V>(compute: (key: string) => V, limit?: number): (key: string) => V {
  const cache = new BoundedCache<V>(limit);
  return (key) => cache.get(key, compute);
}
