/** What the Fluent Bit tests of both tiers share: the Models of the example and the golden
 * fixtures, the size of the faker corpus, and the example's redaction policies for the TypeScript
 * oracle (test/oracle/redact.ts). */
import { join } from "node:path";
import { policies } from "../../src/pii/policy.js";
import { HMAC_KEY } from "../fixtures/lua/corpus.js";
import { FIXTURES, modelOf } from "../helpers.js";

export const model = modelOf("spec");
export const fixtureModels = ["minimal", "window-28d"].map((n) => modelOf(join(FIXTURES, n, "spec"), join(FIXTURES, n)));
export const CORPUS_SIZE = 10_000;

const { services, fallback } = policies(model);
/** The oracle's options for the example, with the corpus's HMAC key. */
export const oracleOptions = { services, fallback, hmacKey: HMAC_KEY };
