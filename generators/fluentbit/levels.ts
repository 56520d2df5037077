/** fluent-bit/levels.lua: generators/fluentbit/levels.lua (a Lua file of its own) with the
 * log-level policies in its data section: the Organization's as the default, and an entry for
 * every service whose policy differs from it, plus the services sharing a namespace with one of
 * those (their pods must keep matching their own entry first, as in redact.lua). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ERROR_LEVELS, KEEP_ALL } from "../../src/model/log-levels.js";
import type { LogLevels, Model, Service } from "../../src/model/model.js";
import { luaString } from "../../src/render/lua.js";
import { packageRoot } from "../../src/util/package-root.js";

const DATA_START = "--@@DATA@@\n";
const DATA_END = "--@@END@@\n";
let parts: { before: string; after: string } | undefined;
function source(): { before: string; after: string } {
  if (parts) return parts;
  const text = readFileSync(join(packageRoot(), "generators", "fluentbit", "levels.lua"), "utf8");
  const a = text.indexOf(DATA_START);
  const b = text.indexOf(DATA_END);
  if (a < 0 || b < a || text.indexOf(DATA_START, a + 1) >= 0 || text.indexOf(DATA_END, b + 1) >= 0) throw new Error("internal: levels.lua needs exactly one data section");
  return (parts = { before: text.slice(0, a), after: text.slice(b + DATA_END.length) });
}

const same = (a: LogLevels, b: LogLevels) => JSON.stringify(a) === JSON.stringify(b);

/** The services levels.lua lists, in name order (the first entry that matches a pod wins). */
export function listedServices(model: Model): Service[] {
  const own = model.services.filter((s) => !same(s.logs, model.organization.logs));
  const namespaces = new Set(own.map((s) => s.namespace));
  return model.services.filter((s) => namespaces.has(s.namespace));
}

function policyLua(logs: LogLevels, head: string[], indent: string): string {
  for (const l of logs.levels) if (ERROR_LEVELS.includes(l.level) && l.keep < KEEP_ALL) throw new Error(`internal: error level ${l.level} not kept`);
  const lines = [
    ...head,
    `field = { ${logs.levelField.split(".").map(luaString).join(", ")} },`,
    `levels = { ${logs.levels.map((l) => `[${luaString(l.level)}] = ${l.keep}`).join(", ")} },`,
  ];
  return `{\n${lines.map((l) => `${indent}  ${l}`).join("\n")}\n${indent}}`;
}

export function levelsLua(model: Model): string {
  const { before, after } = source();
  const services = listedServices(model).map((s) =>
    policyLua(s.logs, [`name = ${luaString(s.name)},`, `namespace = ${luaString(s.namespace)},`, `selector = { ${s.selector.map(([k, v]) => `{ ${luaString(k)}, ${luaString(v)} }`).join(", ")} },`], "  "),
  );
  const data = [`local SERVICES = {${services.map((s) => `\n  ${s},`).join("")}\n}`, `local DEFAULT_POLICY = ${policyLua(model.organization.logs, ["selector = {},"], "")}`, ""].join("\n");
  return before + data + after;
}
