/** The characters no generated file holds raw (src/render/chars.ts escapes them):
 *
 * - C0 controls other than tab and line feed (`\r` ends a line for YAML, Lua, PromQL comments);
 * - DEL and the C1 controls, U+0085 (NEL) among them: a line break to YAML 1.1 (Go's yaml.v2/v3,
 *   which Prometheus, Alertmanager and kubectl use) and rejected raw by Go's YAML;
 * - U+2028 and U+2029: line breaks to YAML 1.1 and to pre-ES2019 JavaScript;
 * - U+FEFF (a byte-order mark: dropped at the start of a YAML stream, illegal in Rego) and the
 *   noncharacters U+FFFE and U+FFFF (rejected by Go's YAML);
 * - lone surrogates: no UTF-8 file can hold them, and Go rejects their `\ud800` escapes. They are
 *   refused (validation rejects them in the spec, SVC006), never silently replaced. */
// eslint-disable-next-line no-control-regex
export const UNSAFE_CHAR = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\u{D800}-\u{DFFF}]/u;

const LONE_SURROGATE = /[\u{D800}-\u{DFFF}]/u;

/** Where a string holds a lone surrogate (half of a UTF-16 pair), which no output can carry; -1
 * when it holds none. (With the `u` flag a well-formed pair is one character, outside the set.) */
export function loneSurrogateAt(s: string): number {
  return LONE_SURROGATE.exec(s)?.index ?? -1;
}

/** A name short enough for a message: at most `max` characters, the rest as `…` and a count (a
 * 100 KB key must not make a 100 KB diagnostic). */
export function clip(s: string, max = 80): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length} characters)`;
}
