/** Chaos Mesh objects (chaos-mesh.org/v1alpha1) for a service's experiments.
 *
 * Exactly one runnable object per experiment, so applying the folder never injects the same fault
 * twice: a Schedule when `schedule` is set (of the Workflow when the experiment runs under load,
 * else of the chaos kind), else a Workflow when `underLoad` is set (the fault in parallel with a k6
 * task running chaos-<experiment>.js), else the chaos object itself. */
import type { ChaosExperiment, Service } from "../../src/model/model.js";
import { goDuration } from "../../src/model/duration.js";
import { dnsName, k6ChaosConfigMapName, k6ChaosScriptFile, metadata, podSelector } from "../../src/render/kubernetes.js";

export type ChaosKind = "PodChaos" | "NetworkChaos" | "StressChaos" | "HTTPChaos" | "DNSChaos" | "TimeChaos";

export const CHAOS_API = "chaos-mesh.org/v1alpha1";
/** The k6 image of Workflow tasks, pinned by tag (the k6 line svcspec's scripts are checked with). */
export const K6_IMAGE = "grafana/k6:2.1.0";

export function chaosKind(x: ChaosExperiment): ChaosKind {
  switch (x.fault) {
    case "pod-kill":
    case "pod-failure":
    case "container-kill":
      return "PodChaos";
    case "network-delay":
    case "network-loss":
    case "network-partition":
      return "NetworkChaos";
    case "cpu-stress":
    case "memory-stress":
      return "StressChaos";
    case "http-abort":
    case "http-delay":
      return "HTTPChaos";
    case "dns-error":
      return "DNSChaos";
    case "time-skew":
      return "TimeChaos";
  }
}

/** `PodChaos` -> `podChaos`, `HTTPChaos` -> `httpChaos`, `DNSChaos` -> `dnsChaos`. */
export function lowerCamel(kind: string): string {
  const m = /^([A-Z]+)([A-Z][a-z].*)$/.exec(kind);
  return m ? m[1]!.toLowerCase() + m[2] : kind.charAt(0).toLowerCase() + kind.slice(1);
}

/** The chaos spec without `duration` (a Workflow node carries `deadline` instead). */
export function chaosBody(service: Service, x: ChaosExperiment): Record<string, unknown> {
  const target = { mode: x.mode, ...(x.value !== null ? { value: x.value } : {}), selector: podSelector(service) };
  const containers = (names: string[] | null) => (names !== null ? { containerNames: names } : {});
  switch (x.fault) {
    case "pod-kill":
      return { action: "pod-kill", ...target, ...(x.params.gracePeriod !== null ? { gracePeriod: x.params.gracePeriod } : {}) };
    case "pod-failure":
      return { action: "pod-failure", ...target };
    case "container-kill":
      return { action: "container-kill", ...target, ...containers(x.params.containerNames) };
    case "network-delay": {
      const p = x.params;
      return {
        action: "delay",
        ...target,
        delay: { latency: p.latency, ...(p.jitter !== null ? { jitter: p.jitter } : {}), ...(p.correlation !== null ? { correlation: p.correlation.toString() } : {}) },
        direction: p.direction,
      };
    }
    case "network-loss": {
      const p = x.params;
      return { action: "loss", ...target, loss: { loss: p.loss.toString(), ...(p.correlation !== null ? { correlation: p.correlation.toString() } : {}) }, direction: p.direction };
    }
    case "network-partition": {
      const sel = x.params.targetSelector;
      return {
        action: "partition",
        ...target,
        direction: x.params.direction,
        ...(sel ? { target: { mode: "all", selector: { namespaces: [service.namespace], labelSelectors: { ...sel } } } } : {}),
      };
    }
    case "cpu-stress":
      return { ...target, stressors: { cpu: { workers: x.params.workers, load: x.params.load } }, ...containers(x.params.containerNames) };
    case "memory-stress":
      return { ...target, stressors: { memory: { workers: x.params.workers, size: x.params.size } }, ...containers(x.params.containerNames) };
    case "http-abort":
    case "http-delay": {
      const p = x.params;
      return {
        ...target,
        target: p.target,
        port: p.port,
        path: p.path,
        ...(p.method !== null ? { method: p.method } : {}),
        ...(x.fault === "http-abort" ? { abort: true } : { delay: x.params.delay }),
      };
    }
    case "dns-error":
      return { action: "error", ...target, patterns: x.params.patterns };
    case "time-skew":
      return { ...target, timeOffset: x.params.timeOffset, ...containers(x.params.containerNames) };
  }
}

export function chaosObjectName(service: Service, x: ChaosExperiment): string {
  return dnsName(`${service.name}-${x.name}`);
}

/** The chaos object on its own, with `duration`. */
export function chaosObject(service: Service, x: ChaosExperiment): Record<string, unknown> {
  return {
    apiVersion: CHAOS_API,
    kind: chaosKind(x),
    metadata: metadata(service, chaosObjectName(service, x), { "svcspec.dev/experiment": x.name }),
    spec: { ...chaosBody(service, x), duration: goDuration(x.duration) },
  };
}

/** The Workflow spec: fault and k6 load in parallel. */
export function workflowSpec(service: Service, x: ChaosExperiment): Record<string, unknown> {
  const kind = chaosKind(x);
  const script = k6ChaosScriptFile(x);
  return {
    entry: "fault-under-load",
    templates: [
      { name: "fault-under-load", templateType: "Parallel", children: ["fault", "load"] },
      { name: "fault", templateType: kind, deadline: goDuration(x.duration), [lowerCamel(kind)]: chaosBody(service, x) },
      {
        name: "load",
        templateType: "Task",
        task: {
          container: {
            name: "k6",
            image: K6_IMAGE,
            command: ["k6", "run", "--quiet", `/scripts/${script}`],
            volumeMounts: [{ name: "scripts", mountPath: "/scripts", readOnly: true }],
          },
          volumes: [{ name: "scripts", configMap: { name: k6ChaosConfigMapName(service, x) } }],
        },
      },
    ],
  };
}

/** The one runnable object of an experiment (see the file comment). */
export function experimentObject(service: Service, x: ChaosExperiment): Record<string, unknown> {
  const name = chaosObjectName(service, x);
  const meta = metadata(service, name, { "svcspec.dev/experiment": x.name });
  if (x.schedule !== null) {
    const type = x.underLoad ? "Workflow" : chaosKind(x);
    const body = x.underLoad ? workflowSpec(service, x) : { ...chaosBody(service, x), duration: goDuration(x.duration) };
    return {
      apiVersion: CHAOS_API,
      kind: "Schedule",
      metadata: meta,
      spec: { schedule: x.schedule, type, concurrencyPolicy: "Forbid", historyLimit: 5, [lowerCamel(type)]: body },
    };
  }
  if (x.underLoad) return { apiVersion: CHAOS_API, kind: "Workflow", metadata: meta, spec: workflowSpec(service, x) };
  return chaosObject(service, x);
}
