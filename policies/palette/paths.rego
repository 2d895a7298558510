# METADATA
# title: Palette's required and optional port paths
# description: >-
#   A required path that is not fully reachable breaks Palette; an optional one is reported as a warning.
package palette.paths

import rego.v1

finding_ids := {
	"blocked": "PP-PATH-BLOCKED",
	"partial": "PP-PATH-PARTIAL",
	"unknown": "PP-PATH-UNKNOWN",
}

titles := {
	"blocked": "Required Palette path is blocked",
	"partial": "Required Palette path is only partly reachable",
	"unknown": "Required Palette path cannot be proven reachable",
}

severities := {"blocked": "critical", "partial": "high", "unknown": "high"}

# Where to look: the rules that decided, else the enforcement points that did not allow it.
locations(r) := [loc |
	some hop in r.hops
	some layer in hop.layers
	layer.decision != "allow"
	some loc in layer_locations(layer)
]

layer_locations(layer) := [{"file": b.file, "line": b.line, "resource": b.resource} | some b in layer.blocked_by] if {
	count(layer.blocked_by) > 0
} else := [{"file": p.file, "line": p.line, "resource": p.key} | some p in layer.points]

binding(r) := {"source": r.source, "destination": r.destination, "cluster": r.cluster}

remediation(r) := sprintf(
	"Allow %s/%s from %s (%s) to %s (%s): add the rule to the layer that blocks it (see locations).",
	[r.protocol, r.ports, r.source, r.source_role, r.destination, r.destination_role],
)

deny contains finding if {
	some r in input.results
	r.required
	r.verdict != "reachable"
	finding := {
		"id": finding_ids[r.verdict],
		"severity": severities[r.verdict],
		"title": titles[r.verdict],
		"msg": sprintf("%s (%s): %s", [r.requirement, r.purpose, r.summary]),
		"requirement": r.requirement,
		"binding": binding(r),
		"locations": locations(r),
		"remediation": remediation(r),
		"controls": object.get(data.palette_data.controls, finding_ids[r.verdict], []),
	}
}

warn contains finding if {
	some r in input.results
	not r.required
	r.verdict != "reachable"
	finding := {
		"id": "PP-OPTIONAL-UNREACHABLE",
		"severity": "low",
		"title": "Optional Palette path is not reachable",
		"msg": sprintf("%s (%s, optional): %s", [r.requirement, r.purpose, r.summary]),
		"requirement": r.requirement,
		"binding": binding(r),
		"locations": locations(r),
		"remediation": sprintf("Only needed if you want it: %s", [remediation(r)]),
	}
}

warn contains finding if {
	some u in input.unbound
	u.required
	not edge_stands_in(u)
	finding := {
		"id": "PP-ROLE-UNBOUND",
		"severity": "low",
		"title": "Requirement not checked: its role is not in the topology",
		"msg": sprintf("%s: the topology declares no %s, so this path was not checked", [u.requirement, concat(" or ", u.missing_roles)]),
		"requirement": u.requirement,
		"locations": [{"file": input.topology.file, "line": 1, "resource": "topology"}],
		"remediation": sprintf("Declare %s in palette-network.yaml, or pick a profile that does not need it.", [concat(", ", u.missing_roles)]),
	}
}

# A topology whose clusters are all Edge clusters has no workload clusters: the edge profile's rows (roles
# edge, edge-api, edge-control-plane) check its clusters instead of the workload rows, which is not a gap.
edge_stands_in(u) if {
	every role in u.missing_roles {
		startswith(role, "workload")
	}
	some e in input.topology.endpoints
	e.edge
	some r in input.requirements
	startswith(r.source, "edge")
}
