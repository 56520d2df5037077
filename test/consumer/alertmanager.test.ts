/** Alertmanager output proven by its consumers: amtool accepts the config and resolves every row of
 * the routing table to the expected receivers; a real Alertmanager on loopback shows that a firing
 * page mutes the ticket of the same service and SLO, and only that one. (What the files say without
 * a consumer: test/alertmanager.test.ts.) */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import jsyaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routingRows } from "../../src/cli/commands/verify.js";
import { localTool } from "../../src/tools/discover.js";
import { OUTPUTS, ROOT, startOnFreePort, stopProcess, tempDir, waitFor } from "../helpers.js";

const amtool = localTool("amtool", ROOT);
const alertmanager = localTool("alertmanager", ROOT);

/** Output folders that hold an Alertmanager config: the example and every golden fixture. */
const outputs = OUTPUTS.filter((d) => existsSync(join(d, "alertmanager", "alertmanager.yaml")));

function routesTest(config: string, row: { labels: Record<string, string>; receivers: string[] }) {
  return spawnSync(amtool!, ["config", "routes", "test", `--config.file=${config}`, `--verify.receivers=${row.receivers.join(",")}`, ...Object.entries(row.labels).map(([k, v]) => `${k}=${v}`)], { encoding: "utf8", timeout: 30_000 });
}

