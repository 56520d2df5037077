/** The generated files a change touches, per target: the first segment of the path in the output
 * folder (`prometheus`, `kubernetes`, `opa-tests`, ...). */
import type { FileSet } from "../output/fileset.js";
import type { FileChanges } from "./types.js";

export function fileChanges(base: FileSet, head: FileSet): Record<string, FileChanges> {
  const out: Record<string, FileChanges> = {};
  const at = (path: string) => (out[path.split("/")[0]!] ??= { added: [], changed: [], deleted: [] });
  const paths = [...new Set([...base.keys(), ...head.keys()])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const p of paths) {
    const b = base.get(p);
    const h = head.get(p);
    if (b === h) continue;
    if (b === undefined) at(p).added.push(p);
    else if (h === undefined) at(p).deleted.push(p);
    else at(p).changed.push(p);
  }
  return Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]!]));
}
