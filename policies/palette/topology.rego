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
			"; only what needs no topology ran (exposed ports, input issues)",
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
