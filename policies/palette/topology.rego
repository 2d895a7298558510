# METADATA
# title: The topology that says which part of the network plays which Palette role
# description: >-
#   Without palette-network.yaml no required path can be bound to the network, so none is checked: the
#   run still reports what needs no topology (exposed ports, input issues), and says so loudly.
package palette.topology

import rego.v1

warn contains finding if {
	input.topology == null
	finding := {
		"id": "PP-NO-TOPOLOGY",
		"severity": "medium",
		"title": "No topology: Palette's required paths were not checked",
		"msg": concat("", [
			"no palette-network.yaml, so ", unchecked(input.profiles, input.requirements),
			"; only what needs no topology ran (exposed ports, input issues, NetworkPolicy figures)",
		]),
		"locations": [],
		"remediation": "Run `palette-policy init PATH` to write a first palette-network.yaml from what the configs declare, review its guesses and TODOs, then run validate again.",
		"controls": object.get(data.palette_data.controls, "PP-NO-TOPOLOGY", []),
	}
}

# Built with concat, not sprintf: rego-cpp (regopy) mis-quotes a concat result passed through sprintf's %s.
unchecked(profiles, requirements) := concat("", [
	"none of the ", format_int(count([r | some r in requirements; r.required]), 10),
	" required paths of profile(s) ", concat(", ", profiles), " was checked",
]) if {
	count(profiles) > 0
} else := "no required Palette path was checked"

# A topology with TODO comments left (palette-policy init writes one wherever it could not guess, with a
# placeholder that keeps the file valid): the verdicts rest on values nobody has checked yet.
warn contains finding if {
	count(input.topology.todos) > 0
	first := input.topology.todos[0]
	finding := {
		"id": "PP-TOPOLOGY-TODO",
		"severity": "medium",
		"title": "The topology still has TODOs",
		"msg": concat("", [
			input.topology.file, " still has ", format_int(count(input.topology.todos), 10),
			" TODO comment(s), first at line ", format_int(first.line, 10), ": ", first.text,
			"; the verdicts rest on the placeholders they mark",
		]),
		"locations": [{"file": input.topology.file, "line": t.line, "resource": "topology"} | some t in input.topology.todos],
		"remediation": "Replace each TODO's placeholder with the real value and delete the comment.",
		"controls": object.get(data.palette_data.controls, "PP-TOPOLOGY-TODO", []),
	}
}
