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
