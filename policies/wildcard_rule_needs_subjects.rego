# An allow rule with a wildcard action or resource must say whom it is for: `*` for everyone is a
# door left open (least privilege).
package svcspec.policies.wildcard_rule_needs_subjects

import data.svcspec.lib

deny contains {
	"msg": sprintf("allow rule `%s` grants `*` %s to every subject", [rule.name, field]),
	"path": ["spec", "access", "rules", i, field, j],
	"hint": "restrict the rule with subjects (roles, teams or ids), or list the actions and resources it grants",
} if {
	lib.is_service
	some i, rule in input.spec.access.rules
	rule.effect == "allow"
	not restricted(rule)
	[field, j] := wildcards(rule)[0]
}

# Where a rule says `*`: actions first, then resources.
wildcards(rule) := [[field, j] |
	some field in ["actions", "resources"]
	some j, value in rule[field]
	value == "*"
]

restricted(rule) if {
	some key in ["roles", "teams", "ids"]
	count(object.get(rule, ["subjects", key], [])) > 0
}
