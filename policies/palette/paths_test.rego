# Unit tests for policies/palette/paths.rego (written against main at e9efe8f).
package palette.paths_test

import rego.v1

import data.palette.paths

result(overrides) := object.union(
	{
		"requirement": "saas-agent-nats", "purpose": "agent to management", "summary": "tcp/4222 blocked",
		"required": true, "verdict": "blocked", "source": "workers", "destination": "palette",
		"cluster": "c1", "protocol": "tcp", "ports": "4222", "source_role": "workload",
		"destination_role": "management",
		"hops": [{"layers": [
			{"decision": "allow", "blocked_by": [], "points": []},
			{"decision": "deny", "blocked_by": [{"file": "sg.tf", "line": 6, "resource": "aws_security_group.w"}],
			 "points": [{"file": "sg.tf", "line": 1, "key": "aws_security_group.w"}]},
		]}],
	},
	overrides,
)

test_blocked_required_path_is_denied if {
	findings := paths.deny with input as {"results": [result({})], "unbound": []}
	count(findings) == 1
	some f in findings
	f.id == "PP-PATH-BLOCKED"
	f.severity == "critical"
	f.requirement == "saas-agent-nats"
	f.binding == {"source": "workers", "destination": "palette", "cluster": "c1"}
	f.locations == [{"file": "sg.tf", "line": 6, "resource": "aws_security_group.w"}]
	"NIST SP 800-53 SC-7 (boundary protection)" in f.controls
	contains(f.remediation, "tcp/4222 from workers (workload) to palette (management)")
}

test_partial_and_unknown_have_their_own_ids if {
	partial := paths.deny with input as {"results": [result({"verdict": "partial"})], "unbound": []}
	unknown := paths.deny with input as {"results": [result({"verdict": "unknown"})], "unbound": []}
	{f.id | some f in partial} == {"PP-PATH-PARTIAL"}
	{f.severity | some f in partial} == {"high"}
	{f.id | some f in unknown} == {"PP-PATH-UNKNOWN"}
}

test_reachable_path_gives_nothing if {
	count(paths.deny) == 0 with input as {"results": [result({"verdict": "reachable"})], "unbound": []}
	count(paths.warn) == 0 with input as {"results": [result({"verdict": "reachable"})], "unbound": []}
}

test_optional_path_only_warns if {
	input_doc := {"results": [result({"required": false})], "unbound": []}
	count(paths.deny) == 0 with input as input_doc
	{f.id | some f in paths.warn} == {"PP-OPTIONAL-UNREACHABLE"} with input as input_doc
}

test_layer_without_rule_evidence_points_at_the_enforcement_point if {
	r := result({"hops": [{"layers": [{"decision": "deny", "blocked_by": [],
		"points": [{"file": "nacl.tf", "line": 3, "key": "aws_network_acl.a"}]}]}]})
	some f in paths.deny with input as {"results": [r], "unbound": []}
	f.locations == [{"file": "nacl.tf", "line": 3, "resource": "aws_network_acl.a"}]
}

test_unbound_required_role_warns_at_the_topology if {
	doc := {"results": [], "topology": {"file": "palette-network.yaml"},
		"unbound": [{"requirement": "r1", "required": true, "missing_roles": ["proxy", "registry"]}]}
	some f in paths.warn with input as doc
	f.id == "PP-ROLE-UNBOUND"
	f.locations == [{"file": "palette-network.yaml", "line": 1, "resource": "topology"}]
	contains(f.msg, "proxy or registry")
}

test_unbound_optional_role_is_quiet if {
	doc := {"results": [], "topology": {"file": "t.yaml"},
		"unbound": [{"requirement": "r1", "required": false, "missing_roles": ["proxy"]}]}
	count(paths.warn) == 0 with input as doc
}

test_workload_rows_unbound_in_an_edge_only_topology_are_not_a_gap if {
	inp := {
		"results": [],
		"unbound": [{"requirement": "saas-grpc-agent", "required": true, "missing_roles": ["workload"]}],
		"requirements": [{"id": "edge-palette", "source": "edge", "destination": "management"}],
		"topology": {"file": "palette-network.yaml", "endpoints": [{"name": "store", "role": "workload", "edge": true}]},
	}
	count({f | some f in paths.warn with input as inp; f.id == "PP-ROLE-UNBOUND"}) == 0
}

test_workload_rows_unbound_without_edge_rows_are_still_reported if {
	inp := {
		"results": [],
		"unbound": [{"requirement": "saas-grpc-agent", "required": true, "missing_roles": ["workload"]}],
		"requirements": [{"id": "saas-grpc-agent", "source": "workload", "destination": "management"}],
		"topology": {"file": "palette-network.yaml", "endpoints": [{"name": "store", "role": "workload", "edge": true}]},
	}
	count({f | some f in paths.warn with input as inp; f.id == "PP-ROLE-UNBOUND"}) == 1
}
