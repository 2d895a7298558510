# METADATA
# title: Palette sample checks
# description: >-
#   A small policy shaped like the shipped ones (deny/warn/violation, strings and objects, METADATA), used
#   to prove every backend gives the same findings. No net.* builtins, so rego-cpp can run it too.
package palette.sample

import rego.v1

# METADATA
# title: Required path blocked
# description: A connection Palette needs cannot get through.
# custom:
#   id: PP-SAMPLE-001
#   severity: high
#   remediation: Open the port on the enforcement points listed in locations.
deny contains finding if {
	some path in input.paths
	path.verdict == "blocked"
	req := data.requirements[path.requirement]
	finding := {
		"msg": sprintf("%s: %s/%d from %s to %s is blocked", [path.requirement, req.protocol, req.port, path.source, path.destination]),
		"requirement": path.requirement,
		"locations": [loc | some loc in path.blocked_by],
	}
}

# METADATA
# title: Required path only partly open
# custom:
#   id: PP-SAMPLE-002
#   severity: medium
warn contains msg if {
	some path in input.paths
	path.verdict == "partial"
	msg := sprintf("%s is only partly reachable (%d of %d sources)", [path.requirement, count(path.reachable_sources), count(path.sources)])
}

violation contains {"msg": msg, "id": "PP-SAMPLE-003", "severity": "low", "details": {"rule": r.key}} if {
	some r in input.rules
	r.cidr == "0.0.0.0/0"
	r.direction == "ingress"
	not r.port in data.open_ports
	msg := sprintf("ingress from anywhere on port %d (%s)", [r.port, r.key])
}
