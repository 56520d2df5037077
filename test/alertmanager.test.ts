/** The Alertmanager output without a consumer: the routing table covers every team and severity,
 * tickets keep to business hours, no secret is inlined, matcher values are quoted. amtool and a real
 * Alertmanager prove the same files in test/consumer/alertmanager.test.ts. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import jsyaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { routingRows } from "../src/cli/commands/verify.js";
import { compile } from "../src/compile.js";
import { ROOT } from "./helpers.js";

describe("alertmanager config", () => {
  it("covers every team and severity, the unknown team and the missing team", () => {
    const rows = routingRows(join(ROOT, "out", "alertmanager", "routes.test.yaml"));
    const names = new Set(rows.map((r) => `${r.labels["team"] ?? "-"}/${r.labels["severity"] ?? "-"}/${r.receivers.join(",")}`));
    expect(names).toContain("payments/page/payments-page");
    expect(names).toContain("payments/ticket/payments-ticket");
    expect(names).toContain("growth/page/default"); // growth has no pager
    expect(names).toContain("no-such-team/page/default");
    expect(names).toContain("-/page/default");
  });

  it("tickets are delivered only in the team's business hours; no secret is inlined", () => {
    const config = jsyaml.load(readFileSync(join(ROOT, "out", "alertmanager", "alertmanager.yaml"), "utf8")) as {
      route: { routes: { matchers: string[]; routes: { matchers: string[]; active_time_intervals?: string[] }[] }[] };
      time_intervals: { name: string; time_intervals: { location: string; weekdays: string[]; times: { start_time: string; end_time: string }[] }[] }[];
      receivers: Record<string, unknown>[];
    };
    const payments = config.route.routes.find((r) => r.matchers.includes('team="payments"'))!;
    expect(payments.routes.find((r) => r.matchers.includes('severity="ticket"'))!.active_time_intervals).toEqual(["payments-business-hours"]);
    expect(payments.routes.find((r) => r.matchers.includes('severity="page"'))!.active_time_intervals).toBeUndefined();
    expect(config.time_intervals.find((t) => t.name === "payments-business-hours")!.time_intervals[0]).toEqual({
      times: [{ start_time: "09:00", end_time: "17:00" }],
      weekdays: ["monday", "tuesday", "wednesday", "thursday", "friday"],
      location: "Europe/Berlin",
    });
    const text = JSON.stringify(config.receivers);
    expect(text).not.toMatch(/"(routing_key|service_key|api_url|api_key|auth_password)":/);
  });

  it("matcher values are quoted and escaped", () => {
    const spec = readFileSync(join(ROOT, "spec", "organization.yaml"), "utf8");
    const r = compile([{ path: "spec/org.yaml", name: "spec/org.yaml", text: spec }]);
    const config = r.files!.get("alertmanager/alertmanager.yaml")!;
    expect(config).toMatch(/- team="payments"/);
    expect(config).toMatch(/- slo=~"\.\+"/);
  });
});
