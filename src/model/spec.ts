/** The spec documents as users write them (spec-v1), after the JSON Schema accepted their shape.
 * Only lower() and the semantic checks read these; generators read the Model (model.ts).
 *
 * The types are generated from the schema (spec.generated.ts, one per definition, named after it);
 * this module adds the document envelope and names for a few inline parts. */
import type { ChaosExperiment, OrganizationMetadata, OrganizationSpec, Schedule, ServiceMetadata, ServiceSpec, Sli } from "./spec.generated.js";

export type * from "./spec.generated.js";

export type Labels = Record<string, string>;

/** A document: the schema's root, whose `kind` decides what metadata and spec hold. */
export interface Document<K extends string, M, S> {
  apiVersion: "svcspec/v1";
  kind: K;
  metadata: M;
  spec: S;
}

export type OrganizationDoc = Document<"Organization", OrganizationMetadata, OrganizationSpec>;
export type ServiceDoc = Document<"Service", ServiceMetadata, ServiceSpec>;

export type Weekday = Schedule["days"][number];
export type ChaosFault = ChaosExperiment["fault"];
export type ChaosMode = ChaosExperiment["mode"];
/** The SLI kinds as the spec spells them: the keys of `sli`. */
export type SpecSliKind = keyof Sli;
