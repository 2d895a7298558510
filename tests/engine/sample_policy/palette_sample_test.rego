package palette.sample_test

import rego.v1

import data.palette.sample

blocked := {"paths": [{"requirement": "nats", "verdict": "blocked", "source": "nodes", "destination": "palette",
	"blocked_by": [{"file": "sg.tf", "line": 3}]}]}

test_blocked_path_is_denied if {
	some finding in sample.deny with input as blocked
	finding.requirement == "nats"
	finding.locations == [{"file": "sg.tf", "line": 3}]
}

test_reachable_path_is_quiet if {
	count(sample.deny) == 0 with input as {"paths": [{"requirement": "nats", "verdict": "reachable"}]}
}

test_partial_path_warns if {
	sample.warn == {"https is only partly reachable (1 of 2 sources)"} with input as {"paths": [{
		"requirement": "https", "verdict": "partial", "sources": ["a", "b"], "reachable_sources": ["a"],
	}]}
}

test_open_ingress_on_443_is_allowed if {
	count(sample.violation) == 0 with input as {"rules": [{"key": "sg-1/0", "cidr": "0.0.0.0/0",
		"direction": "ingress", "port": 443}]}
}
