# A field the access policy masks as PII is redacted in the logs too: what the API hides must not
# leak through a log line. Each piiFields entry has a pii.fields rule with the same path, or with
# that path under a prefix (`merchant.contact.email` for `contact.email`: a log record that nests
# the resource under a key).
package svcspec.policies.pii_fields_redacted

import data.svcspec.lib

deny contains {
	"msg": sprintf("PII field `%s` of resource `%s` has no redaction rule in spec.pii.fields", [field, resource.name]),
	"path": ["spec", "access", "resources", i, "piiFields", j],
	"hint": sprintf("add `- { path: %s, action: mask }` (or hash, last4, drop) to spec.pii.fields", [field]),
} if {
	lib.is_service
	some i, resource in input.spec.access.resources
	some j, field in resource.piiFields
	not redacted(field)
}

redacted(field) if {
	some rule in input.spec.pii.fields
	rule.path == field
}

redacted(field) if {
	some rule in input.spec.pii.fields
	endswith(rule.path, concat("", [".", field]))
}
