/** docs/<service>.md: what a reviewer reads in a pull request. Every figure comes from the Model's
 * exact arithmetic (budgets, burn factors, detection and exhaustion times). */
import { formatPercent, Ratio } from "../../src/model/decimal.js";
import { formatDuration, humanSeconds, msToSeconds } from "../../src/model/duration.js";
import type { AccessRule, Model, Schedule, Service, Sli, Slo } from "../../src/model/model.js";
import type { GeneratedFile } from "../../src/output/fileset.js";
import { DETECTOR_TOKENS, type DetectorId } from "../../src/model/pii-catalogue.js";
import { withHeader } from "../../src/render/header.js";
import { HMAC_ENV, HMAC_SECRET_COMMANDS, HMAC_SECRET_KEY, HMAC_SECRET_NAME, LOGGING_NAMESPACE, LUA_SCRIPT } from "../../src/model/platform.js";

export function generateDocs(model: Model): GeneratedFile[] {
  return model.services.map((s) => ({
    path: `docs/${s.name}.md`,
    content: withHeader("html", [s.file ?? ""], serviceDoc(s)),
  }));
}

/** The document body without the header: `svcspec explain` prints this. */
export function serviceDoc(s: Service): string {
  const out: string[] = [`# ${s.name}`, ""];
  if (s.description) out.push(md(s.description), "");
  out.push(
    "| | |",
    "|---|---|",
    `| Team | ${md(s.team)} |`,
    `| Tier | ${md(s.tier.name)} (default objective ${percent(s.tier.objective)}; pages: ${yesNo(s.tier.page)}, tickets: ${yesNo(s.tier.ticket)}) |`,
    `| Namespace | ${md(s.namespace)} |`,
    `| Workload | ${s.selector.map(([k, v]) => code(`${k}=${v}`)).join(", ")} |`,
  );
  if (s.runbook) out.push(`| Runbook | ${md(s.runbook)} |`);
  out.push("");
  out.push(...slosSection(s), ...cacheSection(s), ...piiSection(s), ...accessSection(s), ...loadSection(s), ...chaosSection(s));
  return out.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd() + "\n";
}

// ---------------------------------------------------------------------------------------------

function slosSection(s: Service): string[] {
  if (!s.slos.length) return ["## SLOs", "", "None declared.", ""];
  const out = ["## SLOs", ""];
  for (const slo of s.slos) out.push(...sloSection(slo));
  return out;
}

function sloSection(slo: Slo): string[] {
  const windowMinutes = msToSeconds(slo.window).div(Ratio.of(60));
  const budgetMinutes = slo.budget.mul(windowMinutes);
  const out = [`### ${slo.name}`, ""];
  if (slo.description) out.push(md(slo.description), "");
  out.push(
    `- Objective: ${percent(slo.objective)} over a rolling ${formatDuration(slo.window)} window`,
    `- SLI: ${sliText(slo.sli)}`,
    `- Error budget: ${slo.budget} of events (${percent(slo.budget)}), ${budgetMinutes} minutes of total outage per ${formatDuration(slo.window)}`,
    `- Alerting: pages ${yesNo(slo.alerting.page)}, tickets ${yesNo(slo.alerting.ticket)}` +
      (slo.alerting.minEvents !== null ? `; no burn alert below ${slo.alerting.minEvents} events in the long window` : "") +
      (slo.alerting.noData !== "none" ? `; a ${slo.alerting.noData} when the SLI has no data` : ""),
  );
  if (slo.alerting.labels.length) out.push(`- Extra alert labels: ${slo.alerting.labels.map(([k, v]) => code(`${k}=${v}`)).join(", ")}`);
  out.push("");
  if (!slo.alerts.length) {
    out.push("No burn-rate alerts: both page and ticket are off for this SLO.", "");
    return out;
  }
  out.push(
    "| Severity | Budget consumed | Burn factor | Long / short window | For | Error ratio above | Detects a total outage in | Budget gone at this burn in |",
    "|---|---|---|---|---|---|---|---|",
  );
  for (const a of slo.alerts) {
    out.push(
      `| ${a.severity} | ${percent(a.budgetConsumed)} | ${a.factor} | ${formatDuration(a.long)} / ${formatDuration(a.short)} | ${formatDuration(a.for)} | ${a.threshold} | ${a.canFire ? humanSeconds(a.detectionSeconds) : "never (threshold above 100%)"} | ${humanSeconds(a.exhaustionSeconds)} |`,
    );
  }
  out.push("");
  return out;
}

