import { createHash } from "node:crypto";

/** sha256 of named texts, in byte order of their names: the same entries give the same digest
 * whatever order they come in. Name and text are each length-prefixed, so no two different
 * sets of entries run together into the same bytes. */
export function contentDigest(entries: readonly (readonly [string, string])[]): string {
  const h = createHash("sha256");
  for (const [name, text] of [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (const part of [name, text]) h.update(`${Buffer.byteLength(part)}:`).update(part);
  }
  return `sha256:${h.digest("hex")}`;
}
