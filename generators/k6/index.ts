/** k6/<service>/<scenario>.js per load scenario and k6/<service>/chaos-<experiment>.js per chaos
 * experiment that runs under load, the runtime they import (k6/<service>/svcspec.runtime.js), and
 * each script with the runtime as a ConfigMap in kubernetes/<service>/ (mounted by the scenario's
 * TestRun, or by the experiment's Workflow).
 *
 * Thresholds of a load script: the SLOs' (a latency SLO of objective P and threshold T gives
 * `http_req_duration: p(P)<T` in ms; a ratio or query SLO of objective A gives
 * `http_req_failed: rate<1-A`), then `checks: rate>0.99` (checks never fail a run by themselves; 99%
 * lets a rare network blip through while any systematic status or Cache-Control mismatch fails the
 * run), then the scenario's own. A chaos script has only the steady state, each with abortOnFail:
 * the load test stops, and fails with exit code 99, as soon as the steady state is lost. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ratio } from "../../src/model/decimal.js";
import type { ChaosExperiment, LoadScenario, Model, Organization, Service } from "../../src/model/model.js";
import { joinOutputs, type TargetOutput } from "../../src/package/request.js";
import { withHeader } from "../../src/render/header.js";
import { k6ChaosConfigMapName, k6ChaosScriptFile, k6LoadConfigMapName, k6LoadScriptFile, metadata } from "../../src/render/kubernetes.js";
import { packageRoot } from "../../src/util/package-root.js";
import { addThreshold, renderScript, RUNTIME_MODULE, thresholdKey, type Thresholds } from "./script.js";

/** The checks rate every load script requires (see above). */
export const CHECKS_RATE = "rate>0.99";

export function loadThresholds(service: Service, load: LoadScenario): Thresholds {
  const t: Thresholds = new Map();
  for (const slo of service.slos) {
    const sli = slo.sli;
    switch (sli.kind) {
      case "latency":
        addThreshold(t, "http_req_duration", `p(${slo.objectivePercent})<${sli.threshold.mul(Ratio.of(1000))}`);
        break;
      case "ratio":
      case "query":
        addThreshold(t, "http_req_failed", `rate<${slo.budget}`);
        break;
      default: {
        // A new SLI kind must say which k6 metric, if any, its objective bounds.
        const never: never = sli;
        throw new Error(`internal: no k6 threshold for SLI kind ${(never as { kind: string }).kind}`);
      }
    }
  }
  addThreshold(t, "checks", CHECKS_RATE);
  for (const x of load.thresholds) {
    addThreshold(t, thresholdKey(x.metric, x.tags), x.abortOnFail ? { threshold: x.condition, abortOnFail: true } : x.condition);
  }
  return t;
}

export function steadyStateThresholds(x: ChaosExperiment): Thresholds {
  const t: Thresholds = new Map();
  const ss = x.steadyState;
  if (ss?.maxErrorRate) addThreshold(t, "http_req_failed", { threshold: `rate<${ss.maxErrorRate}`, abortOnFail: true });
  if (ss?.maxLatency) addThreshold(t, "http_req_duration", { threshold: `p(${ss.maxLatency.p})<${ss.maxLatency.seconds.mul(Ratio.of(1000))}`, abortOnFail: true });
  return t;
}

/** The scenario's profile, lengthened so the load lasts at least as long as the fault: a short
 * stages profile gets a hold stage at its peak before the last stage (the ramp-down). */
export function chaosProfile(load: LoadScenario, x: ChaosExperiment): LoadScenario["profile"] {
  const p = load.profile;
  if (p.kind === "arrivalRate") return { ...p, duration: Math.max(p.duration, x.duration) };
  const total = p.stages.reduce((s, st) => s + st.duration, 0);
  const deficit = x.duration - total;
  if (deficit <= 0) return p;
  const stages = [...p.stages];
  if (stages.length === 1) stages.push({ duration: deficit, target: stages[0]!.target });
  else stages.splice(stages.length - 1, 0, { duration: deficit, target: stages[stages.length - 2]!.target });
  return { kind: "stages", stages };
}

export function loadScript(service: Service, load: LoadScenario): string {
  return renderScript({
    service,
    load,
    scenario: load.name,
    profile: load.profile,
    thresholds: loadThresholds(service, load),
    about: [`Load scenario ${load.name} of service ${service.name}.`, ...(load.description ? [load.description] : [])],
  });
}

