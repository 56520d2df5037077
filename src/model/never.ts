/** The end of an exhaustive switch: `value` has type `never` once every case is handled, so a new
 * member of the union (a fourth SLI kind) is a compile error here until the switch handles it. */
export function unreachable(value: never, what: string): never {
  throw new Error(`internal: unhandled ${what} ${JSON.stringify(value)}`);
}
