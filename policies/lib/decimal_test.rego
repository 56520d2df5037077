package svcspec.lib.decimal_test

import data.svcspec.lib.decimal

test_from_number_and_text if {
	decimal.from(99.95) == {"digits": 9995, "scale": 2}
	decimal.from("99.95%") == {"digits": 9995, "scale": 2}
	decimal.from(14) == {"digits": 14, "scale": 0}
}

test_from_rejects_words if not decimal.from("fast")

test_budget_is_exact if {
	decimal.text(decimal.budget(decimal.from(99.95))) == "0.0005"
	decimal.text(decimal.budget(decimal.from("99.9%"))) == "0.001"
	decimal.text(decimal.budget(decimal.from(95))) == "0.05"
}

test_compare_at_different_scales if {
	decimal.greater(decimal.parse("0.01"), decimal.budget(decimal.from(99.95)))
	not decimal.greater(decimal.parse("0.0005"), decimal.budget(decimal.from(99.95)))
	decimal.same(decimal.parse("0.50"), decimal.parse("0.5"))
	decimal.less(decimal.parse("299.9"), decimal.parse("300"))
}

test_text if {
	decimal.text(decimal.parse("1.50")) == "1.5"
	decimal.text(decimal.parse("300")) == "300"
	decimal.text(decimal.shift(decimal.parse("1.5"), 3)) == "1500"
	decimal.text({"digits": -5, "scale": 1}) == "-0.5"
}
