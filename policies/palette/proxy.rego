# METADATA
# title: Palette traffic through HTTP proxies
# description: >-
#   Proxies that refuse Palette's tunnels, NO_PROXY settings that send the instance metadata service to the
#   proxy, and SSL bump on Palette's gRPC hosts (it breaks HTTP/2).
package palette.proxy

import rego.v1

# A path blocked or cut short at a proxy's access rules: say which line and what to change.
warn contains finding if {
	some r in input.results
	r.verdict != "reachable"
	some hop in r.hops
	some layer in hop.layers
	layer.kind == "proxy"
	layer.decision in {"deny", "partial"}
	some rule in layer.blocked_by
	finding := {
		"id": "PP-PROXY-CONNECT-REFUSED",
		"severity": "high",
		"title": sprintf("Proxy refuses CONNECT to port %s", [r.ports]),
		"msg": sprintf("%s: %s", [r.requirement, rule.rule]),
		"requirement": r.requirement,
		"binding": {"source": r.source, "destination": r.destination, "cluster": r.cluster},
		"locations": [{"file": rule.file, "line": rule.line, "resource": rule.resource}],
		"remediation": remediation(r.ports),
		"controls": object.get(data.palette_data.controls, "PP-PROXY-CONNECT-REFUSED", []),
	}
}

remediation("4222") := concat(" ", [
	"Squid's stock 'http_access deny CONNECT !SSL_ports' refuses the NATS message bus:",
	"add 'acl SSL_ports port 4222', or upgrade to Palette 4.0+ where agents use gRPC over 443.",
])

remediation(port) := sprintf("Allow CONNECT to port %s for the cluster's nodes in the proxy's access rules.", [port]) if {
	port != "4222"
}

# Palette's docs: 169.254.169.254 must be in NO_PROXY, or pods fail to start.
warn contains finding if {
	some endpoint in input.topology.endpoints
	endpoint.proxy
	not endpoint.proxy.imds_direct
	finding := {
		"id": "PP-NO-PROXY-IMDS",
		"severity": "medium",
		"title": "NO_PROXY does not exclude the instance metadata service",
		"msg": sprintf("%s: requests to 169.254.169.254 would go to the proxy (NO_PROXY=%q)", [endpoint.name, endpoint.proxy.no_proxy_text]),
		"locations": [endpoint.proxy.source],
		"remediation": "Add 169.254.169.254 to the cluster's no_proxy (Palette's proxy documentation requires it).",
	}
}

# SSL bump on Palette's hosts breaks the agent's HTTP/2 gRPC stream.
warn contains finding if {
	some proxy in input.resources.proxies
	some bump in proxy.bumps
	bump.verdict in {"allow", "partial"}
	finding := {
		"id": "PP-PROXY-SSL-BUMP",
		"severity": "medium",
		"title": "Proxy SSL-bumps Palette's gRPC traffic",
		"msg": sprintf("proxy %s bumps TLS to %s: %s", [proxy.name, host_name(bump.host), bump.explanation]),
		"locations": [bump.location],
		"remediation": "Splice (do not bump) Palette's hosts: e.g. 'ssl_bump splice palette' with an acl for .spectrocloud.com.",
	}
}

host_name(host) := host if host != null

host_name(null) := "the management platform"
