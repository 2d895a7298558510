# METADATA
# title: Nothing passes by omission
# description: >-
#   A path that crosses no enforcement point is reachable only because nothing checks it, and a resource the
#   topology binds to no role is never checked at all. Both are said loudly: PP-PATH-UNENFORCED per required
#   path, PP-UNBOUND-RESOURCE per kind of unused resource (or once, when the topology binds nothing at all).
#   The facts come from input.coverage; the words from data.palette_data.coverage. Messages are joined with
#   concat, not sprintf: rego-cpp (the regopy engine) quotes a concat result that sprintf formats.
package palette.coverage

import rego.v1

settings := data.palette_data.coverage

topology_location := {"file": input.topology.file, "line": 1, "resource": "topology"}

names(items) := concat(", ", [it.name | some it in array.slice(items, 0, settings.max_names)]) if {
	count(items) <= settings.max_names
}

names(items) := concat("", [
	concat(", ", [it.name | some it in array.slice(items, 0, settings.max_names)]),
	sprintf(", … (%d more)", [count(items) - settings.max_names]),
]) if {
	count(items) > settings.max_names
}

word(kind, 1) := settings.kinds[kind].one

word(kind, n) := settings.kinds[kind].many if n != 1

unused_kinds contains kind if {
	some kind, k in input.coverage.kinds
	count(k.unused) > 0
}

# The topology binds nothing the scanned files declare: every path is unenforced. One warn says so.
warn contains finding if {
	not input.coverage.binds_anything
	input.coverage.declared > 0
	parts := [concat("", [sprintf("%d %s: ", [count(k.unused), word(kind, count(k.unused))]), names(k.unused)]) |
		some kind in sort(unused_kinds)
		k := input.coverage.kinds[kind]
	]
	finding := {
		"id": "PP-UNBOUND-RESOURCE",
		"severity": "high",
		"title": "The topology binds none of the declared resources",
		"msg": concat("", [
			sprintf("the topology binds none of the %d resources the scanned files declare, ", [input.coverage.declared]),
			"so no path is checked against them (",
			concat("; ", parts),
			")",
		]),
		"locations": [topology_location],
		"remediation": "Bind each role to its security groups, subnets and Kubernetes folder in palette-network.yaml (see the README's topology section).",
		"controls": object.get(data.palette_data.controls, "PP-UNBOUND-RESOURCE", []),
	}
}

# Some declared resources are bound by no role: one info-level warn per kind, located at the first ones.
warn contains finding if {
	input.coverage.binds_anything
	some kind in unused_kinds
	k := input.coverage.kinds[kind]
	n := count(k.unused)
	finding := {
		"id": "PP-UNBOUND-RESOURCE",
		"severity": "info",
		"title": sprintf("Declared %s %s", [settings.kinds[kind].many, settings.kinds[kind].unused]),
		"msg": concat("", [
			sprintf("%d of %d %s %s: ", [n, k.declared, word(kind, k.declared), settings.kinds[kind].unused]),
			names(k.unused),
		]),
		"locations": [{"file": it.file, "line": it.line, "resource": it.key} | some it in array.slice(k.unused, 0, settings.max_names)],
		"remediation": "Bind it to the role it protects in palette-network.yaml, or list the file in .palette-policy-ignore if it has nothing to do with Palette.",
		"controls": object.get(data.palette_data.controls, "PP-UNBOUND-RESOURCE", []),
	}
}

label(e) := sprintf("cluster %s", [e.cluster]) if {
	e.role == "workload"
	e.cluster
} else := e.name

applies(spec, e) if count(spec.roles) == 0

applies(spec, e) if e.role in spec.roles

# The kinds an endpoint binds none of, among those the scanned files declare something of.
missing(e) := [spec |
	some spec in settings.endpoint_kinds
	applies(spec, e)
	input.coverage.kinds[spec.declared].declared > 0
	count(object.get(e.binds, spec.kind, [])) == 0
]

gap(e) := concat("", [label(e), " binds no ", concat(" or ", [spec.word | some spec in missing(e)])]) if {
	count(missing(e)) > 0
} else := concat("", [label(e), " binds nothing the scanned files declare"])

# The declared resources nothing uses, of the kinds the path's endpoints bind none of.
offered(ends) := concat(" and ", [concat(" ", [settings.kinds[kind].many, names(input.coverage.kinds[kind].unused)]) |
	some kind in sort({spec.declared |
		some e in input.coverage.endpoints
		e.name in ends
		some spec in missing(e)
	})
	count(input.coverage.kinds[kind].unused) > 0
])

details(gaps, "") := concat("; ", gaps) if count(gaps) > 0

details(gaps, offer) := concat("", [concat("; ", gaps), "; the repo declares ", offer]) if {
	count(gaps) > 0
	offer != ""
}

details(gaps, _) := "every end of it is outside the scanned configs" if count(gaps) == 0

endpoint_location(name) := loc if {
	some t in input.topology.endpoints
	t.name == name
	loc := t.location
} else := topology_location

warn contains finding if {
	some r in input.results
	r.required
	r.verdict == "reachable"
	not r.enforced
	ends := {name | some hop in r.hops; some name in [hop.source, hop.destination]}
	gaps := [gap(e) | some e in input.coverage.endpoints; e.name in ends; not e.external]
	detail := details(gaps, offered(ends))
	finding := {
		"id": "PP-PATH-UNENFORCED",
		"severity": "medium",
		"title": "Required path crosses no enforcement point",
		"msg": concat("", [
			sprintf("%s: %s -> %s is reachable only because nothing on the way checks it: ", [r.requirement, r.source, r.destination]),
			detail,
		]),
		"requirement": r.requirement,
		"binding": {"source": r.source, "destination": r.destination, "cluster": r.cluster},
		"locations": [endpoint_location(name) | some name in sort(ends)],
		"remediation": "Bind the endpoints to the security groups, subnets or Kubernetes folder that protect them in palette-network.yaml, so the path is checked.",
		"controls": object.get(data.palette_data.controls, "PP-PATH-UNENFORCED", []),
	}
}