describe("alertmanager config", () => {
  it("amtool and alertmanager are installed", () => {
    expect(amtool, "amtool missing: run scripts/setup-tools.sh").not.toBeNull();
    expect(alertmanager, "alertmanager missing: run scripts/setup-tools.sh").not.toBeNull();
    expect(outputs.length).toBe(3);
  });

  it.each(outputs)("amtool check-config accepts %s", (dir) => {
    const r = spawnSync(amtool!, ["check-config", join(dir, "alertmanager", "alertmanager.yaml")], { encoding: "utf8" });
    expect(r.stdout + r.stderr).toMatch(/SUCCESS/);
    expect(r.status).toBe(0);
  });

  it.each(outputs)("every row of the routing table resolves as expected in %s", (dir) => {
    const rows = routingRows(join(dir, "alertmanager", "routes.test.yaml"));
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const row of rows) {
      const r = routesTest(join(dir, "alertmanager", row.config), row);
      expect(r.status, `${JSON.stringify(row.labels)} -> ${row.receivers}: ${r.stdout}${r.stderr}`).toBe(0);
    }
  });

  it("the routing table can fail: a wrong expected receiver is caught by amtool", () => {
    const rows = routingRows(join(ROOT, "out", "alertmanager", "routes.test.yaml"));
    const page = rows.find((r) => r.labels["team"] === "payments" && r.labels["severity"] === "page")!;
    const r = routesTest(join(ROOT, "out", "alertmanager", "alertmanager.yaml"), { ...page, receivers: ["payments-ticket"] });
    expect(r.status).not.toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// A real Alertmanager on loopback.

interface ApiAlert {
  labels: Record<string, string>;
  status: { state: string; inhibitedBy: string[] };
  receivers: { name: string }[];
}

describe("a real Alertmanager with the generated routes and inhibition", () => {
  let am: ChildProcess | null = null;
  let sink: Server | null = null;
  const notifications: { receiver: string; alerts: { labels: Record<string, string> }[] }[] = [];
  let base = "";
  const tmp = tempDir();

  beforeAll(async () => {
    if (!alertmanager) throw new Error("alertmanager missing: run scripts/setup-tools.sh");
    // The sink stands in for PagerDuty, Slack and friends: every receiver of the generated config
    // is pointed at it (loopback only), keeping the route tree, timings and inhibition as generated.
    sink = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        notifications.push({ receiver: decodeURIComponent((req.url ?? "/").slice(1)), alerts: (JSON.parse(body) as { alerts: { labels: Record<string, string> }[] }).alerts });
        res.end("ok");
      });
    });
    await new Promise<void>((r) => sink!.listen(0, "127.0.0.1", () => r()));
    const sinkPort = (sink.address() as { port: number }).port;
    const config = jsyaml.load(readFileSync(join(ROOT, "out", "alertmanager", "alertmanager.yaml"), "utf8")) as {
      route: Record<string, unknown> & { routes: { routes: Record<string, unknown>[] }[] };
      receivers: { name: string }[];
    };
    config.receivers = config.receivers.map((r) => ({ name: r.name, webhook_configs: [{ url: `http://127.0.0.1:${sinkPort}/${encodeURIComponent(r.name)}`, send_resolved: false }] }));
    // Pages are sent after group_wait (30s as generated); 1s keeps the test short.
    for (const team of config.route.routes) for (const r of team.routes) if (r["group_wait"] === "30s") r["group_wait"] = "1s";
    config.route["group_wait"] = "1s";
    const file = join(tmp.path, "alertmanager.yaml");
    writeFileSync(file, jsyaml.dump(config));
    const started = await startOnFreePort(
      "alertmanager to be ready",
      (port) => spawn(alertmanager!, [`--config.file=${file}`, `--storage.path=${join(tmp.path, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address=", "--log.level=warn"], { stdio: "ignore" }),
      async (b) => (await fetch(`${b}/-/ready`)).ok,
    );
    am = started.child;
    base = started.base;
  });

  afterAll(async () => {
    await stopProcess(am);
    await new Promise<void>((r) => (sink ? sink.close(() => r()) : r()));
    tmp.cleanup();
  });

  const alert = (labels: Record<string, string>) => ({ labels: { alertname: "SLOErrorBudgetBurn", ...labels }, annotations: { summary: "test" } });

  it("suppresses the ticket of the same service and SLO as a firing page, and nothing else", async () => {
    const page = alert({ service: "checkout", slo: "availability", severity: "page", team: "payments", tier: "critical" });
    const sameSlo = alert({ service: "checkout", slo: "availability", severity: "ticket", team: "payments", tier: "critical", long_window: "1d" });
    const otherSlo = alert({ service: "checkout", slo: "latency", severity: "ticket", team: "payments", tier: "critical" });
    const otherService = alert({ service: "payments-api", slo: "availability", severity: "ticket", team: "payments", tier: "high" });
    const unknownTeam = alert({ service: "legacy", slo: "availability", severity: "page", team: "no-such-team" });
    const post = await fetch(`${base}/api/v2/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify([page, sameSlo, otherSlo, otherService, unknownTeam]) });
    expect(post.ok).toBe(true);

    const alerts = await waitFor("inhibition to settle", async () => {
      const list = (await (await fetch(`${base}/api/v2/alerts`)).json()) as ApiAlert[];
      return list.length === 5 && list.some((a) => a.status.state === "suppressed") ? list : null;
    });
    const find = (slo: string, severity: string, service = "checkout") => alerts.find((a) => a.labels["slo"] === slo && a.labels["severity"] === severity && a.labels["service"] === service)!;
    expect(find("availability", "ticket").status.state).toBe("suppressed");
    expect(find("availability", "ticket").status.inhibitedBy).toHaveLength(1);
    expect(find("latency", "ticket").status.state).toBe("active");
    expect(find("availability", "ticket", "payments-api").status.state).toBe("active");
    expect(find("availability", "page").status.state).toBe("active");
    // Routing as the API resolves it.
    expect(find("availability", "page").receivers.map((r) => r.name)).toEqual(["payments-page"]);
    expect(find("latency", "ticket").receivers.map((r) => r.name)).toEqual(["payments-ticket"]);
    expect(alerts.find((a) => a.labels["team"] === "no-such-team")!.receivers.map((r) => r.name)).toEqual(["default"]);

    // Pages are delivered to the team's page receiver; the unknown team's to the default.
    await waitFor("page notifications", async () => (notifications.some((n) => n.receiver === "payments-page") && notifications.some((n) => n.receiver === "default") ? true : null));
    const delivered = notifications.flatMap((n) => n.alerts.map((a) => `${n.receiver}:${a.labels["service"]}/${a.labels["slo"]}/${a.labels["severity"]}`));
    expect(delivered).toContain("payments-page:checkout/availability/page");
    expect(delivered).toContain("default:legacy/availability/page");
    // The muted ticket is never delivered, whatever the time of day.
    expect(delivered).not.toContain("payments-ticket:checkout/availability/ticket");
  });
});
