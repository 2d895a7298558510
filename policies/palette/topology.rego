# METADATA
# title: The topology that says which part of the network plays which Palette role
# description: >-
#   Without palette-network.yaml no required path can be bound to the network, so none is checked: the
#   run still reports what needs no topology (exposed ports, input issues), and says so loudly.
package palette.topology

import rego.v1

checked_nothing := sprintf("none of the %d required paths of profile(s) %s was checked", [
	count([r | some r in input.requirements; r.required]),
	concat(", ", input.profiles),
]) if {
	count(input.profiles) > 0
} else := "no required Palette path was checked"

warn contains finding if {
	input.topology == null
	finding := {
		"id": "PP-NO-TOPOLOGY",
		"severity": "medium",
		"title": "No topology: Palette's required paths were not checked",
		"msg": sprintf(
			"no palette-network.yaml, so %s; only what needs no topology ran (exposed ports, input issues)",
			[checked_nothing],
		),
		"locations": [],
		"remediation": "Run `palette-policy init PATH` to write a first palette-network.yaml from what the configs declare, review its guesses and TODOs, then run validate again.",
		"controls": object.get(data.palette_data.controls, "PP-NO-TOPOLOGY", []),
	}
}