function sliText(sli: Sli): string {
  switch (sli.kind) {
    case "ratio":
      return (
        (sli.errors !== null ? `errors ${code(sli.errors)}` : `good ${code(sli.good ?? "")}`) +
        ` over total ${code(sli.total)} (counters, rated by svcspec)` +
        (sli.groupBy.length ? `, one SLO series per ${sli.groupBy.map(code).join(", ")}` : "")
      );
    case "latency":
      return `requests of histogram ${code(sli.histogram + sli.selector)} slower than ${sli.thresholdText} (le="${sli.threshold}") are errors`;
    case "query":
      return (sli.errors !== null ? `errors ${code(sli.errors)}` : `good ${code(sli.good ?? "")}`) + ` over total ${code(sli.total)}`;
  }
}

function cacheSection(s: Service): string[] {
  const c = s.cache;
  if (!c) return [];
  const out = ["## Cache", ""];
  if (c.routes.length) {
    out.push("| Route | Class | TTL | Cache-Control |", "|---|---|---|---|");
    for (const r of c.routes) out.push(`| ${code(r.path)} | ${r.class ?? "-"} | ${r.ttl === 0 ? "never cached" : formatDuration(r.ttl)} | ${code(r.cacheControl)} |`);
    out.push("");
  }
  if (c.classes.length) {
    out.push(`Classes: ${c.classes.map((k) => `${k.name} (${k.ttl === 0 ? "not cached" : formatDuration(k.ttl)}${k.staleWhileRevalidate !== null ? `, stale-while-revalidate ${formatDuration(k.staleWhileRevalidate)}` : ""})`).join(", ")}.`, "");
  }
  if (c.invalidateOn.length) out.push(`Purged on events: ${c.invalidateOn.map(code).join(", ")}.`, "");
  if (c.hitRatio) out.push(`Hit ratio objective: ${percent(c.hitRatio.objective)} (hits ${code(c.hitRatio.hits)}, misses ${code(c.hitRatio.misses)}).`, "");
  return out;
}

const ACTION_TEXT = { hash: "keyed HMAC-SHA256 hash", last4: "all but the last 4 characters masked", drop: "removed", mask: "fully masked" } as const;

function piiSection(s: Service): string[] {
  const p = s.pii;
  const out = [
    "## PII redaction in logs",
    "",
    `Fluent Bit's ${code(LUA_SCRIPT)} applies these rules to the records of this workload (namespace ${code(s.namespace)}, the pod labels above); ` +
      "other records get the Organization defaults only. Field actions come first, then custom patterns, then the detectors, on every string value at any depth " +
      "(the top-level `kubernetes`, `stream`, `time` and `_p` excepted).",
    "",
    "| Detector | From | Replaced by |",
    "|---|---|---|",
  ];
  for (const d of p.detectors) out.push(`| ${code(d)} | ${p.added.includes(d) ? "this service" : "Organization default"} | ${code(DETECTOR_TOKENS[d as DetectorId])} |`);
  out.push("");
  if (p.fields.length) {
    out.push("| Field | Action |", "|---|---|");
    for (const f of p.fields) out.push(`| ${code(f.path)} | ${ACTION_TEXT[f.action]} |`);
    out.push("");
  }
  for (const pat of p.patterns) out.push(`- Pattern ${code(pat.name)}: ${code(pat.match)} replaced by ${code(pat.replace)}`);
  if (p.patterns.length) out.push("");
  if (p.fields.some((f) => f.action === "hash")) {
    out.push(
      `\`hash\` keys the HMAC with the environment variable ${code(HMAC_ENV)}, which [\`fluent-bit/fluent-bit.values.yaml\`](../fluent-bit/fluent-bit.values.yaml) feeds from the Secret ${code(HMAC_SECRET_NAME)} (key ${code(HMAC_SECRET_KEY)}, namespace ${code(LOGGING_NAMESPACE)}). ` +
        "svcspec never generates the Secret; create it once from a file that stays out of Git:",
      "",
      "```sh",
      ...HMAC_SECRET_COMMANDS,
      "```",
      "",
      "With the variable unset or empty, hashed fields are masked (`[REDACTED]`).",
      "",
    );
  }
  return out;
}