export function chaosScript(service: Service, x: ChaosExperiment, load: LoadScenario): string {
  return renderScript({
    service,
    load,
    scenario: `chaos-${x.name}`,
    profile: chaosProfile(load, x),
    thresholds: steadyStateThresholds(x),
    about: [
      `Chaos experiment ${x.name} of service ${service.name} (${x.fault}), run under the load of scenario ${load.name}.`,
      "Thresholds: the steady state, with abortOnFail (exit code 99 as soon as it is lost).",
      ...(x.description ? [x.description] : []),
    ],
  });
}

/** Experiments with underLoad, each with its scenario. */
export function experimentsUnderLoad(service: Service): { experiment: ChaosExperiment; load: LoadScenario }[] {
  return service.chaos.flatMap((x) => {
    const load = x.underLoad ? service.load.find((l) => l.name === x.underLoad) : undefined;
    return load ? [{ experiment: x, load }] : [];
  });
}

/** The shared runtime (runtime.js beside this file; the package ships generators/), read once. */
let runtime: string | null = null;
function runtimeSource(): string {
  return (runtime ??= readFileSync(join(packageRoot(), "generators", "k6", "runtime.js"), "utf8"));
}

/** Where a script goes: its file under k6/<service>/, and the ConfigMap that carries it into
 * the cluster (manifest file, object name, labels). */
interface Placement {
  file: string;
  manifest: string;
  configMap: string;
  labels: Record<string, string>;
}

/** Layout: the runtime once per service as k6/<service>/svcspec.runtime.js, so `k6 run` on any
 * script of the folder resolves its `./svcspec.runtime.js`; in the cluster, each script's
 * ConfigMap carries the runtime as a second key, because the TestRun (k6-operator, mounted at
 * /test) and the Workflow's k6 task (at /scripts) mount the whole ConfigMap as one folder. One
 * ConfigMap per script keeps object names, labels and references as they were, and keeps each
 * object far under the 1 MiB limit however many scenarios a service has; the cost is a copy of
 * the runtime (about 3 KiB) per ConfigMap. */
function packaged(service: Service, at: Placement, script: string): TargetOutput {
  const path = `k6/${service.name}/${at.file}`;
  const sources = [service.file ?? ""];
  return {
    files: [{ path, content: withHeader("slash", sources, script) }],
    packages: [
      {
        kind: "ConfigMap",
        path: `kubernetes/${service.name}/${at.manifest}`,
        sources,
        metadata: metadata(service, at.configMap, { "app.kubernetes.io/component": "k6", ...at.labels }),
        data: [
          { kind: "file", key: at.file, path },
          { kind: "file", key: RUNTIME_MODULE, path: runtimePath(service) },
        ],
      },
    ],
  };
}

function runtimePath(service: Service): string {
  return `k6/${service.name}/${RUNTIME_MODULE}`;
}

export function generateK6(model: Model): TargetOutput {
  return joinOutputs(model.services.map((s) => k6Service(model.organization, s)));
}

/** One service's scripts, their runtime and ConfigMaps: a function of the service alone. */
export function k6Service(_organization: Organization, service: Service): TargetOutput {
  const scripts = [
    ...service.load.map((load) =>
      packaged(
        service,
        { file: k6LoadScriptFile(load), manifest: `configmap-k6-${load.name}.yaml`, configMap: k6LoadConfigMapName(service, load), labels: { "svcspec.dev/scenario": load.name } },
        loadScript(service, load),
      ),
    ),
    ...experimentsUnderLoad(service).map(({ experiment, load }) =>
      packaged(
        service,
        { file: k6ChaosScriptFile(experiment), manifest: `configmap-k6-chaos-${experiment.name}.yaml`, configMap: k6ChaosConfigMapName(service, experiment), labels: { "svcspec.dev/experiment": experiment.name } },
        chaosScript(service, experiment, load),
      ),
    ),
  ];
  if (!scripts.length) return { files: [], packages: [] };
  return joinOutputs([{ files: [{ path: runtimePath(service), content: withHeader("slash", [service.file ?? ""], runtimeSource()) }], packages: [] }, ...scripts]);
}
