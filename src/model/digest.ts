import { createHash } from "node:crypto";
import type { Model } from "./model.js";

/** sha256 of the Model without its source file names: the bundle revision changes exactly when
 * the compiled spec does, and not when spec files are renamed, moved or merged. */
export function modelDigest(model: Model): string {
  const anonymous = { organization: { ...model.organization, file: null }, services: model.services.map((s) => ({ ...s, file: null })) };
  const text = JSON.stringify(anonymous, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  return `sha256:${createHash("sha256").update(text).digest("hex")}`;
}
