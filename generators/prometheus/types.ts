/** The rule shapes of a Prometheus rule file, in the key order Prometheus documents them. Alert
 * labels and annotations are kept as literal text here; render.ts escapes them for templating. */
export interface RecordingRule {
  record: string;
  expr: string;
  labels: [string, string][];
}

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: [string, string][];
  annotations: [string, string][];
}

export type Rule = RecordingRule | AlertRule;

export interface RuleGroup {
  name: string;
  rules: Rule[];
}
