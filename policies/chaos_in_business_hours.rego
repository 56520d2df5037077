# A scheduled experiment on a critical service runs while its team is at work: an experiment that
# hurts at 3 a.m. finds nobody to stop it (Netflix's Chaos Monkey runs only in business hours for
# this reason). A warning: the team may staff a night shift the spec does not know about.
#
# The cron line is read as Chaos Mesh reads it (robfig/cron): five fields or a descriptor, in UTC,
# the time zone of the Chaos Mesh controller unless its deployment sets another. Each firing time
# is placed in two reference weeks, one in January and one in July, so that daylight saving time
# on either hemisphere is covered, and read in the team's time zone. A schedule restricted by day
# of month may fall on any weekday.
package svcspec.policies.chaos_in_business_hours

import data.svcspec.lib

warn contains {
	"msg": sprintf("scheduled chaos experiment `%s` of critical service `%s` runs outside team `%s`'s business hours (%s)", [experiment.name, input.metadata.name, input.metadata.team, example]),
	"path": ["spec", "chaos", i, "schedule"],
	"hint": sprintf("schedule it within %s %s-%s %s, when the team can stop it", [concat(",", hours.days), hours.from, hours.to, hours.timezone]),
} if {
	lib.is_service
	input.spec.tier == "critical"
	hours := lib.team.businessHours
	some i, experiment in input.spec.chaos
	outside := outside_times(experiment.schedule, hours)
	count(outside) > 0
	example := sort(outside)[0]
}

# An @every schedule runs around the clock.
outside_times(schedule, hours) := {"it runs around the clock"} if {
	startswith(schedule, "@every ")
	not always_open(hours)
}

outside_times(schedule, hours) := {sprintf("e.g. %s in %s", [local_text(t, hours.timezone), hours.timezone]) |
	some t in firing_instants(fields(schedule))
	not open_at(hours, t)
} if not startswith(schedule, "@every ")

always_open(hours) if {
	count(hours.days) == 7
	hours.from == "00:00"
	hours.to == "24:00"
}

descriptors := {
	"@yearly": "0 0 1 1 *",
	"@annually": "0 0 1 1 *",
	"@monthly": "0 0 1 * *",
	"@weekly": "0 0 * * 0",
	"@daily": "0 0 * * *",
	"@midnight": "0 0 * * *",
	"@hourly": "0 * * * *",
}

fields(schedule) := split(descriptors[trim_space(schedule)], " ")

fields(schedule) := parts if {
	parts := [f | some f in split(trim_space(schedule), " "); f != ""]
	count(parts) == 5
}

# Sundays 00:00 UTC of the reference weeks: 2026-01-04 and 2026-07-05.
reference_weeks := [1767484800000000000, 1783209600000000000]

day_names := ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

firing_instants(f) := {t |
	some week in reference_weeks
	some day in weekdays(f)
	some hour in values(f[1], 0, 23, [])
	some minute in values(f[0], 0, 59, [])
	t := week + (((((day * 24) + hour) * 60) + minute) * 60000000000)
}

# robfig/cron: with day of month `*`, the days of week; otherwise (day of month alone, or either
# of the two) any weekday.
weekdays(f) := values(f[4], 0, 6, day_names) if star(f[2])

weekdays(f) := numbers.range(0, 6) if not star(f[2])

star(field) if {
	some part in split(field, ",")
	step := split(part, "/")
	step[0] in {"*", "?"}
	count(step) == 1
}

star(field) if {
	some part in split(field, ",")
	step := split(part, "/")
	step[0] in {"*", "?"}
	to_number(step[1]) <= 1
}

# The values a field lists: `*`, `a`, `a-b`, each with an optional `/step` (`a/step` runs to the
# maximum), separated by commas; names (mon, jan) where the field has them.
values(field, lo, hi, names) := {v |
	some part in split(field, ",")
	[first, last, step] := part_range(part, lo, hi, names)
	some v in numbers.range(first, last)
	(v - first) % step == 0
}

part_range(part, lo, hi, names) := [first, last, step] if {
	pieces := split(part, "/")
	step := step_of(pieces)
	[first, last] := bounds(pieces[0], count(pieces) == 2, lo, hi, names)
}

step_of(pieces) := 1 if count(pieces) == 1

step_of(pieces) := to_number(pieces[1]) if count(pieces) == 2

bounds(range, _, lo, hi, _) := [lo, hi] if range in {"*", "?"}

bounds(range, stepped, _, hi, names) := [number(ends[0], names), last] if {
	not range in {"*", "?"}
	ends := split(range, "-")
	last := upper_end(ends, stepped, hi, names)
}

upper_end(ends, _, _, names) := number(ends[1], names) if count(ends) == 2

upper_end(ends, true, hi, _) := hi if count(ends) == 1

upper_end(ends, false, _, names) := number(ends[0], names) if count(ends) == 1

number(text, _) := to_number(text) if regex.match(`^[0-9]+$`, text)

number(text, names) := i if {
	not regex.match(`^[0-9]+$`, text)
	some i, name in names
	lower(text) == name
}

# Whether an instant falls in the business hours (in their time zone, `to` exclusive).
open_at(hours, t) if {
	[h, m, _] := time.clock([t, hours.timezone])
	day := lower(substring(time.weekday([t, hours.timezone]), 0, 3))
	day in hours.days
	minute := (h * 60) + m
	minute >= clock_minutes(hours.from)
	minute < clock_minutes(hours.to)
}

clock_minutes(text) := (to_number(substring(text, 0, 2)) * 60) + to_number(substring(text, 3, 2))

# `Sat 03:00`.
local_text(t, zone) := sprintf("%s %s:%s", [substring(time.weekday([t, zone]), 0, 3), two_digits(h), two_digits(m)]) if {
	[h, m, _] := time.clock([t, zone])
}

two_digits(n) := format_int(n, 10) if n >= 10

two_digits(n) := concat("", ["0", format_int(n, 10)]) if n < 10
