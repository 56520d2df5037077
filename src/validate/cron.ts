/** Cron lines as Chaos Mesh's Schedule reads them (robfig/cron standard parser): five fields or a
 * descriptor (`@hourly`, `@every 90s`). Returns a reason when the line is invalid, else null. */
const FIELDS = [
  { name: "minute", min: 0, max: 59, names: [] as string[] },
  { name: "hour", min: 0, max: 23, names: [] as string[] },
  { name: "day of month", min: 1, max: 31, names: [] as string[] },
  { name: "month", min: 1, max: 12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] },
  { name: "day of week", min: 0, max: 6, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
];
const DESCRIPTORS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];

export function cronProblem(line: string): string | null {
  const text = line.trim();
  if (text.startsWith("@")) {
    if (DESCRIPTORS.includes(text)) return null;
    const every = /^@every ((?:[0-9]+(?:\.[0-9]+)?(?:ns|us|µs|ms|s|m|h))+)$/.exec(text);
    if (every) return null;
    return `unknown descriptor "${text}" (use ${DESCRIPTORS.join(", ")} or @every <duration>)`;
  }
  const fields = text.split(/\s+/);
  if (fields.length !== 5) return `a cron line has 5 fields (minute hour day-of-month month day-of-week), found ${fields.length}`;
  for (let i = 0; i < 5; i++) {
    const problem = fieldProblem(fields[i] ?? "", FIELDS[i]!);
    if (problem) return problem;
  }
  return null;
}

function fieldProblem(field: string, spec: (typeof FIELDS)[number]): string | null {
  for (const part of field.split(",")) {
    const m = /^(\*|\?|([0-9a-z]+)(?:-([0-9a-z]+))?)(?:\/([0-9]+))?$/i.exec(part);
    if (!m) return `"${part}" is not a valid ${spec.name} field`;
    if (m[4] !== undefined && Number(m[4]) === 0) return `step /0 in the ${spec.name} field`;
    for (const v of [m[2], m[3]]) {
      if (v === undefined) continue;
      const n = /^[0-9]+$/.test(v) ? Number(v) : spec.names.indexOf(v.toLowerCase()) + (spec.name === "month" ? 1 : 0);
      const isName = !/^[0-9]+$/.test(v);
      // day of week also accepts 7 for Sunday in some crons but not robfig: keep 0-6.
      if ((isName && spec.names.indexOf(v.toLowerCase()) < 0) || n < spec.min || n > spec.max) {
        return `${v} is out of range for the ${spec.name} field (${spec.min}-${spec.max})`;
      }
    }
    if (m[2] !== undefined && m[3] !== undefined) {
      const lo = toNumber(m[2], spec);
      const hi = toNumber(m[3], spec);
      if (lo > hi) return `range ${m[2]}-${m[3]} runs backwards in the ${spec.name} field`;
    }
  }
  return null;
}

function toNumber(v: string, spec: (typeof FIELDS)[number]): number {
  return /^[0-9]+$/.test(v) ? Number(v) : spec.names.indexOf(v.toLowerCase()) + (spec.name === "month" ? 1 : 0);
}
