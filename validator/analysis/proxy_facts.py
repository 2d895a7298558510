"""Facts about proxies that the policies need, derived here so the policy stage never evaluates a proxy.

Does a client's proxy environment send the instance metadata service direct (Go's NO_PROXY rules,
``proxy_env``)? Does a declared Squid SSL-bump CONNECTs to Palette's hosts (``squid.ssl_bump_decision``)?
The answers go into the policy input as plain data (``model.results.ProxyFacts``).
"""

from __future__ import annotations

from typing import Any

from validator.analysis.proxy_env import proxy_for
from validator.analysis.squid import ssl_bump_decision
from validator.model.inventory import Inventory
from validator.model.proxy import SquidConfig
from validator.model.results import ProxyFacts
from validator.model.sets import AddressSet
from validator.model.topology import Topology

IMDS = "169.254.169.254"  # the instance metadata service; Palette's docs require it outside the proxy


def proxy_facts(inventory: Inventory, topology: Topology) -> ProxyFacts:
    """The proxy facts of a run: IMDS routing per endpoint with proxy settings, SSL bumping per proxy."""
    imds_direct: dict[str, bool] = {}
    for endpoint in topology.endpoints:
        settings = endpoint.extra.get("proxy_settings")
        if settings is not None:
            imds_direct[endpoint.name] = all(
                proxy_for(settings, IMDS, None, 80, scheme).is_direct for scheme in ("http", "https")
            )
    return ProxyFacts(imds_direct, _proxies(inventory, topology))


def _proxies(inventory: Inventory, topology: Topology) -> list[dict[str, Any]]:
    """Each declared proxy with facts policies need: does it SSL-bump CONNECTs to Palette's hosts on 443?"""
    out = []
    clients = AddressSet()
    for endpoint in topology.role("workload"):
        clients = clients | endpoint.addresses
    palette: list[tuple[str | None, AddressSet]] = [
        (host, endpoint.addresses) for endpoint in topology.role("management") for host in endpoint.hosts
    ]
    for proxy in sorted(topology.role("proxy"), key=lambda e: e.name):
        path = proxy.extra.get("config")
        config = inventory.proxy_configs.get(path) if path else None
        entry: dict[str, Any] = {
            "name": proxy.name,
            "config": path,
            "kind": type(config).__name__ if config else None,
            "location": proxy.source.to_json(),
            "bumps": [],
        }
        if isinstance(config, SquidConfig):
            for host, addresses in palette or [(None, AddressSet.everything())]:
                decision = ssl_bump_decision(config, clients or AddressSet.everything(), host, addresses, 443)
                rule = decision.parts[0].rule if decision.parts else None
                entry["bumps"].append(
                    {
                        "host": host,
                        "verdict": decision.verdict,
                        "explanation": decision.explain(),
                        "location": rule.to_json() if rule else {"file": path, "line": None},
                    }
                )
        out.append(entry)
    return out
