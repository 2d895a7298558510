# Unit tests for policies/palette/coverage.rego.
package palette.coverage_test

import rego.v1

import data.palette.coverage

kinds(overrides) := object.union(
	{kind: {"declared": 0, "bound": [], "unused": []} | some kind in [
		"security_groups", "network_acls", "subnets", "prefix_lists", "kubernetes_files",
		"network_policy_namespaces", "proxy_configs", "firewall_rules",
	]},
	overrides,
)

group(name, line) := {"key": sprintf("aws_security_group.%s", [name]), "name": name, "file": "sg.tf", "line": line, "bound_by": []}

prod := {"name": "prod", "role": "workload", "cluster": "prod", "external": false, "binds": {}}

saas := {"name": "management", "role": "management", "cluster": null, "external": true, "binds": {}}

unenforced := {
	"requirement": "saas-agent-https", "required": true, "verdict": "reachable", "enforced": false,
	"source": "prod", "destination": "management", "cluster": "prod",
	"hops": [{"source": "prod", "destination": "management", "layers": []}],
}

doc(results, cover) := {
	"results": results,
	"coverage": cover,
	"topology": {"file": "palette-network.yaml", "endpoints": [{"name": "prod", "location": {"file": "palette-network.yaml", "line": 12}}]},
}

nothing_bound := {
	"binds_anything": false, "declared": 2, "unused": 2,
	"kinds": kinds({"security_groups": {"declared": 2, "bound": [], "unused": [group("palette-workers", 1), group("palette-mgmt", 9)]}}),
	"endpoints": [prod, saas],
}

test_a_topology_that_binds_nothing_gives_one_summary_and_an_unenforced_warn_per_path if {
	findings := coverage.warn with input as doc([unenforced], nothing_bound)
	{f.id | some f in findings} == {"PP-UNBOUND-RESOURCE", "PP-PATH-UNENFORCED"}
	some summary in findings
	summary.id == "PP-UNBOUND-RESOURCE"
	summary.severity == "high"
	contains(summary.msg, "binds none of the 2 resources")
	contains(summary.msg, "2 security groups: palette-workers, palette-mgmt")
	some path in findings
	path.id == "PP-PATH-UNENFORCED"
	path.requirement == "saas-agent-https"
	contains(path.msg, "cluster prod binds no security group; the repo declares security groups palette-workers, palette-mgmt")
	path.locations == [{"file": "palette-network.yaml", "line": 1, "resource": "topology"}, {"file": "palette-network.yaml", "line": 12}]
}

test_an_enforced_or_unreachable_or_optional_path_is_not_unenforced if {
	cover := object.union(nothing_bound, {"binds_anything": true})
	every r in [
		object.union(unenforced, {"enforced": true}),
		object.union(unenforced, {"verdict": "blocked"}),
		object.union(unenforced, {"required": false}),
	] {
		count({f | some f in coverage.warn with input as doc([r], cover); f.id == "PP-PATH-UNENFORCED"}) == 0
	}
}

test_unused_resources_give_one_info_warn_per_kind if {
	cover := {
		"binds_anything": true, "declared": 3, "unused": 2,
		"kinds": kinds({
			"security_groups": {"declared": 2, "bound": [group("palette-workers", 1)], "unused": [group("legacy", 20)]},
			"subnets": {"declared": 1, "bound": [], "unused": [{"key": "aws_subnet.a", "name": "a", "file": "net.tf", "line": 3, "bound_by": []}]},
		}),
		"endpoints": [object.union(prod, {"binds": {"security_groups": ["palette-workers"]}})],
	}
	findings := coverage.warn with input as doc([], cover)
	count(findings) == 2
	every f in findings {
		f.id == "PP-UNBOUND-RESOURCE"
		f.severity == "info"
	}
	some sg in findings
	sg.msg == "1 of 2 security groups bound by no topology role: legacy"
	sg.locations == [{"file": "sg.tf", "line": 20, "resource": "aws_security_group.legacy"}]
}

test_long_lists_are_cut_and_counted if {
	many := [group(sprintf("g%02d", [i]), i) | some i in numbers.range(1, 12)]
	cover := {
		"binds_anything": true, "declared": 13, "unused": 12,
		"kinds": kinds({"security_groups": {"declared": 13, "bound": [group("w", 1)], "unused": many}}),
		"endpoints": [],
	}
	some f in coverage.warn with input as doc([], cover)
	endswith(f.msg, "g10, … (2 more)")
	count(f.locations) == 10
}

test_both_ends_outside_the_configs if {
	r := object.union(unenforced, {"hops": [{"source": "management", "destination": "management", "layers": []}]})
	some f in coverage.warn with input as doc([r], object.union(nothing_bound, {"binds_anything": true}))
	f.id == "PP-PATH-UNENFORCED"
	endswith(f.msg, "every end of it is outside the scanned configs")
}
