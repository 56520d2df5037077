package svcspec.policies.pii_fields_redacted_test

import data.svcspec.policies.pii_fields_redacted as policy

service(fields) := {"kind": "Service", "metadata": {"name": "checkout", "team": "payments"}, "spec": {
	"tier": "critical",
	"pii": {"fields": fields},
	"access": {"resources": [{"name": "orders", "actions": ["read"], "piiFields": ["customer.email", "payment.card"]}], "rules": []},
}}

test_unredacted_pii_field if {
	[d] := [d | some d in policy.deny] with input as service([{"path": "customer.email", "action": "hash"}])
	d.path == ["spec", "access", "resources", 0, "piiFields", 1]
}

test_every_pii_field_redacted if {
	count(policy.deny) == 0 with input as service([{"path": "customer.email", "action": "hash"}, {"path": "payment.card", "action": "last4"}])
}

test_nested_under_a_prefix if {
	count(policy.deny) == 0 with input as service([{"path": "order.customer.email", "action": "hash"}, {"path": "payment.card", "action": "last4"}])
	count(policy.deny) == 2 with input as service([{"path": "xcustomer.email", "action": "hash"}])
}

test_no_pii_section if {
	count(policy.deny) == 2 with input as json.remove(service([]), ["spec/pii"])
}
