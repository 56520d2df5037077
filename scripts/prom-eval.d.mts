// Types of scripts/prom-eval.mjs for test/prom-eval.test.ts.
export interface Sample { name: string; labels: Record<string, string>; value: number }
export interface RawSeries { i: number; k: number; series: string; role: string }
export interface Measured {
  groups: number; rules: number; rounds: number; cpu: number; groupSeconds: number; ruleSeconds: number;
  missed: number; failures: number; compactions: number; lastDurations: Map<string, number>;
}
export const INSTANCES: number;
export function events(i: number, k: number, tau: number): Record<string, number>;
export function rawSeries(i: number): RawSeries[];
export function rawValue(s: RawSeries, tau: number): number;
export function exposition(n: number, tau: number): string;
export function seconds(d: string): number;
export function recordedValue(name: string, labels: Record<string, string>, tau: number): number;
export function equalityMatchers(braces: string | undefined): Record<string, string>;
export function rangeReadSeries(groups: { rules?: { record?: string; alert?: string; expr: unknown; labels?: Record<string, unknown> }[] }[]): { name: string; labels: Record<string, string>; longest: string }[];
export function seriesText(name: string, labels: Record<string, string>): string;
export function parseMetrics(text: string): Sample[];
export function metricSum(samples: Sample[], name: string, where?: Record<string, string>): number;
export function metricBy(samples: Sample[], name: string, by: string): Map<string, number>;
export function measure(before: Sample[], after: Sample[]): Measured;
export function problems(m: Measured, expect: { rules?: number; groups?: number }): string[];
