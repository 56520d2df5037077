package svcspec.policies.paging_needs_runbook_test

import data.svcspec.policies.paging_needs_runbook as policy

tiers := {"critical": {"objective": 99.99, "page": true, "ticket": true}, "standard": {"objective": 99.5, "page": false, "ticket": true}}

service(spec) := {"apiVersion": "svcspec/v1", "kind": "Service", "metadata": {"name": "checkout", "team": "payments"}, "spec": spec}

slo := {"name": "availability", "sli": {"ratio": {"errors": "e", "total": "t"}}}

test_paging_tier_without_runbook if {
	some d in policy.deny with input as service({"tier": "critical", "slos": [slo]}) with data.svcspec.defaults.tiers as tiers
	d.path == ["spec", "tier"]
}

test_paging_tier_with_runbook if {
	count(policy.deny) == 0 with input as service({"tier": "critical", "runbook": "https://r.example/c", "slos": [slo]}) with data.svcspec.defaults.tiers as tiers
}

test_organization_tiers_win_over_defaults if {
	org := {"spec": {"tiers": {"critical": {"objective": 99.9, "page": false, "ticket": true}}}}
	count(policy.deny) == 0 with input as service({"tier": "critical", "slos": [slo]}) with data.svcspec.organization as org with data.svcspec.defaults.tiers as tiers
}

test_every_slo_turns_paging_off if {
	quiet := object.union(slo, {"alerting": {"page": false}})
	count(policy.deny) == 0 with input as service({"tier": "critical", "slos": [quiet]}) with data.svcspec.defaults.tiers as tiers
}

test_slo_override_pages if {
	paging := object.union(slo, {"alerting": {"page": true}})
	some d in policy.deny with input as service({"tier": "standard", "slos": [slo, paging]}) with data.svcspec.defaults.tiers as tiers
	d.path == ["spec", "slos", 1, "alerting", "page"]
}

test_no_data_pages if {
	paging := object.union(slo, {"alerting": {"noData": "page"}})
	some d in policy.deny with input as service({"tier": "standard", "slos": [paging]}) with data.svcspec.defaults.tiers as tiers
	d.path == ["spec", "slos", 0, "alerting", "noData"]
}

test_not_paging_needs_no_runbook if {
	count(policy.deny) == 0 with input as service({"tier": "standard", "slos": [slo]}) with data.svcspec.defaults.tiers as tiers
}
