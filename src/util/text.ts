const LONE_SURROGATE = /[\u{D800}-\u{DFFF}]/u;

/** Where a string holds a lone surrogate (half of a UTF-16 pair), which no output can carry; -1
 * when it holds none. (With the `u` flag a well-formed pair is one character, outside the set.) */
export function loneSurrogateAt(s: string): number {
  return LONE_SURROGATE.exec(s)?.index ?? -1;
}
