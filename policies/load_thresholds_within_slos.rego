# A load scenario's own threshold is no looser than the service's SLOs imply. svcspec derives a
# k6 threshold from every SLO (a latency SLO of objective P and threshold T gives
# `http_req_duration: p(P)<T` in ms; a ratio or query SLO gives `http_req_failed: rate<budget`), so
# a looser threshold on the same metric never decides a run: it only misleads its reader about
# what the service promises. Compared: untagged thresholds (a tagged one bounds a subset of the
# requests, which the SLO does not), without abortOnFail (an early stop is meant to be looser).
package svcspec.policies.load_thresholds_within_slos

import data.svcspec.lib
import data.svcspec.lib.decimal

deny contains {
	"msg": sprintf("threshold `%s` of load scenario `%s` is looser than SLO `%s` implies (%s)", [threshold.condition, scenario.name, slo.name, implied]),
	"path": ["spec", "load", i, "thresholds", j, "condition"],
	"hint": sprintf("tighten it to %s or stricter, or drop it: the SLO's threshold applies anyway", [implied]),
} if {
	lib.is_service
	some i, scenario in input.spec.load
	some j, threshold in scenario.thresholds
	count(object.get(threshold, "tags", {})) == 0
	not threshold.abortOnFail == true
	some slo in lib.slos
	implied := looser(threshold, slo)
}

# `rate<x` on http_req_failed against a ratio or query SLO's budget.
looser(threshold, slo) := sprintf("rate<%s", [decimal.text(budget)]) if {
	threshold.metric == "http_req_failed"
	some kind in ["ratio", "query"]
	slo.sli[kind]
	[aggregation, limit] := condition(threshold.condition)
	aggregation == "rate"
	budget := decimal.budget(objective(slo))
	decimal.greater(limit, budget)
}

# `p(q)<l` on http_req_duration against a latency SLO: p(P)<T implies p(q)<l for every q <= P and
# l >= T, so such a threshold (other than the same one) is looser.
looser(threshold, slo) := sprintf("p(%s)<%s", [decimal.text(p), decimal.text(t)]) if {
	threshold.metric == "http_req_duration"
	[aggregation, limit] := condition(threshold.condition)
	q := decimal.parse(trim_suffix(trim_prefix(aggregation, "p("), ")"))
	p := objective(slo)
	t := latency_ms(slo.sli.latency.threshold)
	not decimal.greater(q, p)
	not decimal.less(limit, t)
	not same_bound(q, p, limit, t)
}

same_bound(q, p, limit, t) if {
	decimal.same(q, p)
	decimal.same(limit, t)
}

# `rate<0.01` -> ["rate", 0.01]; `<=` bounds the same way. Other operators bound from below.
condition(text) := [m[1], decimal.parse(m[3])] if {
	m := regex.find_all_string_submatch_n(`^(avg|min|max|med|count|rate|value|p\([0-9]+(?:\.[0-9]+)?\))\s*(<|<=)\s*([0-9]+(?:\.[0-9]+)?)$`, text, 1)[0]
}

objective(slo) := decimal.from(slo.objective)

objective(slo) := decimal.from(lib.tier.objective) if not slo.objective

latency_ms(text) := decimal.parse(trim_suffix(text, "ms")) if endswith(text, "ms")

latency_ms(text) := decimal.shift(decimal.parse(trim_suffix(text, "s")), 3) if {
	endswith(text, "s")
	not endswith(text, "ms")
}
