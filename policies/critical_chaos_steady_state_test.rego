package svcspec.policies.critical_chaos_steady_state_test

import data.svcspec.policies.critical_chaos_steady_state as policy

service(tier, experiment) := {"kind": "Service", "metadata": {"name": "checkout", "team": "payments"}, "spec": {"tier": tier, "chaos": [experiment]}}

experiment := {"name": "kill-one-pod", "fault": "pod-kill", "mode": "one", "duration": "60s"}

test_critical_without_steady_state if {
	some d in policy.deny with input as service("critical", experiment)
	d.path == ["spec", "chaos", 0, "name"]
}

test_critical_with_steady_state if {
	count(policy.deny) == 0 with input as service("critical", object.union(experiment, {"underLoad": "steady", "steadyState": {"maxErrorRate": "1%"}}))
}

test_other_tiers if {
	count(policy.deny) == 0 with input as service("high", experiment)
}
