# The entrypoint svcspec compiles every policy pack with (the built-in one and an organisation's):
# the deny and warn sets of each package svcspec.policies.<name>, by name. One entrypoint serves
# every package, and only their deny and warn rules are evaluated, not their helpers.
package svcspec.entry

deny[name] := data.svcspec.policies[name].deny

warn[name] := data.svcspec.policies[name].warn
