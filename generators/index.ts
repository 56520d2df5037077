/** The ordered registry of generators. Each is a pure function of the Model returning its native
 * files and what the packaging stage (src/package) wraps them into; the id carries a version so
 * that a change of behaviour is explicit. */
import type { Diagnostic } from "../src/diagnostics/diagnostic.js";
import type { Model } from "../src/model/model.js";
import type { TargetOutput } from "../src/package/request.js";
import { generateAlertmanager } from "./alertmanager/index.js";
import { checkDocs, type DocsOptions, generateDocs } from "./docs/index.js";
import { generateFluentBit } from "./fluentbit/index.js";
import { generateGrafana } from "./grafana/index.js";
import { generateK6 } from "./k6/index.js";
import { generateKubernetes } from "./kubernetes/index.js";
import { generateOpa } from "./opa/index.js";
import { generatePrometheus } from "./prometheus/index.js";

/** What the caller may supply besides the Model, as data (compile() reads no disk). */
export type GenerateOptions = DocsOptions;

export interface Generator {
  id: string;
  generate(model: Model, options: GenerateOptions): TargetOutput;
  /** User errors in the options (a broken docs template), reported before anything is generated. */
  check?(model: Model, options: GenerateOptions): Diagnostic[];
}

export const GENERATORS: readonly Generator[] = [
  { id: "docs/v1", generate: (model, options) => ({ files: generateDocs(model, options), packages: [] }), check: checkDocs },
  { id: "prometheus/v1", generate: generatePrometheus },
  { id: "alertmanager/v1", generate: generateAlertmanager },
  { id: "fluent-bit/v1", generate: generateFluentBit },
  { id: "k6/v1", generate: generateK6 },
  { id: "kubernetes/v1", generate: generateKubernetes },
  { id: "opa/v1", generate: generateOpa },
  { id: "grafana/v1", generate: generateGrafana },
];
