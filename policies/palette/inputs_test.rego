# Unit tests for policies/palette/inputs.rego.
package palette.inputs_test

import rego.v1

import data.palette.inputs

issue(kind) := {"kind": kind, "message": "m", "file": "main.tf", "line": 3, "resource": "module.x", "details": {}}

test_an_unlisted_kind_is_a_deny_input_incomplete if {
	findings := inputs.deny with input as {"issues": [issue("something-new")]}
	count(findings) == 1
	some f in findings
	f.id == "PP-INPUT-INCOMPLETE"
	f.locations == [{"file": "main.tf", "line": 3, "resource": "module.x"}]
	count(inputs.warn) == 0 with input as {"issues": [issue("something-new")]}
}

test_a_kind_listed_as_warn_is_a_warn_with_its_id if {
	kinds := {"cosmetic": {"id": "PP-TEST-WARN", "level": "warn", "title": "t"}}
	findings := inputs.warn with input as {"issues": [issue("cosmetic")]} with data.palette_data.input_issues as kinds
	count(findings) == 1
	some f in findings
	f.id == "PP-TEST-WARN"
	count(inputs.deny) == 0 with input as {"issues": [issue("cosmetic")]} with data.palette_data.input_issues as kinds
}

test_no_issues_no_findings if {
	count(inputs.deny) == 0 with input as {"issues": []}
	count(inputs.warn) == 0 with input as {"issues": []}
}

test_terraform_kinds_are_denies_with_their_ids if {
	every kind in ["module-not-expanded", "instances-unknown", "rule-target-unknown", "rule-unknown"] {
		some f in inputs.deny with input as {"issues": [issue(kind)]}
		f.id == "PP-INPUT-INCOMPLETE"
	}
	some f in inputs.deny with input as {"issues": [issue("cidr-rejected-by-provider")]}
	f.id == "PP-CIDR-NOT-CANONICAL"
	f.severity == "high"
}

cidr(written, canonical) := {
	"kind": "cidr-not-canonical", "message": "m", "file": "t.yaml", "line": 9, "resource": "Sg",
	"details": {"written": written, "canonical": canonical},
}

test_a_rewritten_cidr_is_a_warn if {
	findings := inputs.warn with input as {"issues": [cidr("10.100.119.0/21", "10.100.112.0/21")]}
	count(findings) == 1
	some f in findings
	f.id == "PP-CIDR-NOT-CANONICAL"
	f.severity == "medium"
	count(inputs.deny) == 0 with input as {"issues": [cidr("10.100.119.0/21", "10.100.112.0/21")]}
}

test_a_cidr_rewritten_to_the_world_is_a_deny if {
	findings := inputs.deny with input as {"issues": [cidr("192.168.1.0/0", "0.0.0.0/0")]}
	count(findings) == 1
	some f in findings
	f.id == "PP-CIDR-NOT-CANONICAL"
	f.severity == "high"
	count(inputs.warn) == 0 with input as {"issues": [cidr("192.168.1.0/0", "0.0.0.0/0")]}
}

test_the_width_limit_is_data if {
	# wider than /8 is a deny; a /8 itself is not
	count(inputs.deny) == 1 with input as {"issues": [cidr("12.1.0.0/7", "12.0.0.0/7")]}
	count(inputs.deny) == 0 with input as {"issues": [cidr("10.1.0.0/8", "10.0.0.0/8")]}
	count(inputs.deny) == 1 with input as {"issues": [cidr("2001:db8::1/0", "::/0")]}
}
