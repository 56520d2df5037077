import { describe, expect, it } from "vitest";
import { Ratio, parsePercent } from "../src/model/decimal.js";
import { formatDuration, humanSeconds, parseDuration, parseLatency } from "../src/model/duration.js";
import { validate } from "../src/compile.js";
import { burnRateAlert, percentRatio } from "../src/model/lower.js";
import { parsePiiPattern, toRegExp } from "../src/model/pii-pattern.js";
import { cidrContains, formatIp, parseCidr, parseIp } from "../src/util/ip.js";
import { cronProblem } from "../src/validate/cron.js";
import { checkPromql } from "../src/validate/promql.js";
import { BoundedCache, memo } from "../src/util/memo.js";
import { startOnFreePort } from "./helpers.js";

const DAY = 86_400_000;
const HOUR = 3_600_000;

describe("exact decimals", () => {
  it("a 99.9% objective is a 0.001 budget, never float noise", () => {
    expect(Ratio.of(1).sub(percentRatio(99.9)).toString()).toBe("0.001");
    expect(Ratio.of(1).sub(percentRatio("99.95%")).toString()).toBe("0.0005");
    expect(Ratio.of(1).sub(percentRatio(99.99)).toString()).toBe("0.0001");
    expect(1 - 0.999).not.toBe(0.001); // what floats would have printed
  });
  it("non-terminating decimals print at a fixed precision", () => {
    expect(Ratio.of(1, 3).toString()).toBe("0.3333333333");
    expect(Ratio.of(2, 3).toString()).toBe("0.6666666667");
    expect(Ratio.of(200, 3).toString()).toBe("66.66666667");
    expect(Ratio.of(-1, 3).toString()).toBe("-0.3333333333");
  });
  it("reads numbers and percent strings exactly", () => {
    expect(parsePercent(99.9)?.toString()).toBe("99.9");
    expect(parsePercent("2%")?.toString()).toBe("2");
    expect(parsePercent("2")).toBeNull();
    expect(Ratio.fromNumber(1e-7).toString()).toBe("0.0000001");
    expect(Ratio.parse("0.10")?.toString()).toBe("0.1");
  });
});

