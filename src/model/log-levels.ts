/** The log-level policy's vocabulary: which level names are errors (never dropped nor sampled),
 * and a level action as the share of records kept, in ten-thousandths (exact: the schema allows
 * at most two decimals of a percent). */
import type * as S from "./spec.js";

/** Level names (lower case) a policy may only keep: the error levels of syslog, logrus, zap,
 * log4j, Python logging and pino. */
export const ERROR_LEVELS: readonly string[] = ["alert", "crit", "critical", "emerg", "emergency", "err", "error", "fatal", "panic"];

export const KEEP_ALL = 10_000;

/** `keep` -> 10000, `drop` -> 0, `12.5%` -> 1250; null for a text the schema rejects. */
export function keepShare(action: S.LogLevelAction): number | null {
  if (action === "keep") return KEEP_ALL;
  if (action === "drop") return 0;
  const m = /^([0-9]{1,3})(?:\.([0-9]{1,2}))?%$/.exec(action);
  if (!m) return null;
  const share = Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
  return share <= KEEP_ALL ? share : null;
}
