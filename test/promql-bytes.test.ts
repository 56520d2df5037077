/** Issue #18, finding 4: the parser svcspec validates PromQL with (lezer-promql) and Prometheus's
 * Go lexer must agree on every byte of a spec query. Where they differ, the query is an error
 * located at the byte: control characters (a `#` comment ends at `\r` for Prometheus only),
 * comments (svcspec embeds queries in larger expressions), Unicode spaces between tokens (lezer
 * skips them, Prometheus rejects them), escapes Go does not know, U+FFFD in strings. What
 * Prometheus does with the old query: test/consumer/hostile-text.test.ts. */
import { describe, expect, it } from "vitest";
import { compile } from "../src/compile.js";
import { checkPromql } from "../src/validate/promql.js";
import { ACCEPTED, REJECTED, SILENCED } from "./support/promql-cases.js";

describe("PromQL bytes lezer and Prometheus read differently", () => {
  it("the carriage-return comment is rejected at the carriage return", () => {
    expect(checkPromql(SILENCED, "expr")).toMatchObject({ offset: SILENCED.indexOf("\r"), message: expect.stringMatching(/U\+000D/) });
  });

  it.each(REJECTED)("%j (%s) is rejected at %j (%s)", (text, kind, at) => {
    const problem = checkPromql(text, kind);
    expect(problem, "accepted").not.toBeNull();
    expect(problem!.offset).toBe(text.indexOf(at));
  });

  it.each(ACCEPTED)("%j (%s) is accepted", (text, kind) => {
    expect(checkPromql(text, kind)).toBeNull();
  });

  it("a spec query with the carriage-return comment is an error (SVC050) at its SLI", () => {
    const spec = `apiVersion: svcspec/v1
kind: Service
metadata: { name: api, team: web }
spec:
  tier: standard
  slos:
    - name: availability
      sli:
        query:
          errors: "sum(rate(errors_total[$window])) # note\\r * 0"
          total: sum(rate(requests_total[$window]))
`;
    const r = compile([{ path: "spec/api.yaml", name: "spec/api.yaml", text: spec }]);
    expect(r.files).toBeNull();
    expect(r.diagnostics.map((d) => `${d.code} ${d.file}:${d.line}:${d.col}`)).toEqual(["SVC050 spec/api.yaml:10:59"]); // at the \\r as written
  });
});
