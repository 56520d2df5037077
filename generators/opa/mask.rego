package system.log

# The decision-log mask OPA applies to every decision it logs (input.input: the request, input.path:
# the decision asked). Values leave the log, names stay: a masked field reads "[MASKED]" and OPA
# lists its path under "masked". Data: data.svcspec.logmask.services[<service_id>].piiFields (the
# PII fields of the service's resources) and .sensitive (subject attribute names, in the sensitive
# key form: ASCII lower case without -, _ and .; a name is sensitive when its form ends with one).
#
# It fails closed: a decision outside the known entrypoints loses its whole input, and a field OPA
# cannot address by itself (a key holding / or ~, an array on the way) masks the nearest part
# above it that OPA can.

masked_value := "[MASKED]"

logmask := data.svcspec.logmask

# The service of an authz decision: svcspec/services/<id>/authz[/...].
service := parts[2] if {
	parts := split(trim_prefix(input.path, "/"), "/")
	count(parts) >= 4
	parts[0] == "svcspec"
	parts[1] == "services"
	parts[3] == "authz"
	logmask.services[parts[2]]
}

deploy_gate if trim_prefix(input.path, "/") in {"svcspec/deploy", "svcspec/deploy/decision"}

known if service

known if deploy_gate

mask contains "/input" if not known

# Resource attributes: every part whose dotted path (array positions aside) is a declared PII field.
mask contains {"op": "upsert", "path": pointer(["input", "resource", "attributes"], target), "value": masked_value} if {
	some target in outermost(resource_targets)
}

resource_targets contains addressable(path) if {
	attributes := input.input.resource.attributes
	is_object(attributes)
	walk(attributes, [path, _])
	count(path) > 0
	concat(".", [segment | some segment in path; is_string(segment)]) in logmask.services[service].piiFields
}

# Subject attributes whose names are sensitive.
mask contains {"op": "upsert", "path": pointer(["input", "subject", "attributes"], target), "value": masked_value} if {
	some target in outermost(subject_targets)
}

subject_targets contains addressable([name]) if {
	attributes := input.input.subject.attributes
	is_object(attributes)
	some name, _ in attributes
	is_string(name)
	form := key_form(name)
	some entry in logmask.services[service].sensitive
	endswith(form, entry)
}

key_form(name) := lower(replace(replace(replace(name, "-", ""), "_", ""), ".", ""))

# A path cut before its first segment that OPA's mask paths cannot address: not a key, or a key
# with / or ~ (a mask path is split at every /, with no escapes).
addressable(path) := array.slice(path, 0, min(bad)) if {
	bad := {i | some i, segment in path; not plain_key(segment)}
	count(bad) > 0
} else := path

plain_key(segment) if {
	is_string(segment)
	not contains(segment, "/")
	not contains(segment, "~")
}

# Paths without the ones inside another: masking a part masks what it holds.
outermost(paths) := {p | some p in paths; not inside_another(p, paths)}

inside_another(p, paths) if {
	some q in paths
	count(q) < count(p)
	array.slice(p, 0, count(q)) == q
}

pointer(base, path) := concat("/", array.concat([""], array.concat(base, path)))
