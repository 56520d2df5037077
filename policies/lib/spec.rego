# Helpers of the built-in policies over a spec document as written (the input) and the rest of the
# spec (data.svcspec): what svcspec would resolve, without the defaults lower() applies, so a
# policy reads the spec as the author wrote it.
package svcspec.lib

is_service if input.kind == "Service"

is_organization if input.kind == "Organization"

# The Organization's tiers, or the built-in ones when it declares none.
tiers := data.svcspec.organization.spec.tiers

tiers := data.svcspec.defaults.tiers if not data.svcspec.organization.spec.tiers

# The tier of the service under evaluation.
tier := tiers[input.spec.tier]

default slos := []

slos := input.spec.slos

# Whether an SLO's burn-rate alerts page: its own alerting.page, else its tier's.
slo_pages(slo) if object.get(slo, ["alerting", "page"], tier.page) == true

# An SLO also pages when its SLI goes missing, if it says so.
slo_pages(slo) if slo.alerting.noData == "page"

# The team of the service under evaluation, as the Organization declares it.
team := data.svcspec.organization.spec.teams[input.metadata.team]
