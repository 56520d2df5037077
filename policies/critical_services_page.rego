# Critical and high services page: a burn that exhausts their error budget must wake someone, so
# neither the tiers nor an SLO of such a service may turn paging off.
package svcspec.policies.critical_services_page

import data.svcspec.lib

paging_tiers := {"critical", "high"}

deny contains {
	"msg": sprintf("tier `%s` does not page", [name]),
	"path": ["spec", "tiers", name, "page"],
	"hint": "critical and high services must page: set page: true",
} if {
	lib.is_organization
	some name in paging_tiers
	input.spec.tiers[name].page == false
}

deny contains {
	"msg": sprintf("SLO `%s` of %s service `%s` turns paging off", [slo.name, input.spec.tier, input.metadata.name]),
	"path": ["spec", "slos", i, "alerting", "page"],
	"hint": "critical and high services must page: remove alerting.page: false, or move the service to a tier that does not page",
} if {
	lib.is_service
	input.spec.tier in paging_tiers
	some i, slo in lib.slos
	slo.alerting.page == false
}

deny contains {
	"msg": sprintf("%s service `%s` has no SLO, so nothing pages", [input.spec.tier, input.metadata.name]),
	"path": ["spec", "tier"],
	"hint": "add an SLO (spec.slos): its burn-rate alerts page the team",
} if {
	lib.is_service
	input.spec.tier in paging_tiers
	count(lib.slos) == 0
}