function accessSection(s: Service): string[] {
  const a = s.access;
  if (!a) return [];
  const out = ["## Access", "", "Default deny; a matching deny rule beats every allow rule.", ""];
  out.push("| Resource | Actions | PII fields (masked unless a rule grants pii) |", "|---|---|---|");
  for (const r of a.resources) out.push(`| ${r.name} | ${r.actions.join(", ")} | ${r.piiFields.map(code).join(", ") || "-"} |`);
  out.push("");
  for (const rule of a.rules) out.push(`- **${rule.name}** (${rule.effect}): ${ruleText(rule)}`);
  out.push("", `${a.tests.length} access test${a.tests.length === 1 ? "" : "s"} declared.`, "");
  return out;
}

function ruleText(r: AccessRule): string {
  const parts = [`${r.effect === "allow" ? "allows" : "denies"} ${list(r.actions, "any action")} on ${list(r.resources, "any resource")}`];
  const who: string[] = [];
  if (r.subjects.roles) who.push(`role ${r.subjects.roles.join(" or ")}`);
  if (r.subjects.teams) who.push(`team ${r.subjects.teams.join(" or ")}`);
  if (r.subjects.ids) who.push(`id ${r.subjects.ids.join(" or ")}`);
  parts.push(who.length ? `to subjects with ${who.join(" and ")}` : "to any subject");
  if (r.when.mfa) parts.push("with MFA");
  if (r.when.networks.length) parts.push(`from ${r.when.networks.map((n) => `${n.name} (${n.cidrs.join(", ")})`).join(" or ")}`);
  if (r.when.schedule) parts.push(scheduleText(r.when.schedule));
  for (const [k, v] of r.when.attributes) parts.push(`when ${k} is ${v.map(String).join(" or ")}`);
  if (r.effect === "allow") parts.push(r.pii ? "PII returned unmasked" : "PII masked");
  return parts.join(", ") + (r.description ? `. ${md(r.description)}` : "");
}

function scheduleText(s: Schedule): string {
  return `on ${s.days.join(", ")} from ${s.fromText} to ${s.toText} (${s.timezone})`;
}

function loadSection(s: Service): string[] {
  if (!s.load.length) return [];
  const out = ["## Load scenarios", ""];
  for (const l of s.load) {
    const profile =
      l.profile.kind === "stages"
        ? `${l.profile.stages.length} stages up to ${Math.max(...l.profile.stages.map((x) => x.target))} VUs over ${formatDuration(l.profile.stages.reduce((t, x) => t + x.duration, 0))}`
        : `${l.profile.rate} requests per ${formatDuration(l.profile.per)} for ${formatDuration(l.profile.duration)} (${l.profile.preAllocatedVUs}-${l.profile.maxVUs} VUs)`;
    out.push(`- **${l.name}**: ${profile}, ${l.requests.length} request kind${l.requests.length === 1 ? "" : "s"}, ${l.parallelism} runner${l.parallelism === 1 ? "" : "s"}` + (l.description ? `. ${md(l.description)}` : ""));
  }
  out.push("");
  return out;
}

function chaosSection(s: Service): string[] {
  if (!s.chaos.length) return [];
  const out = ["## Chaos experiments", ""];
  for (const x of s.chaos) {
    const target = x.value !== null ? `${x.mode} ${x.value}` : x.mode;
    const extra = [x.schedule ? `scheduled ${code(x.schedule)}` : null, x.underLoad ? `under load ${code(x.underLoad)}` : null].filter(Boolean).join(", ");
    out.push(`- **${x.name}**: ${x.fault} on ${target} pod(s) for ${formatDuration(x.duration)}${extra ? `, ${extra}` : ""}` + (x.description ? `. ${md(x.description)}` : ""));
  }
  out.push("");
  return out;
}

// ---------------------------------------------------------------------------------------------

const percent = formatPercent;
function yesNo(b: boolean): string {
  return b ? "yes" : "no";
}
function list(items: string[], all: string): string {
  return items.includes("*") ? all : items.join(", ");
}
/** Spec text inside Markdown: no table breaks, no HTML. */
function md(text: string): string {
  return text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|").replace(/</g, "&lt;");
}
/** Inline code that survives backticks inside the value. */
function code(text: string): string {
  const t = text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
  return t.includes("`") ? `\`\` ${t} \`\`` : `\`${t}\``;
}
