# Unit tests for policies/palette/exposure.rego.
package palette.exposure_test

import rego.v1

import data.palette.exposure

rule(overrides) := object.union(
	{
		"direction": "ingress", "action": "allow", "protocol": "tcp", "ports": [[22, 22]],
		"open_to_all_ipv4": true, "open_to_all_ipv6": false, "point": "aws_security_group.w",
		"file": "sg.tf", "line": 6, "resource": "aws_security_group.w.ingress",
		"text": "allow ingress tcp/22 from 0.0.0.0/0",
	},
	overrides,
)

doc(rules) := {"resources": {"enforcement_points": [{"kind": "security-group", "rules": rules}]}}

ids(findings) := {f.title | some f in findings}

test_ssh_open_to_the_world_warns if {
	findings := exposure.warn with input as doc([rule({})])
	count(findings) == 1
	some f in findings
	f.id == "PP-EXPOSED-PORT"
	f.title == "SSH open to the internet"
	f.locations == [{"file": "sg.tf", "line": 6, "resource": "aws_security_group.w.ingress"}]
	some control in f.controls
	startswith(control, "CIS AWS Foundations")
}

test_ipv6_world_counts_too if {
	count(exposure.warn) == 1 with input as doc([rule({"open_to_all_ipv4": false, "open_to_all_ipv6": true})])
}

test_all_protocols_over_a_port_range_reports_every_sensitive_port_inside if {
	findings := exposure.warn with input as doc([rule({"protocol": "all", "ports": [[4000, 7000]]})])
	ids(findings) == {"NATS message bus open to the internet", "Kubernetes API server open to the internet"}
}

test_not_world_egress_deny_other_protocol_or_port_is_quiet if {
	count(exposure.warn) == 0 with input as doc([
		rule({"open_to_all_ipv4": false}),
		rule({"direction": "egress"}),
		rule({"action": "deny"}),
		rule({"protocol": "udp"}),
		rule({"ports": [[443, 443]]}),
	])
}

test_only_security_groups_are_checked if {
	count(exposure.warn) == 0 with input as {"resources": {"enforcement_points": [
		{"kind": "network-acl", "rules": [rule({})]},
	]}}
}
