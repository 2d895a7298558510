package palette.topology_test

import rego.v1

import data.palette.topology

test_no_topology_warns if {
	findings := topology.warn with input as {"topology": null, "profiles": [], "requirements": []}
	count(findings) == 1
	some f in findings
	f.id == "PP-NO-TOPOLOGY"
	contains(f.msg, "no required Palette path was checked")
	contains(f.remediation, "palette-policy init")
}

test_no_topology_counts_the_profiles_requirements if {
	reqs := [{"required": true}, {"required": true}, {"required": false}]
	findings := topology.warn with input as {"topology": null, "profiles": ["saas-grpc"], "requirements": reqs}
	some f in findings
	contains(f.msg, "none of the 2 required paths of profile(s) saas-grpc was checked")
}

test_a_topology_is_quiet if {
	findings := topology.warn with input as {"topology": {"file": "palette-network.yaml"}, "profiles": [], "requirements": []}
	count(findings) == 0
}

test_todos_left_in_the_topology_warn if {
	todos := [{"line": 5, "text": "the Palette version you run"}, {"line": 14, "text": "the nodes' addresses"}]
	findings := topology.warn with input as {"topology": {"file": "palette-network.yaml", "todos": todos}}
	some f in findings
	f.id == "PP-TOPOLOGY-TODO"
	contains(f.msg, "2 TODO comment(s), first at line 5: the Palette version you run")
	count(f.locations) == 2
}

test_no_todos_no_warning if {
	findings := topology.warn with input as {"topology": {"file": "palette-network.yaml", "todos": []}}
	count(findings) == 0
}
