# Unit tests for policies/palette/proxy.rego.
package palette.proxy_test

import rego.v1

import data.palette.proxy

blocked_at_proxy(port) := {
	"requirement": "saas-agent-nats", "verdict": "blocked", "ports": port, "source": "prod",
	"destination": "management", "cluster": "prod",
	"hops": [{"layers": [
		{"kind": "security-group", "decision": "allow", "blocked_by": []},
		{"kind": "proxy", "decision": "deny", "blocked_by": [{
			"file": "squid.conf", "line": 34, "resource": "",
			"rule": "squid.conf:34 http_access deny CONNECT !SSL_ports — port 4222 is not in SSL_ports",
		}]},
	]}],
}

base := {"results": [], "topology": {"endpoints": []}, "resources": {"proxies": []}}

test_connect_refused_names_the_squid_line_and_ssl_ports if {
	findings := proxy.warn with input as object.union(base, {"results": [blocked_at_proxy("4222")]})
	count(findings) == 1
	some f in findings
	f.id == "PP-PROXY-CONNECT-REFUSED"
	f.locations == [{"file": "squid.conf", "line": 34, "resource": ""}]
	contains(f.remediation, "acl SSL_ports port 4222")
}

test_other_ports_get_a_generic_remediation if {
	findings := proxy.warn with input as object.union(base, {"results": [blocked_at_proxy("443")]})
	some f in findings
	contains(f.remediation, "CONNECT to port 443")
}

test_reachable_paths_are_quiet if {
	r := object.union(blocked_at_proxy("4222"), {"verdict": "reachable"})
	count(proxy.warn) == 0 with input as object.union(base, {"results": [r]})
}

test_imds_must_bypass_the_proxy if {
	endpoint := {"name": "prod", "proxy": {"imds_direct": false, "no_proxy_text": ".svc",
	                                       "source": {"file": "palette-network.yaml", "line": 9}}}
	findings := proxy.warn with input as object.union(base, {"topology": {"endpoints": [endpoint]}})
	{f.id | some f in findings} == {"PP-NO-PROXY-IMDS"}
	ok := object.union(endpoint, {"proxy": {"imds_direct": true}})
	count(proxy.warn) == 0 with input as object.union(base, {"topology": {"endpoints": [ok]}})
}

test_ssl_bump_of_palette_hosts_warns if {
	p := {"name": "corp", "bumps": [{"host": "api.spectrocloud.com", "verdict": "allow", "explanation": "bumped",
	                                 "location": {"file": "squid.conf", "line": 70}}]}
	findings := proxy.warn with input as object.union(base, {"resources": {"proxies": [p]}})
	{f.id | some f in findings} == {"PP-PROXY-SSL-BUMP"}
	spliced := {"name": "corp", "bumps": [{"host": "api.spectrocloud.com", "verdict": "deny", "explanation": "",
	                                       "location": {"file": "squid.conf", "line": 1}}]}
	count(proxy.warn) == 0 with input as object.union(base, {"resources": {"proxies": [spliced]}})
}
