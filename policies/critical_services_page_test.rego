package svcspec.policies.critical_services_page_test

import data.svcspec.policies.critical_services_page as policy

service(tier, slos) := {"kind": "Service", "metadata": {"name": "checkout", "team": "payments"}, "spec": {"tier": tier, "slos": slos}}

slo := {"name": "availability", "sli": {"ratio": {"errors": "e", "total": "t"}}}

test_tier_that_does_not_page if {
	org := {"kind": "Organization", "metadata": {"name": "o"}, "spec": {"tiers": {"high": {"objective": 99.9, "page": false, "ticket": true}}}}
	some d in policy.deny with input as org
	d.path == ["spec", "tiers", "high", "page"]
}

test_other_tiers_may_stay_quiet if {
	org := {"kind": "Organization", "metadata": {"name": "o"}, "spec": {"tiers": {"standard": {"objective": 99.5, "page": false, "ticket": true}}}}
	count(policy.deny) == 0 with input as org
}

test_slo_turning_paging_off if {
	some d in policy.deny with input as service("high", [slo, object.union(slo, {"name": "latency", "alerting": {"page": false}})])
	d.path == ["spec", "slos", 1, "alerting", "page"]
}

test_critical_service_without_slo if {
	some d in policy.deny with input as service("critical", [])
	d.path == ["spec", "tier"]
}

test_standard_service_may_stay_quiet if {
	count(policy.deny) == 0 with input as service("standard", [object.union(slo, {"alerting": {"page": false}})])
}
