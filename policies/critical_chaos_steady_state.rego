# Chaos on a critical service says what must still hold during the fault (steadyState, checked by
# k6 under load): without it the experiment proves nothing and is not stopped when it hurts.
package svcspec.policies.critical_chaos_steady_state

import data.svcspec.lib

deny contains {
	"msg": sprintf("chaos experiment `%s` of critical service `%s` has no steadyState", [experiment.name, input.metadata.name]),
	"path": ["spec", "chaos", i, "name"],
	"hint": "add underLoad (a load scenario) and steadyState (maxErrorRate and/or maxLatency): the run aborts as soon as it is lost",
} if {
	lib.is_service
	input.spec.tier == "critical"
	some i, experiment in input.spec.chaos
	not experiment.steadyState
}