describe("burn-rate factors", () => {
  const table = [
    { budget: "2%", long: HOUR },
    { budget: "5%", long: 6 * HOUR },
    { budget: "10%", long: DAY },
    { budget: "10%", long: 3 * DAY },
  ];
  const factors = (window: number) =>
    table.map((row) => burnRateAlert({ severity: "page", budgetConsumed: percentRatio(row.budget), long: row.long, short: row.long / 12, for: 0 }, window, Ratio.parse("0.001")!).factor.toString());
  it("30d gives the SRE workbook's 14.4, 6, 3, 1", () => expect(factors(30 * DAY)).toEqual(["14.4", "6", "3", "1"]));
  it("28d gives 13.44, 5.6, 2.8, 0.9333333333", () => expect(factors(28 * DAY)).toEqual(["13.44", "5.6", "2.8", "0.9333333333"]));
  it("computes detection and exhaustion times", () => {
    const a = burnRateAlert({ severity: "page", budgetConsumed: percentRatio("2%"), long: HOUR, short: 5 * 60_000, for: 2 * 60_000 }, 30 * DAY, Ratio.parse("0.001")!);
    expect(a.threshold.toString()).toBe("0.0144");
    expect(a.detectionSeconds.toString()).toBe("171.84"); // 0.0144 x 3600 s + 120 s
    expect(humanSeconds(a.exhaustionSeconds)).toBe("2d 2h"); // 30d / 14.4 = 50h
    expect(a.canFire).toBe(true);
  });
  it("flags a tier that can never fire", () => {
    const a = burnRateAlert({ severity: "page", budgetConsumed: percentRatio("2%"), long: HOUR, short: 5 * 60_000, for: 0 }, 30 * DAY, Ratio.parse("0.1")!);
    expect(a.threshold.toString()).toBe("1.44");
    expect(a.canFire).toBe(false);
  });
  it("checks of resolved values run on the Model and point where the value was written, or at the SLO", () => {
    const org = ["apiVersion: svcspec/v1", "kind: Organization", "metadata: { name: acme }", "spec:", "  tiers:", "    loose: { objective: 90, page: true, ticket: false }", "  teams:", "    shop: {}"].join("\n");
    const svc = [
      "apiVersion: svcspec/v1",
      "kind: Service",
      "metadata: { name: checkout, team: shop }",
      "spec:",
      "  tier: loose",
      "  slos:",
      "    - name: inherits",
      "      sli: { ratio: { errors: a_total, total: b_total } }",
      "    - name: writes",
      "      objective: 91",
      "      sli: { ratio: { errors: a_total, total: b_total } }",
      "      alerting: { page: true }",
    ].join("\n");
    const { diagnostics } = validate([
      { path: "o.yaml", name: "o.yaml", text: org },
      { path: "s.yaml", name: "s.yaml", text: svc },
    ]);
    // Budget 10% (the tier's) and 9%: the 1h page row needs an error ratio of 14.4 x budget > 1.
    expect(diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.code} ${d.message}`)).toEqual([
      "s.yaml:3:35 SVC038 SLO `inherits` pages, but team `shop` has no page receiver", // paging from the tier: at the team
      "s.yaml:7:13 SVC045 the page alert over 1h can never fire: it needs an error ratio of 1.44 (burn factor 14.4 x budget 0.1)", // the tier's objective: at the name
      "s.yaml:10:18 SVC045 the page alert over 1h can never fire: it needs an error ratio of 1.296 (burn factor 14.4 x budget 0.09)",
      "s.yaml:12:25 SVC038 SLO `writes` pages, but team `shop` has no page receiver",
    ]);
  });
  it("99.9% over 30d is 43.2 minutes of budget", () => {
    expect(Ratio.parse("0.001")!.mul(Ratio.of(30 * 24 * 60)).toString()).toBe("43.2");
  });
});

describe("durations", () => {
  it("parses combinations and zero", () => {
    expect(parseDuration("1h30m")).toEqual({ ok: true, ms: 90 * 60_000 });
    expect(parseDuration("2w")).toEqual({ ok: true, ms: 14 * DAY });
    expect(parseDuration(0, true)).toEqual({ ok: true, ms: 0 });
    expect(parseDuration("0", false).ok).toBe(false);
    expect(parseDuration("5m1h").ok).toBe(false);
    expect(parseDuration("5 minutes").ok).toBe(false);
    expect(parseDuration("1h1h").ok).toBe(false);
  });
  it("formats like Prometheus", () => {
    expect(formatDuration(90 * 60_000)).toBe("1h30m");
    expect(formatDuration(28 * DAY)).toBe("28d");
    expect(formatDuration(150)).toBe("150ms");
  });
  it("reads latency thresholds as exact seconds", () => {
    expect(parseLatency("300ms")?.toString()).toBe("0.3");
    expect(parseLatency("1.5s")?.toString()).toBe("1.5");
    expect(parseLatency("0ms")).toBeNull();
    expect(parseLatency("300")).toBeNull();
  });
});

describe("addresses", () => {
  it("normalises IPv4-mapped IPv6", () => {
    expect(parseIp("::ffff:10.8.1.2")).toEqual(parseIp("10.8.1.2"));
    expect(parseIp("::ffff:0a08:0102")).toEqual(parseIp("10.8.1.2"));
  });
  it("checks CIDR blocks", () => {
    const c = parseCidr("10.8.0.0/16");
    expect(c.ok && cidrContains(c.cidr, parseIp("10.8.255.255")!)).toBe(true);
    expect(c.ok && cidrContains(c.cidr, parseIp("10.9.0.0")!)).toBe(false);
    const bad = parseCidr("10.8.1.0/16");
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.suggestion).toBe("10.8.0.0/16");
    expect(parseCidr("fd00:8::/32").ok).toBe(true);
    expect(parseCidr("10.8.0.0/33").ok).toBe(false);
    expect(parseCidr("300.1.1.1/8").ok).toBe(false);
  });
  it("formats IPv6 compressed", () => {
    expect(formatIp(parseIp("2001:db8:0:0:0:0:0:1")!)).toBe("2001:db8::1");
  });
});

describe("cron", () => {
  it.each(["0 10 * * 1-5", "*/15 * * * *", "@hourly", "@every 6h", "0 0 1 jan,jul *", "30 9 * * mon-fri"])("accepts %s", (c) => expect(cronProblem(c)).toBeNull());
  it.each(["0 10 * *", "60 * * * *", "0 24 * * *", "* * * * 7", "@often", "5-1 * * * *", "*/0 * * * *"])("rejects %s", (c) => expect(cronProblem(c)).not.toBeNull());
});

describe("PromQL", () => {
  it("accepts selectors and window queries", () => {
    expect(checkPromql('http_requests_total{job="a",code=~"5.."}', "selector")).toBeNull();
    expect(checkPromql("sum(rate(x_total[$window])) / sum(rate(y_total[$window]))", "windowQuery")).toBeNull();
    expect(checkPromql('{job="a"}', "labelMatchers")).toBeNull();
  });
  it("points at the error inside the string, $window included", () => {
    expect(checkPromql("sum(rate(x_total[$window])) by (", "windowQuery")?.offset).toBeGreaterThanOrEqual(28);
    const p = checkPromql('http_requests_total{job="a"', "selector");
    expect(p?.message).toMatch(/syntax error/);
  });
  it("requires a plain selector where svcspec applies rate()", () => {
    expect(checkPromql("sum(rate(x[5m]))", "selector")?.message).toMatch(/series selector/);
  });
});

describe("custom PII patterns", () => {
  it("accepts the subset and compiles a JS twin", () => {
    const p = parsePiiPattern("ORD-[0-9]{8}");
    expect(p.ok).toBe(true);
    if (p.ok) {
      const re = toRegExp(p.pattern);
      expect("order ORD-12345678 shipped".match(re)?.[0]).toBe("ORD-12345678");
      expect(re.test("ORD-1234")).toBe(false);
    }
    expect(parsePiiPattern("\\bTKT-\\d{4,6}\\b|INC[A-Z]{2}\\d+").ok).toBe(true);
  });
  it.each([
    ["(a|b)c", 0, /groups/],
    ["ab(?=c)", 2, /lookarounds/],
    ["a+?", 2, /lazy/],
    ["\\1", 0, /backreferences/],
    ["a{3,1}", 1, /maximum/],
    ["é", 0, /ASCII/],
    ["x\\pL", 1, /not supported/],
  ])("rejects %s at offset %i", (src, offset, reason) => {
    const p = parsePiiPattern(src);
    expect(p.ok).toBe(false);
    if (!p.ok) {
      expect(p.offset).toBe(offset);
      expect(p.reason).toMatch(reason);
    }
  });
});

describe("remembered computations", () => {
  it("a BoundedCache computes each key once, remembers null and undefined results, and never holds more than its limit", () => {
    const calls: string[] = [];
    const cache = new BoundedCache<string | null | undefined>(3);
    const get = (k: string) => cache.get(k, (key) => (calls.push(key), key === "none" ? null : key === "void" ? undefined : key.toUpperCase()));
    expect([get("a"), get("a"), get("none"), get("none"), get("void"), get("void")]).toEqual(["A", "A", null, null, undefined, undefined]);
    expect(calls).toEqual(["a", "none", "void"]);
    // full: the next new key empties it, so old keys are computed again
    expect(get("b")).toBe("B");
    expect(get("a")).toBe("A");
    expect(calls).toEqual(["a", "none", "void", "b", "a"]);
  });

  it("Ratio prints the same after its text is remembered, and the Model digest sees only num and den", () => {
    const r = Ratio.of(14, 15);
    expect(r.toString()).toBe("0.9333333333");
    expect(r.toString()).toBe("0.9333333333");
    expect(Object.keys(r)).toEqual(["num", "den"]);
    const twice = memo((s: string) => ({ s }));
    expect(twice("x")).toBe(twice("x"));
  });
});

describe("test helpers", () => {
  it("startOnFreePort starts a server that exits again on a new port (3 tries), but not one that is only slow", async () => {
    const { spawn } = await import("node:child_process");
    const ports: number[] = [];
    const exits = startOnFreePort("a server that exits", (port) => (ports.push(port), spawn(process.execPath, ["-e", "process.exit(3)"])), async () => false, 5_000);
    await expect(exits).rejects.toThrow(/exited \(3\)/);
    expect(ports).toHaveLength(3);
    const starts: number[] = [];
    const slow = startOnFreePort("a slow server", (port) => (starts.push(port), spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"])), async () => false, 600);
    await expect(slow).rejects.toThrow(/timed out/);
    expect(starts).toHaveLength(1);
  }, 30_000);
});
