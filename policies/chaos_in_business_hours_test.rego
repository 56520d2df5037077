package svcspec.policies.chaos_in_business_hours_test

import data.svcspec.policies.chaos_in_business_hours as policy

berlin := {"timezone": "Europe/Berlin", "days": ["mon", "tue", "wed", "thu", "fri"], "from": "09:00", "to": "17:00"}

org(hours) := {"spec": {"teams": {"payments": {"businessHours": hours}}}}

service(tier, schedule) := {"kind": "Service", "metadata": {"name": "checkout", "team": "payments"}, "spec": {"tier": tier, "chaos": [{"name": "kill-one-pod", "schedule": schedule}]}}

warnings(tier, schedule, hours) := w if {
	w := policy.warn with input as service(tier, schedule) with data.svcspec.organization as org(hours)
}

# 10:00 UTC is 11:00 in winter and 12:00 in summer in Berlin.
test_weekday_morning_is_inside if count(warnings("critical", "0 10 * * 1-5", berlin)) == 0

test_saturday_is_outside if {
	[w] := [w | some w in warnings("critical", "0 10 * * 6", berlin)]
	w.path == ["spec", "chaos", 0, "schedule"]
	contains(w.msg, "e.g. Sat 11:00 in Europe/Berlin")
}

test_night_is_outside if count(warnings("critical", "0 2 * * mon-fri", berlin)) == 1

# 15:30 UTC is 16:30 in winter (inside) but 17:30 in summer (outside: `to` is exclusive).
test_summer_time_is_covered if {
	some w in warnings("critical", "30 15 * * 1-5", berlin)
	contains(w.msg, "17:30")
}

test_day_of_month_falls_on_any_weekday if count(warnings("critical", "0 10 1 * *", berlin)) == 1

test_descriptors if {
	count(warnings("critical", "@daily", berlin)) == 1
	count(warnings("critical", "@every 1h", berlin)) == 1
}

test_steps_and_lists if {
	count(warnings("critical", "*/30 9-14 * * 1,3,5", berlin)) == 0
	count(warnings("critical", "0 8/2 * * 1", berlin)) == 1
}

test_always_open_team if {
	always := {"timezone": "UTC", "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "from": "00:00", "to": "24:00"}
	count(warnings("critical", "@every 1h", always)) == 0
	count(warnings("critical", "0 3 * * *", always)) == 0
}

test_only_critical_services if count(warnings("high", "0 2 * * *", berlin)) == 0

test_team_without_business_hours if {
	count(policy.warn) == 0 with input as service("critical", "0 2 * * *") with data.svcspec.organization as {"spec": {"teams": {"payments": {}}}}
}

test_experiment_without_schedule if {
	count(policy.warn) == 0 with input as json.remove(service("critical", "0 2 * * *"), ["spec/chaos/0/schedule"]) with data.svcspec.organization as org(berlin)
}
