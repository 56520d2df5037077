/** The cache's scenarios of prometheus/<service>.rules.test.yaml: its hit-ratio alert below, above
 * and without traffic, and its recorded rates; merged with the SLOs' scenarios in tests.ts. */
import { ONE, Ratio, ZERO } from "../../src/model/decimal.js";
import { formatDuration } from "../../src/model/duration.js";
import type { Service } from "../../src/model/model.js";
import { selector } from "../../src/render/promql.js";
import { CACHE_ALERT, CACHE_ALERT_FOR_MS, cacheGroup, HITS_RATE, MISSES_RATE } from "./cache.js";
import { cacheInputs, cacheReads, type Inputs } from "./inputs.js";
import { digits8, expected, minutes, round4, type Scenario, secondCopy, TRAFFIC, wholeMinutes } from "./test-common.js";
import type { AlertRule } from "./types.js";

export function cacheScenarios(service: Service): Scenario[] {
  const group = cacheGroup(service);
  const hr = service.cache?.hitRatio;
  const rule = group?.rules.find((r): r is AlertRule => "alert" in r);
  if (!hr || !rule) return [];
  const inputs = cacheInputs(service);
  const fires = 1 + wholeMinutes(CACHE_ALERT_FOR_MS);
  const scenario = (name: string, ratio: Ratio | null, end: number, evals: number[], fire: boolean): Scenario => ({
    owner: "cache",
    name,
    end,
    refs: inputs.refs,
    reads: cacheReads(service),
    build: (length) => {
      const hits = ratio === null ? ZERO : TRAFFIC.mul(ratio);
      return inputs.build([{ minutes: length, values: { hits, misses: ratio === null ? ZERO : TRAFFIC.sub(hits) } }]);
    },
    alertEvals: evals.map((t) => ({ t, alertname: CACHE_ALERT })),
    alertsAt: (alertname, t) => (alertname === CACHE_ALERT && fire && t >= fires ? [expected(rule)] : []),
    promql: [],
  });
  const below = round4(hr.objective.mul(Ratio.fromNumber(0.9)));
  const above = round4(hr.objective.add(ONE).div(Ratio.of(2)));
  return [
    scenario(`${service.name}: cache hit ratio ${below} (below the objective ${hr.objective}) fires after ${formatDuration(CACHE_ALERT_FOR_MS)}`, below, fires, [fires - 1, fires], true),
    scenario(`${service.name}: cache hit ratio ${above} (above the objective) does not fire`, above, fires + 1, [fires + 1], false),
    scenario(`${service.name}: cache without traffic (0/0) does not fire`, null, fires + 1, [fires + 1], false),
    ...(inputs.mode === "raw" ? [cacheRatesScenario(service, inputs, above)] : []),
  ];
}

/** Minute at which the cache's recorded rates are checked: the 5m rate then spans whole traffic. */
const CACHE_RATES_AT = 10;

/** The recorded hit and miss rates, each counter exported by two instances (the second at half the
 * rate): each is the instances' sum (a max or avg reads less) per second (within 0.1%). */
function cacheRatesScenario(service: Service, inputs: Inputs, ratio: Ratio): Scenario {
  const hits = TRAFFIC.mul(ratio);
  const phase = (k: Ratio, length: number) => [{ minutes: length, values: { hits: hits.mul(k), misses: TRAFFIC.sub(hits).mul(k) } }];
  const id = selector("", [["service", service.name]]);
  const perSecond = (perMin: Ratio) => digits8(perMin.mul(Ratio.of(3, 2)).div(Ratio.of(60)));
  return {
    owner: "cache",
    name: `${service.name}: cache hits and misses, each counter from two instances (the second at half the rate): the recorded 5m rates are the instances' sum per second at ${minutes(CACHE_RATES_AT)} (within 0.1%)`,
    end: CACHE_RATES_AT,
    refs: inputs.refs,
    reads: cacheReads(service),
    build: (length) => [...inputs.build(phase(ONE, length)), ...inputs.build(phase(Ratio.of(1, 2), length)).map(secondCopy)],
    alertEvals: [],
    partial: true,
    alertsAt: (alertname) => (alertname === CACHE_ALERT ? null : []),
    promql: ([[HITS_RATE, hits], [MISSES_RATE, TRAFFIC.sub(hits)]] as const).map(([name, perMin]) => ({
      expr: `abs(${name}${id} / ${perSecond(perMin)} - 1) < bool 0.001`,
      eval_time: minutes(CACHE_RATES_AT),
      exp_samples: [{ labels: id, value: 1 }],
    })),
  };
}
