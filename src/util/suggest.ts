/** "Did you mean" for names: the closest candidate within a small edit distance, if any. */
export function closest(word: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** `a`, `a or b`, `a, b or c`: for messages that list what is allowed. */
export function orList(items: readonly string[], quote = "`"): string {
  const q = items.map((i) => `${quote}${i}${quote}`);
  if (q.length <= 1) return q.join("");
  return `${q.slice(0, -1).join(", ")} or ${q[q.length - 1]}`;
}

/** Hint text for an unknown name: a suggestion when one is close, else the known names. */
export function unknownNameHint(name: string, known: readonly string[], what: string): string {
  const near = closest(name, known);
  if (near) return `did you mean \`${near}\`?`;
  if (!known.length) return `no ${what} is declared`;
  const shown = known.slice(0, 12);
  return `known ${what}: ${shown.join(", ")}${known.length > shown.length ? ", …" : ""}`;
}
