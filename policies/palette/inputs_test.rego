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
	some f in inputs.deny with input as {"issues": [issue("cidr-not-canonical")]}
	f.id == "PP-CIDR-NOT-CANONICAL"
	f.severity == "high"
}
