/** The cache's scenarios of prometheus/<service>.rules.test.yaml: its hit-ratio alert below, above
 * and without traffic, and its recorded rates; merged with the SLOs' scenarios in tests.ts. */
import { ONE, Ratio, ZERO } from "../../src/model/decimal.js";
import { formatDuration } from "../../src/model/duration.js";
import type { Service } from "../../src/model/model.js";
import { selector } from "../../src/render/promql.js";
import { CACHE_ALERT, CACHE_ALERT_FOR_MS, cacheGroup, HIT_RATIO_1H, HITS_RATE, MISSES_RATE } from "./cache.js";
import { cacheInputs, cacheReads, type Inputs } from "./inputs.js";
import { digits8, expected, hold, minutes, type Scenario, secondCopy, STEP_CHECKS, STEP_MIN, stepRate, TRAFFIC, wholeMinutes } from "./test-common.js";
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
  // 2% either side of the objective (half-way to 1 when that is closer): a threshold 5% off lands
  // on the other side; exact decimals, so no float tie
  const below = hr.objective.mul(Ratio.of(98, 100));
  const margin = hr.objective.mul(Ratio.of(2, 100));
  const halfway = ONE.sub(hr.objective).div(Ratio.of(2));
  const above = hr.objective.add(margin.cmp(halfway) < 0 ? margin : halfway);
  return [
    scenario(`${service.name}: cache hit ratio ${below} (2% below the objective ${hr.objective}) fires after ${formatDuration(CACHE_ALERT_FOR_MS)}`, below, fires, [fires - 1, fires], true),
    scenario(`${service.name}: cache hit ratio ${above} (just above the objective) does not fire`, above, fires + 1, [fires + 1], false),
    scenario(`${service.name}: cache without traffic (0/0) does not fire`, null, fires + 1, [fires + 1], false),
    ...(inputs.mode === "raw" ? [cacheRatesScenario(service, inputs, above)] : []),
  ];
}

/** Minute of the 1h hit ratio's check after the step: its window then holds one sample from before
 * the step and the four that span it, the 30m window none of them, the 2h window nine more from before. */
const RATIO_1H_AT = STEP_MIN + 60;

/** The 1h hit ratio at `t` under `steps` (events per minute before and after STEP_MIN): the sums of
 * the 5m rates at every minute of [t - 1h, t] (a range includes both ends), each rate the events
 * of the five minutes before it (the instances' factor cancels). */
function hitRatio1h(steps: { hits: Ratio; misses: Ratio }[], t: number): Ratio {
  let hits = ZERO;
  let misses = ZERO;
  for (let m = t - 60; m <= t; m++) {
    for (let i = m - 4; i <= m; i++) {
      const p = steps[i <= STEP_MIN ? 0 : 1]!;
      hits = hits.add(p.hits);
      misses = misses.add(p.misses);
    }
  }
  return hits.div(hits.add(misses));
}

/** The recorded hit and miss rates across a traffic step, each counter exported by two instances
 * (the second at half the rate): each is the instances' sum (a max or avg reads less) over exactly
 * 5m (a 150s or 10m rate reads other shares of the step), per second (within 0.1%); the hit ratio
 * falls to a quarter at the step, so the 1h ratio read an hour later tells its range from 30m and 2h. */
function cacheRatesScenario(service: Service, inputs: Inputs, ratio: Ratio): Scenario {
  const steps = [
    { traffic: TRAFFIC, ratio },
    // a quarter of the ratio at twice the traffic: the hits halve and the misses grow (half the
    // ratio would leave the hit rate as it was, and a hit rate over 10m would pass)
    { traffic: TRAFFIC.mul(Ratio.of(2)), ratio: ratio.div(Ratio.of(4)) },
  ].map((p) => ({ hits: p.traffic.mul(p.ratio), misses: p.traffic.sub(p.traffic.mul(p.ratio)) }));
  const phases = (k: Ratio, length: number) => hold(steps.map((p, i) => ({ minutes: i ? STEP_MIN * 2 : STEP_MIN, values: { hits: p.hits.mul(k), misses: p.misses.mul(k) } })), length);
  const id = selector("", [["service", service.name]]);
  return {
    owner: "cache",
    name: `${service.name}: cache traffic doubles and its hit ratio falls to a quarter at ${minutes(STEP_MIN)}, each counter from two instances (the second at half the rate): the recorded hit and miss rates are the instances' sum over exactly 5m at ${STEP_CHECKS.map((k) => minutes(STEP_MIN + k)).join(" and ")}, the 1h hit ratio is over exactly 1h at ${minutes(RATIO_1H_AT)} (within 0.1%)`,
    end: RATIO_1H_AT,
    refs: inputs.refs,
    reads: cacheReads(service),
    build: (length) => [...inputs.build(phases(ONE, length)), ...inputs.build(phases(Ratio.of(1, 2), length)).map(secondCopy)],
    alertEvals: [],
    partial: true,
    alertsAt: (alertname) => (alertname === CACHE_ALERT ? null : []),
    promql: [
      ...STEP_CHECKS.flatMap((k) =>
        ([["hits", HITS_RATE], ["misses", MISSES_RATE]] as const).map(([key, name]) => ({
          expr: `abs(${name}${id} / ${digits8(stepRate(steps[0]![key], steps[1]![key], k))} - 1) < bool 0.001`,
          eval_time: minutes(STEP_MIN + k),
          exp_samples: [{ labels: id, value: 1 }],
        })),
      ),
      { expr: `abs(${HIT_RATIO_1H}${id} / ${digits8(hitRatio1h(steps, RATIO_1H_AT))} - 1) < bool 0.001`, eval_time: minutes(RATIO_1H_AT), exp_samples: [{ labels: id, value: 1 }] },
    ],
  };
}
