"""Live probes as validator-plugin-network ``NetworkValidator`` documents (multi-document YAML).

The plugin (validator-labs/validator-plugin-network, ``validation.spectrocloud.labs/v1alpha1``) checks a
``tcpConnRules`` entry with a TLS handshake that dials direct, whatever HTTPS_PROXY says; each rule list
holds at most 5 entries with unique names. So a document gets at most 5 rules per list (a location's rules
spill into more documents), one TCP rule per destination host with its ports, a DNS rule per host name it
dials, and what the plugin cannot prove (non-TLS ports, flows through a proxy) is written as comments that
point to ``--format script``.
"""

from __future__ import annotations

import re

import yaml

from validator.model.probes import Probe, ProbeLocation, ProbePlan

API_VERSION = "validation.spectrocloud.labs/v1alpha1"
MAX_RULES = 5  # maxItems of every rule list in the plugin's CRD


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "location"


def _target(probe: Probe) -> str:
    return f"{probe.host}:{','.join(str(p) for p in probe.ports)} ({probe.requirement})"


def _rules(location: ProbeLocation) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """One TCP rule per host the plugin can prove (TLS first, no proxy), one DNS rule per host name dialed."""
    ports: dict[str, set[int]] = {}
    requirements: dict[str, list[str]] = {}
    internal: set[str] = set()
    for probe in location.probes:
        if probe.proxy is not None or not probe.tls:
            continue
        ports.setdefault(probe.host, set()).update(probe.ports)
        mine = requirements.setdefault(probe.host, [])
        mine.extend(r for r in [probe.requirement] if r not in mine)
        if probe.internal:
            internal.add(probe.host)
    tcp: list[dict[str, object]] = []
    for host, wanted in ports.items():
        rule: dict[str, object] = {"name": f"{host} ({', '.join(requirements[host])})"[:500], "host": host}
        rule["ports"] = sorted(wanted)
        if host in internal:
            rule["insecureSkipTlsVerify"] = True
        tcp.append(rule)
    dialed = dict.fromkeys(p.host for p in location.probes if p.proxy is None and re.search(r"[a-z]", p.host, re.I))
    dns: list[dict[str, object]] = [{"name": f"resolve {h}", "host": h} for h in dialed if ":" not in h]
    return tcp, dns


def _notes(location: ProbeLocation) -> list[str]:
    notes = []
    for probe in location.probes:
        if probe.proxy is not None:
            notes.append(
                f"not a rule: {_target(probe)} goes through the proxy {probe.proxy}; the plugin's TCP check dials "
                "direct, so it cannot prove this path (--format script tunnels through the proxy)"
            )
        elif not probe.tls:
            notes.append(
                f"not a rule: {_target(probe)} does not speak TLS first and the plugin's TCP check is a TLS "
                "handshake (--format script connects without TLS)"
            )
    notes.extend(f"not probed: {u.requirement} {u.what}: {u.reason}" for u in location.unprobed)
    if any(p.internal and p.tls and p.proxy is None for p in location.probes):
        notes.append(
            "insecureSkipTlsVerify: these hosts present your own CA's certificates; add it under spec.caCerts "
            "(certs or secretRefs) and drop insecureSkipTlsVerify to check the certificates as well"
        )
    if location.proxy:
        notes.append(
            f"this location's HTTPS_PROXY is {location.proxy}; an SSL-bumping proxy needs its CA under spec.caCerts"
        )
    return notes


def _comment(lines: list[str], text: str) -> None:
    words, line = text.split(), "#"
    for word in words:
        if len(line) + len(word) > 116:
            lines.append(line)
            line = "#  "
        line += " " + word
    lines.append(line)


def render(plan: ProbePlan, scanned: str) -> str:
    lines = [
        "# NetworkValidator resources (validator-labs/validator-plugin-network) for the Palette flows of",
        f"# {scanned}, written by `palette-policy export`. Apply each location's documents in that location's",
        "# cluster (kubectl apply -n <the plugin's namespace>): the plugin probes from where it runs.",
        "# The plugin checks a tcpConnRules entry with a TLS handshake that dials direct (it ignores HTTPS_PROXY):",
        "# flows through a proxy and ports that do not speak TLS first are comments here; `palette-policy export",
        "# --format script` probes those too.",
    ]
    for away in plan.elsewhere:
        _comment(lines, f"not probed: {away.requirement} {away.what}: {away.reason} (no probe location)")
    for location in plan.locations:
        tcp, dns = _rules(location)
        count = max(-(-len(tcp) // MAX_RULES), -(-len(dns) // MAX_RULES))
        lines.append("")
        lines.append(f"# {location.kind} {location.name}: {len(tcp)} TCP and {len(dns)} DNS rules")
        for note in _notes(location):
            _comment(lines, note)
        for i in range(count):
            spec: dict[str, object] = {}
            if tcp[i * MAX_RULES : (i + 1) * MAX_RULES]:
                spec["tcpConnRules"] = tcp[i * MAX_RULES : (i + 1) * MAX_RULES]
            if dns[i * MAX_RULES : (i + 1) * MAX_RULES]:
                spec["dnsRules"] = dns[i * MAX_RULES : (i + 1) * MAX_RULES]
            doc = {
                "apiVersion": API_VERSION,
                "kind": "NetworkValidator",
                "metadata": {
                    "name": f"palette-{_slug(location.name)}-{i + 1}",
                    "labels": {"palette-policy/location": _slug(location.name)},
                },
                "spec": spec,
            }
            lines.append("---")
            lines.append(yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, width=120).rstrip())
    return "\n".join(lines) + "\n"
