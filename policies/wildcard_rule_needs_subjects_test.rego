package svcspec.policies.wildcard_rule_needs_subjects_test

import data.svcspec.policies.wildcard_rule_needs_subjects as policy

service(rule) := {"kind": "Service", "metadata": {"name": "checkout", "team": "payments"}, "spec": {"tier": "critical", "access": {"resources": [], "rules": [rule]}}}

rule := {"name": "everything", "effect": "allow", "actions": ["read", "*"], "resources": ["*"]}

test_wildcard_for_everyone if {
	[d] := [d | some d in policy.deny] with input as service(rule)
	d.path == ["spec", "access", "rules", 0, "actions", 1]
}

test_wildcard_resource_only if {
	some d in policy.deny with input as service(object.union(rule, {"actions": ["read"]}))
	d.path == ["spec", "access", "rules", 0, "resources", 0]
}

test_empty_subjects_restrict_nobody if {
	count(policy.deny) == 1 with input as service(object.union(rule, {"subjects": {}}))
}

test_wildcard_with_subjects if {
	count(policy.deny) == 0 with input as service(object.union(rule, {"subjects": {"roles": ["admin"]}}))
	count(policy.deny) == 0 with input as service(object.union(rule, {"subjects": {"ids": ["u-1"]}}))
}

test_named_actions_and_resources if {
	count(policy.deny) == 0 with input as service(object.union(rule, {"actions": ["read"], "resources": ["orders"]}))
}

test_deny_rule_may_cover_everyone if {
	count(policy.deny) == 0 with input as service(object.union(rule, {"effect": "deny"}))
}
