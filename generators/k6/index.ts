/** k6/<service>/<scenario>.js per load scenario and k6/<service>/chaos-<experiment>.js per chaos
 * experiment that runs under load, each also as a ConfigMap in kubernetes/<service>/ (mounted by
 * the scenario's TestRun, or by the experiment's Workflow).
 *
 * Thresholds of a load script: the SLOs' (a latency SLO of objective P and threshold T gives
 * `http_req_duration: p(P)<T` in ms; a ratio or query SLO of objective A gives
 * `http_req_failed: rate<1-A`), then `checks: rate>0.99` (checks never fail a run by themselves; 99%
 * lets a rare network blip through while any systematic status or Cache-Control mismatch fails the
 * run), then the scenario's own. A chaos script has only the steady state, each with abortOnFail:
 * the load test stops, and fails with exit code 99, as soon as the steady state is lost. */
import { Ratio } from "../../src/model/decimal.js";
import type { ChaosExperiment, LoadScenario, Model, Service } from "../../src/model/model.js";
import type { TargetOutput } from "../../src/package/request.js";
import { withHeader } from "../../src/render/header.js";
import { k6ChaosConfigMapName, k6ChaosScriptFile, k6LoadConfigMapName, k6LoadScriptFile, metadata } from "../../src/render/kubernetes.js";
import { addThreshold, renderScript, thresholdKey, type Thresholds } from "./script.js";

/** The checks rate every load script requires (see above). */
export const CHECKS_RATE = "rate>0.99";

export function loadThresholds(service: Service, load: LoadScenario): Thresholds {
  const t: Thresholds = new Map();
  for (const slo of service.slos) {
    if (slo.sli.kind === "latency") {
      addThreshold(t, "http_req_duration", `p(${slo.objectivePercent})<${slo.sli.threshold.mul(Ratio.of(1000))}`);
    } else {
      addThreshold(t, "http_req_failed", `rate<${slo.budget}`);
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

/** Where a script goes: its file under k6/<service>/, and the ConfigMap that carries it into
 * the cluster (manifest file, object name, labels). */
interface Placement {
  file: string;
  manifest: string;
  configMap: string;
  labels: Record<string, string>;
}

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
        data: [{ kind: "file", key: at.file, path }],
      },
    ],
  };
}

export function generateK6(model: Model): TargetOutput {
  const parts = model.services.flatMap((service) => [
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
  ]);
  return { files: parts.flatMap((p) => p.files), packages: parts.flatMap((p) => p.packages) };
}
