package svcspec.policies.load_thresholds_within_slos_test

import data.svcspec.policies.load_thresholds_within_slos as policy

availability := {"name": "availability", "objective": 99.95, "sli": {"ratio": {"errors": "e", "total": "t"}}}

latency := {"name": "latency", "objective": 99, "sli": {"latency": {"histogram": "h", "threshold": "300ms"}}}

service(slos, threshold) := {"kind": "Service", "metadata": {"name": "checkout", "team": "payments"}, "spec": {
	"tier": "critical",
	"slos": slos,
	"load": [{"name": "steady", "thresholds": [threshold]}],
}}

denied(slos, threshold) := d if {
	d := policy.deny with input as service(slos, threshold)
}

test_error_rate_looser_than_budget if {
	[d] := [d | some d in denied([availability], {"metric": "http_req_failed", "condition": "rate<0.01"})]
	d.path == ["spec", "load", 0, "thresholds", 0, "condition"]
	contains(d.msg, "(rate<0.0005)")
}

test_error_rate_at_the_budget if {
	count(denied([availability], {"metric": "http_req_failed", "condition": "rate<0.0005"})) == 0
	count(denied([availability], {"metric": "http_req_failed", "condition": "rate<=0.0001"})) == 0
}

test_objective_from_the_tier if {
	slo := object.remove(availability, ["objective"])
	tiers := {"critical": {"objective": "99.99%", "page": true, "ticket": true}}
	some d in policy.deny with input as service([slo], {"metric": "http_req_failed", "condition": "rate<0.0005"}) with data.svcspec.defaults.tiers as tiers
	contains(d.msg, "(rate<0.0001)")
}

test_latency_looser if {
	count(denied([latency], {"metric": "http_req_duration", "condition": "p(99)<500"})) == 1
	count(denied([latency], {"metric": "http_req_duration", "condition": "p(95)<300"})) == 1
	count(denied([latency], {"metric": "http_req_duration", "condition": "p(95) < 800"})) == 1
}

test_latency_in_seconds if {
	slow := object.union(latency, {"sli": {"latency": {"histogram": "h", "threshold": "1.5s"}}})
	some d in denied([slow], {"metric": "http_req_duration", "condition": "p(90)<2000"})
	contains(d.msg, "(p(99)<1500)")
	count(denied([slow], {"metric": "http_req_duration", "condition": "p(99)<1500"})) == 0
}

test_latency_same_or_stricter_or_incomparable if {
	count(denied([latency], {"metric": "http_req_duration", "condition": "p(99)<300"})) == 0
	count(denied([latency], {"metric": "http_req_duration", "condition": "p(99)<250"})) == 0
	count(denied([latency], {"metric": "http_req_duration", "condition": "p(99.9)<1000"})) == 0
}

test_tagged_and_abort_thresholds_are_not_compared if {
	count(denied([availability], {"metric": "http_req_failed", "condition": "rate<0.01", "abortOnFail": true})) == 0
	count(denied([availability], {"metric": "http_req_failed", "tags": {"name": "place-order"}, "condition": "rate<0.01"})) == 0
}

test_other_metrics_and_operators if {
	count(denied([availability, latency], {"metric": "checks", "condition": "rate>0.5"})) == 0
	count(denied([availability], {"metric": "http_req_failed", "condition": "rate>0.01"})) == 0
	count(denied([latency], {"metric": "http_req_duration", "condition": "avg<900"})) == 0
}
