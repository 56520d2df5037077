/** The ordered registry of generators. Each is a pure function of the Model returning its native
 * files and what the packaging stage (src/package) wraps them into; the id carries a version so
 * that a change of behaviour is explicit. */
import type { Diagnostic } from "../src/diagnostics/diagnostic.js";
import type { Model, Organization, Service } from "../src/model/model.js";
import { joinOutputs, type TargetOutput } from "../src/package/request.js";
import { generateAlertmanager } from "./alertmanager/index.js";
import { checkDocs, type DocsOptions, docsService } from "./docs/index.js";
import { generateFluentBit } from "./fluentbit/index.js";
import { assembleGrafana, grafanaService } from "./grafana/index.js";
import { k6Service } from "./k6/index.js";
import { kubernetesService } from "./kubernetes/index.js";
import { assembleOpa, opaAssembleReads, opaService } from "./opa/index.js";
import { prometheusService } from "./prometheus/index.js";

/** What the caller may supply besides the Model, as data (compile() reads no disk). */
export type GenerateOptions = DocsOptions;

export interface Generator {
  id: string;
  /** The whole target. For a generator with a per-service seam it is `service` of every service,
   * in the Model's order, joined with what `assemble` adds. Without a seam, a function of the Model
   * and the options optionsKey names alone (compile() may take its result from the cache). */
  generate(model: Model, options: GenerateOptions): TargetOutput;
  /** The per-service seam: one service's outputs, a function of (Organization, service, the
   * options `optionsKey` names) and of nothing else, never the whole Model, so that compile() may
   * take its result from the generation cache (src/cache) instead. */
  service?(organization: Organization, service: Service, options: GenerateOptions): TargetOutput;
  /** The cross-service outputs only (not the per-service ones again), a function of the Model, the
   * options optionsKey names and the per-service outputs (in the Model's order) cut down to the
   * files `assembleReads` names, and of nothing else (compile() may take its result from the
   * generation cache); without it the target is the per-service outputs joined. */
  assemble?(model: Model, perService: readonly TargetOutput[], options: GenerateOptions): TargetOutput;
  /** The per-service files `assemble` reads, by path: compile() generates and hands on one service
   * at a time and keeps only these in memory until the end (every file when absent). */
  assembleReads?(path: string): boolean;
  /** The options `service`, `generate` and `assemble` read, as text that goes into their cache
   * keys ("" when none). */
  optionsKey?(options: GenerateOptions): string;
  /** User errors in the options (a broken docs template), reported before anything is generated. */
  check?(model: Model, options: GenerateOptions): Diagnostic[];
}

type Seam = Required<Pick<Generator, "service">> & Partial<Pick<Generator, "assemble" | "assembleReads" | "optionsKey">>;

/** A generator whose target is its per-service outputs plus, when `assemble` is given, what that adds. */
function perService(id: string, seam: Seam, check?: Generator["check"]): Generator {
  const generate = (model: Model, options: GenerateOptions): TargetOutput => {
    const parts = model.services.map((s) => seam.service(model.organization, s, options));
    return seam.assemble ? joinOutputs([...parts, seam.assemble(model, parts, options)]) : joinOutputs(parts);
  };
  return { id, ...seam, generate, ...(check ? { check } : {}) };
}

/** The templates as text for the docs cache key: by name, each with its path and text. */
function docsOptionsKey(options: GenerateOptions): string {
  const t = options.docsTemplates;
  if (!t?.size) return "";
  return JSON.stringify([...t.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, src]) => [name, src.path, src.text]));
}

export const GENERATORS: readonly Generator[] = [
  perService("docs/v1", { service: (org, s, options) => ({ files: [docsService(org, s, options)], packages: [] }), optionsKey: docsOptionsKey }, checkDocs),
  perService("prometheus/v1", { service: prometheusService }),
  { id: "alertmanager/v1", generate: generateAlertmanager },
  { id: "fluent-bit/v1", generate: generateFluentBit },
  perService("k6/v1", { service: k6Service }),
  perService("kubernetes/v1", { service: kubernetesService }),
  perService("opa/v1", { service: opaService, assemble: assembleOpa, assembleReads: opaAssembleReads }),
  perService("grafana/v1", { service: grafanaService, assemble: assembleGrafana, assembleReads: () => false }),
];
