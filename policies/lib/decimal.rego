# Exact decimals for comparing the numbers of a spec (objectives, thresholds): floating-point
# arithmetic would make a 99.95% objective's budget 0.0004999..., and OPA's Go and wasm engines
# round differently. A decimal is {"digits": integer, "scale": places}: 99.95 is {9995, 2}.
package svcspec.lib.decimal

# A decimal from a number or from its text ("99.95", "99.95%", "1.5"); undefined for anything else
# (an exponent, a word).
from(x) := parse(json.marshal(x)) if is_number(x)

from(x) := parse(trim_suffix(x, "%")) if is_string(x)

parse(text) := {"digits": to_number(concat("", parts)), "scale": scale_of(parts)} if {
	regex.match(`^-?[0-9]+(\.[0-9]+)?$`, text)
	parts := split(text, ".")
}

scale_of(parts) := 0 if count(parts) == 1

scale_of(parts) := count(parts[1]) if count(parts) == 2

pow10(0) := 1

pow10(n) := product([10 | some _ in numbers.range(1, n)]) if n > 0

# Both decimals' digits at a common scale.
aligned(a, b) := [a.digits * pow10(s - a.scale), b.digits * pow10(s - b.scale)] if s := max([a.scale, b.scale])

less(a, b) if {
	[x, y] := aligned(a, b)
	x < y
}

greater(a, b) if less(b, a)

same(a, b) if {
	[x, y] := aligned(a, b)
	x == y
}

# The error budget of an objective percentage, as a fraction: 99.95 -> 0.0005.
budget(objective) := {"digits": (100 * pow10(objective.scale)) - objective.digits, "scale": objective.scale + 2}

# a x 10^n.
shift(a, n) := {"digits": a.digits * pow10(n), "scale": a.scale}

# The decimal as text, without trailing zeros: {5, 4} -> "0.0005".
text(a) := trim_right_zeros(with_point(format_int(abs(a.digits), 10), a.scale), a.digits)

with_point(digits, 0) := digits

with_point(digits, scale) := concat(".", [substring(padded, 0, count(padded) - scale), substring(padded, count(padded) - scale, -1)]) if {
	scale > 0
	padded := pad(digits, scale + 1)
}

pad(s, n) := s if count(s) >= n

pad(s, n) := concat("", array.concat([c | some _ in numbers.range(1, n - count(s)); c := "0"], [s])) if count(s) < n

trim_right_zeros(s, digits) := sign(digits, trim_suffix(trim_right(s, "0"), ".")) if contains(s, ".")

trim_right_zeros(s, digits) := sign(digits, s) if not contains(s, ".")

sign(digits, s) := concat("", ["-", s]) if digits < 0

sign(digits, s) := s if digits >= 0
