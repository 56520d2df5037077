# An allow rule that returns PII unmasked (pii: true) requires MFA: a stolen password alone must
# not reveal customers' data.
package svcspec.policies.pii_access_needs_mfa

import data.svcspec.lib

deny contains {
	"msg": sprintf("allow rule `%s` grants PII without MFA", [rule.name]),
	"path": ["spec", "access", "rules", i, "pii"],
	"hint": "add when: { mfa: true } to the rule, or drop pii: true so PII fields stay masked",
} if {
	lib.is_service
	some i, rule in input.spec.access.rules
	rule.effect == "allow"
	rule.pii == true
	not rule.when.mfa == true
}
