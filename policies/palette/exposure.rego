# METADATA
# title: Sensitive ports open to the whole internet
# description: >-
#   SSH, NATS, the Kubernetes API and RDP should never admit 0.0.0.0/0 or ::/0.
package palette.exposure

import rego.v1

# An ingress rule admits the world on a sensitive port.
exposed contains [rule, port] if {
	some point in input.resources.enforcement_points
	point.kind == "security-group"
	some rule in point.rules
	rule.direction == "ingress"
	rule.action == "allow"
	world_open(rule)
	some port in data.palette_data.exposure.ports
	protocol_matches(rule.protocol, port.protocol)
	some range in rule.ports
	range[0] <= port.port
	port.port <= range[1]
}

world_open(rule) if rule.open_to_all_ipv4
world_open(rule) if rule.open_to_all_ipv6

protocol_matches(rule_protocol, _) if rule_protocol == "all"

protocol_matches(rule_protocol, wanted) if rule_protocol == wanted

warn contains finding if {
	some [rule, port] in exposed
	finding := {
		"id": "PP-EXPOSED-PORT",
		"severity": "medium",
		"title": sprintf("%s open to the internet", [port.name]),
		"msg": sprintf("%s: %s admits %s/%d (%s) from the whole internet: %s", [
			rule.point, rule.file, port.protocol, port.port, port.name, rule.text,
		]),
		"locations": [{"file": rule.file, "line": rule.line, "resource": rule.resource}],
		"remediation": sprintf("Restrict the source of %s/%d to the networks that need it (e.g. the management platform or a bastion).", [port.protocol, port.port]),
		"controls": object.get(data.palette_data.controls, sprintf("PP-EXPOSED-PORT/%d", [port.port]), object.get(data.palette_data.controls, "PP-EXPOSED-PORT", [])),
	}
}
