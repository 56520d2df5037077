/** Rules Chaos Mesh's admission webhook enforces that its CRD schemas do not express
 * (chaos-mesh api/v1alpha1 common_webhook.go, podchaos_webhook.go, stresschaos_webhook.go,
 * networkchaos_webhook.go), re-implemented so generated objects are checked offline. Returns one
 * message per violation; checks chaos objects, and the chaos bodies inside Schedules and Workflows. */

const GO_DURATION = /^(-?)([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;
const CHAOS_KEYS = ["podChaos", "networkChaos", "stressChaos", "httpChaos", "dnsChaos", "timeChaos", "ioChaos"];

type Obj = Record<string, unknown>;

export function webhookProblems(doc: Obj): string[] {
  const kind = String(doc["kind"]);
  const spec = (doc["spec"] ?? {}) as Obj;
  if (kind === "Schedule") {
    const key = CHAOS_KEYS.find((k) => spec[k] !== undefined);
    if (key) return chaosProblems(kindOf(key), spec[key] as Obj, "spec." + key);
    if (spec["workflow"]) return workflowProblems(spec["workflow"] as Obj, "spec.workflow");
    return [`Schedule has no body for type ${String(spec["type"])}`];
  }
  if (kind === "Workflow") return workflowProblems(spec, "spec");
  return chaosProblems(kind, spec, "spec");
}

function kindOf(key: string): string {
  return { podChaos: "PodChaos", networkChaos: "NetworkChaos", stressChaos: "StressChaos", httpChaos: "HTTPChaos", dnsChaos: "DNSChaos", timeChaos: "TimeChaos", ioChaos: "IOChaos" }[key] ?? key;
}

function workflowProblems(spec: Obj, at: string): string[] {
  const templates = (spec["templates"] ?? []) as Obj[];
  const names = new Set(templates.map((t) => String(t["name"])));
  const out: string[] = [];
  if (!names.has(String(spec["entry"]))) out.push(`${at}.entry ${String(spec["entry"])} is not a template`);
  templates.forEach((t, i) => {
    for (const c of (t["children"] ?? []) as string[]) if (!names.has(c)) out.push(`${at}.templates[${i}] child ${c} is not a template`);
    const key = CHAOS_KEYS.find((k) => t[k] !== undefined);
    if (key) {
      if (kindOf(key) !== t["templateType"]) out.push(`${at}.templates[${i}] templateType ${String(t["templateType"])} does not match ${key}`);
      if (t["deadline"] !== undefined && !GO_DURATION.test(String(t["deadline"]))) out.push(`${at}.templates[${i}].deadline is not a Go duration`);
      out.push(...chaosProblems(kindOf(key), t[key] as Obj, `${at}.templates[${i}].${key}`));
    }
    if (t["templateType"] === "Task" && !(t["task"] as Obj | undefined)?.["container"]) out.push(`${at}.templates[${i}] Task without a container`);
  });
  return out;
}

function chaosProblems(kind: string, spec: Obj, at: string): string[] {
  const out: string[] = [];
  const mode = String(spec["mode"]);
  const value = spec["value"];
  if (mode === "fixed") {
    if (typeof value !== "string" || !/^[0-9]+$/.test(value) || Number(value) <= 0) out.push(`${at}.value must be an integer > 0 for mode fixed`);
  } else if (mode === "fixed-percent" || mode === "random-max-percent") {
    if (typeof value !== "string" || !/^[0-9]+$/.test(value) || Number(value) <= 0 || Number(value) > 100) out.push(`${at}.value must be an integer in (0, 100] for mode ${mode}`);
  }
  if (spec["duration"] !== undefined && !GO_DURATION.test(String(spec["duration"]))) out.push(`${at}.duration is not a Go duration`);
  const selector = (spec["selector"] ?? {}) as Obj;
  if (!Object.keys(selector).length) out.push(`${at}.selector is empty`);
  if (kind === "PodChaos" && spec["action"] === "container-kill" && !((spec["containerNames"] as unknown[] | undefined)?.length)) {
    out.push(`${at}.containerNames must not be empty for container-kill`);
  }
  if (kind === "StressChaos" && !spec["stressors"] && !spec["stressngStressors"]) out.push(`${at} needs stressors or stressngStressors`);
  if (kind === "StressChaos" && spec["stressors"]) {
    const s = spec["stressors"] as Obj;
    if (!s["cpu"] && !s["memory"]) out.push(`${at}.stressors has no stressor`);
  }
  if (kind === "NetworkChaos") {
    const dir = spec["direction"];
    if ((dir === "from" || dir === "both") && !spec["target"] && !spec["externalTargets"]) out.push(`${at}: direction ${String(dir)} needs a target`);
  }
  if (kind === "TimeChaos" && !GO_DURATION.test(String(spec["timeOffset"]))) out.push(`${at}.timeOffset is not a Go duration`);
  if (kind === "HTTPChaos" && typeof spec["port"] !== "number") out.push(`${at}.port must be a number`);
  return out;
}
