/** Identifier conventions shared by every generator. */

/** `payments-api` -> `payments_api`: spec names are DNS labels, so the result is a valid identifier
 * in Rego, Lua and JavaScript once a leading digit is prefixed. */
export function snakeCase(name: string): string {
  const id = name.replace(/-/g, "_");
  return /^[0-9]/.test(id) ? `_${id}` : id;
}

export function receiverName(team: string, severity: "page" | "ticket"): string {
  return `${team}-${severity}`;
}
