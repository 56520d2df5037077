package svcspec.services.service_id.authz

# Entrypoint: decision for {subject, action, resource, environment} -> {allow, reasons, maskedFields}.
# Rules and resources are data: data.svcspec.services.service_id.rules and data.svcspec.services.service_id.resources.

default pii_fields := []

pii_fields := resource.piiFields if {
	some resource in data.svcspec.services.service_id.resources
	resource.name == input.resource.type
}

denied_by contains rule.name if {
	some rule in data.svcspec.services.service_id.rules
	rule.effect == "deny"
	not refuted(rule)
}

# A deny rule fails closed: it applies unless the request provably falls outside it. A condition
# whose input is missing or ill-typed cannot be refuted, so leaving out the time or the address
# never slips past a freeze or a network block.
refuted(rule) if {
	is_string(input.action)
	not "*" in rule.actions
	not input.action in rule.actions
}

refuted(rule) if {
	is_string(input.resource.type)
	not "*" in rule.resources
	not input.resource.type in rule.resources
}

refuted(rule) if list_refuted(rule.subjects.roles, "roles")

refuted(rule) if list_refuted(rule.subjects.teams, "teams")

refuted(rule) if {
	rule.subjects.ids != null
	is_string(input.subject.id)
	not input.subject.id in rule.subjects.ids
}

refuted(rule) if {
	rule.when.mfa == true
	input.subject.mfa == false
}

refuted(rule) if {
	count(rule.when.networks) > 0
	valid_ip
	not networks_hold(rule.when)
}

refuted(rule) if {
	rule.when.schedule != null
	is_string(input.environment.time)
	time.parse_rfc3339_ns(input.environment.time)
	not schedule_holds(rule.when.schedule)
}

refuted(rule) if {
	some name, allowed in rule.when.attributes
	value := input.subject.attributes[name]
	scalar(value)
	not value in allowed
}

list_refuted(allowed, key) if {
	allowed != null
	given := input.subject[key]
	is_array(given)
	every value in given {
		is_string(value)
	}
	not shares(given, allowed)
}

shares(given, allowed) if {
	some value in given
	value in allowed
}

valid_ip if net.cidr_contains("0.0.0.0/0", client_ip)

valid_ip if net.cidr_contains("::/0", client_ip)

scalar(value) if is_string(value)

scalar(value) if is_number(value)

scalar(value) if is_boolean(value)

granted_by contains rule.name if {
	some rule in data.svcspec.services.service_id.rules
	rule.effect == "allow"
	applies(rule)
}

unmasked if {
	some rule in data.svcspec.services.service_id.rules
	rule.effect == "allow"
	rule.pii == true
	applies(rule)
}

default masked_fields := []

masked_fields := pii_fields if not unmasked

decision := {"allow": false, "reasons": sort(denied_by), "maskedFields": pii_fields} if {
	count(denied_by) > 0
} else := {"allow": true, "reasons": sort(granted_by), "maskedFields": masked_fields} if {
	declared
	count(granted_by) > 0
} else := {"allow": false, "reasons": [], "maskedFields": pii_fields}

# Names match exactly: only a declared resource with an action it declares can be allowed. A
# spelling the service does not declare (REFUND for refund, ORDERS, *) is allowed by no rule, so it
# cannot sidestep a deny rule that lists the declared name.
declared if {
	some resource in data.svcspec.services.service_id.resources
	resource.name == input.resource.type
	input.action in resource.actions
}

applies(rule) if {
	action_matches(rule)
	resource_matches(rule)
	list_matches(rule.subjects.roles, "roles")
	list_matches(rule.subjects.teams, "teams")
	ids_match(rule.subjects.ids)
	mfa_holds(rule.when.mfa)
	networks_hold(rule.when)
	schedule_holds(rule.when.schedule)
	attributes_hold(rule.when.attributes)
}

action_matches(rule) if {
	is_string(input.action)
	"*" in rule.actions
}

action_matches(rule) if {
	is_string(input.action)
	input.action in rule.actions
}

resource_matches(rule) if {
	is_string(input.resource.type)
	"*" in rule.resources
}

resource_matches(rule) if {
	is_string(input.resource.type)
	input.resource.type in rule.resources
}

list_matches(allowed, _) if allowed == null

# key names a list of the subject (roles, teams): an array of strings sharing an element with allowed.
list_matches(allowed, key) if {
	given := input.subject[key]
	is_array(given)
	every value in given {
		is_string(value)
	}
	some value in given
	value in allowed
}

ids_match(ids) if ids == null

ids_match(ids) if {
	is_string(input.subject.id)
	input.subject.id in ids
}

mfa_holds(required) if required == false

mfa_holds(_) if input.subject.mfa == true

networks_hold(when) if count(when.networks) == 0

networks_hold(when) if {
	not mapped
	some cidr in when.networks
	net.cidr_contains(cidr, client_ip)
}

# An IPv4-mapped IPv6 address (::ffff:a.b.c.d, in any spelling) counts as its IPv4 address. It is
# matched against the IPv4 blocks written as mapped IPv6 blocks (::ffff:a.b.c.d/96+n): OPA reduces
# mapped addresses to IPv4 and its wasm does not, but on these blocks the two agree.
networks_hold(when) if {
	mapped
	some cidr in when.mappedNetworks
	net.cidr_contains(cidr, client_ip)
}

mapped if {
	contains(client_ip, ":")
	net.cidr_contains("::ffff:0:0/96", client_ip)
}

# An address, not a block: net.cidr_contains would take a CIDR in its place.
client_ip := input.environment.ip if {
	is_string(input.environment.ip)
	not contains(input.environment.ip, "/")
}

schedule_holds(schedule) if schedule == null

schedule_holds(schedule) if {
	is_string(input.environment.time)
	ns := time.parse_rfc3339_ns(input.environment.time)
	[hour, minute, _] := time.clock([ns, schedule.timezone])
	local := (hour * 60) + minute
	schedule.from <= local
	local < schedule.to
	day := lower(substring(time.weekday([ns, schedule.timezone]), 0, 3))
	day in schedule.days
}

attributes_hold(attributes) if {
	every name, allowed in attributes {
		is_object(input.subject.attributes)
		some value in allowed
		input.subject.attributes[name] == value
	}
}
