# A service whose alerts page needs a runbook: every page links to it, and the person woken at
# night should not have to guess what to do.
package svcspec.policies.paging_needs_runbook

import data.svcspec.lib

hint := "add spec.runbook: the URL of what to do when this service pages (every alert links to it)"

# Its tier pages and at least one SLO keeps that default.
deny contains {
	"msg": sprintf("service `%s` pages (tier `%s` pages) but has no runbook", [input.metadata.name, input.spec.tier]),
	"path": ["spec", "tier"],
	"hint": hint,
} if {
	lib.is_service
	not input.spec.runbook
	lib.tier.page == true
	some slo in lib.slos
	lib.slo_pages(slo)
}

# Its tier does not page, but an SLO does (alerting.page or alerting.noData).
deny contains {
	"msg": sprintf("SLO `%s` of service `%s` pages but the service has no runbook", [slo.name, input.metadata.name]),
	"path": ["spec", "slos", i, "alerting", key],
	"hint": hint,
} if {
	lib.is_service
	not input.spec.runbook
	not lib.tier.page == true
	some i, slo in lib.slos
	some key in ["page", "noData"]
	slo.alerting[key] in {true, "page"}
}
