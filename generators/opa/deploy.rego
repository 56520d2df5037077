package svcspec.deploy

# Entrypoint: decision for {service, budgetRemaining (ratio 0..1), risk: low|high} -> {allow, hold, reason}.
# The table is data: data.svcspec.deploy.table, sorted by minBudgetRemaining, highest first.

default decision := {"allow": false, "hold": false, "reason": "invalid input: service must be a string, budgetRemaining a number, risk low or high"}

valid_input if {
	is_string(input.service)
	is_number(input.budgetRemaining)
	input.risk in {"low", "high"}
}

covering := [row |
	some row in data.svcspec.deploy.table
	row.minBudgetRemaining <= input.budgetRemaining
]

decision := {"allow": false, "hold": false, "reason": "no deploy-policy row covers the remaining budget"} if {
	valid_input
	count(covering) == 0
}

decision := {"allow": allowed(covering[0]), "hold": covering[0].emergencyHold, "reason": covering[0].reason} if {
	valid_input
	count(covering) > 0
}

allowed(row) if {
	row.allow == "any"
} else if {
	row.allow == "low-risk"
	input.risk == "low"
} else := false
