/** The Grafana Foundation SDK, loaded on first use: it is CommonJS that takes ~180 ms to load,
 * which every svcspec process paid before (`--version`, `validate`, `build --only prometheus`)
 * although only a build that makes dashboards reads it. */
import { createRequire } from "node:module";
import type * as bargauge from "@grafana/grafana-foundation-sdk/bargauge";
import type * as common from "@grafana/grafana-foundation-sdk/common";
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import type * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import type * as stat from "@grafana/grafana-foundation-sdk/stat";
import type * as text from "@grafana/grafana-foundation-sdk/text";
import type * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";

export interface GrafanaSdk {
  bargauge: typeof bargauge;
  common: typeof common;
  dashboard: typeof dashboard;
  prometheus: typeof prometheus;
  stat: typeof stat;
  text: typeof text;
  timeseries: typeof timeseries;
}

let loaded: GrafanaSdk | undefined;

export function sdk(): GrafanaSdk {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const pkg = "@grafana/grafana-foundation-sdk";
  loaded = {
    bargauge: require(`${pkg}/bargauge`) as typeof bargauge,
    common: require(`${pkg}/common`) as typeof common,
    dashboard: require(`${pkg}/dashboard`) as typeof dashboard,
    prometheus: require(`${pkg}/prometheus`) as typeof prometheus,
    stat: require(`${pkg}/stat`) as typeof stat,
    text: require(`${pkg}/text`) as typeof text,
    timeseries: require(`${pkg}/timeseries`) as typeof timeseries,
  };
  return loaded;
}
