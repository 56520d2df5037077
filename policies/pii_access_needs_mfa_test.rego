package svcspec.policies.pii_access_needs_mfa_test

import data.svcspec.policies.pii_access_needs_mfa as policy

service(rule) := {"kind": "Service", "metadata": {"name": "checkout", "team": "payments"}, "spec": {"tier": "critical", "access": {"resources": [], "rules": [rule]}}}

rule := {"name": "sre-reads-pii", "effect": "allow", "actions": ["read"], "resources": ["orders"], "pii": true}

test_pii_without_mfa if {
	some d in policy.deny with input as service(rule)
	d.path == ["spec", "access", "rules", 0, "pii"]
}

test_pii_with_mfa_false if {
	count(policy.deny) == 1 with input as service(object.union(rule, {"when": {"mfa": false}}))
}

test_pii_with_mfa if {
	count(policy.deny) == 0 with input as service(object.union(rule, {"when": {"mfa": true}}))
}

test_masked_access_needs_no_mfa if {
	count(policy.deny) == 0 with input as service(object.union(rule, {"pii": false}))
}

test_deny_rules_are_not_grants if {
	count(policy.deny) == 0 with input as service(object.union(rule, {"effect": "deny"}))
}
