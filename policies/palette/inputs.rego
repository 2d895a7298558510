# METADATA
# title: Inputs read incompletely or rewritten by the platform
# description: >-
#   Loaders record what they could not read completely (a module they could not expand, a root whose
#   parser failed) or what the cloud would store differently from what is written (a CIDR with host bits
#   set). Each kind becomes a finding here, with its id and severity from data (policies/data/input_issues.yaml);
#   a kind the data does not list is a deny, so a gate never passes on a partial read. A CIDR rewritten to a
#   network wider than the kind's deny_below_prefix_length is a deny.
package palette.inputs

import rego.v1

default_kind := {
	"id": "PP-INPUT-INCOMPLETE",
	"severity": "high",
	"level": "deny",
	"title": "Input not read completely",
	"remediation": "Make the configuration readable by palette-policy, or waive this finding with a reason.",
}

listed_kind(issue) := object.union(default_kind, object.get(data.palette_data.input_issues, issue.kind, {}))

# A rewritten CIDR whose canonical form is wider than the kind's deny_below_prefix_length (0.0.0.0/0, a /4)
# opens far more than it seems to: a deny, whatever the kind's usual level.
kind_of(issue) := object.union(k, {"level": "deny", "severity": object.get(k, "deny_severity", k.severity)}) if {
	k := listed_kind(issue)
	to_number(split(issue.details.canonical, "/")[1]) < k.deny_below_prefix_length
} else := listed_kind(issue)

finding(issue) := {
	"id": k.id,
	"severity": k.severity,
	"title": k.title,
	"msg": issue.message,
	"locations": [{"file": issue.file, "line": issue.line, "resource": issue.resource}],
	"remediation": k.remediation,
	"controls": object.get(data.palette_data.controls, k.id, []),
} if {
	k := kind_of(issue)
}

deny contains finding(issue) if {
	some issue in input.issues
	kind_of(issue).level == "deny"
}

warn contains finding(issue) if {
	some issue in input.issues
	kind_of(issue).level == "warn"
}
