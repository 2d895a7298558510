"""Our Squid semantics against a real Squid (skipped when no ``squid`` binary is installed).

Every request is sent to a running Squid with the same configuration; its 403 ERR_ACCESS_DENIED (or not)
is the oracle for our ``decide``. Clients are 127.0.0.x source addresses, destinations come from a hosts
file, so nothing leaves the machine. ``apt-get install squid`` enables these tests.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from squid_oracle import COMPAT_PRELUDE, SQUID, Squid

from validator.analysis.squid import decide
from validator.ingest.loaders.squid import parse_squid_text
from validator.model.sets import AddressSet

pytestmark = pytest.mark.skipif(SQUID is None, reason="squid is not installed")

DATA = Path(__file__).parent / "data"
HOSTS = {
    "api.spectrocloud.com": "192.0.2.123",
    "msg.spectrocloud.com": "192.0.2.124",
    "registry.example.org": "192.0.2.125",
    "loc.example": "127.0.1.9",
}
CLIENTS = ["127.0.0.1", "127.0.0.5", "127.0.0.17", "127.0.0.200"]


def compare(text: str, ports: list[int], methods: list[str]) -> list[str]:
    """Differences between decide() and the real Squid over CLIENTS × HOSTS × ports × methods."""
    cfg = parse_squid_text(text, "squid.conf")
    cases = list(itertools.product(CLIENTS, HOSTS, ports, methods))
    with Squid(text, HOSTS) as squid:
        real = squid.requests(list(cases))
    problems = []
    for (client, host, port, method), want in zip(cases, real, strict=True):
        d = decide(cfg, AddressSet.parse(client), host, AddressSet.parse(HOSTS[host]), port, method)
        if d.verdict != want:
            problems.append(f"{method} {host}:{port} from {client}: squid {want}, ours {d.explain()}")
    # the same, asked for all clients at once: the allowed part must be exactly the oracle's allowed clients
    for host, port, method in itertools.product(HOSTS, ports, methods):
        allowed = [
            c for (c, h, p, m), w in zip(cases, real, strict=True) if (h, p, m) == (host, port, method) and w == "allow"
        ]
        d = decide(cfg, AddressSet.parse(*CLIENTS), host, AddressSet.parse(HOSTS[host]), port, method)
        if d.allowed_clients != (AddressSet.parse(*allowed) if allowed else AddressSet()):
            problems.append(f"{method} {host}:{port} for all clients: squid allows {allowed}, ours {d.allowed_clients}")
    return problems


def default_text(localnet: bool) -> str:
    text = COMPAT_PRELUDE + (DATA / "squid-default.conf").read_text()
    # loopback clients stand in for the LAN: add 127.0.0.0/28 to localnet
    text = text.replace("acl localnet src 10.0.0.0/8", "acl localnet src 10.0.0.0/8\nacl localnet src 127.0.0.0/28")
    if localnet:
        text = text.replace("# http_access allow localnet", "http_access allow localnet")
    return text


@pytest.mark.parametrize("localnet", [False, True])
def test_default_config_agrees_with_real_squid(localnet: bool) -> None:
    assert compare(default_text(localnet), [443, 4222, 22, 80], ["CONNECT", "GET"]) == []


EDGE_CASES = [
    "acl Nodes src 127.0.0.0/29\nhttp_access allow nodes\nhttp_access deny all\n",  # names ignore case
    "acl c method connect\nhttp_access deny c\nhttp_access allow all\n",  # method values ignore case
    "acl n src 10.0.0.0/8\nhttp_access deny n\nhttp_access allow\n",  # ACL-less line ignored …
    "acl n src 10.0.0.0/8\nhttp_access allow n\nhttp_access deny\n",  # … also for the implicit default
    "acl p dstdomain .Example.ORG\nhttp_access deny p\nhttp_access allow all\n",  # domains ignore case
    "acl n src 127.0.0.0/30\nhttp_access deny !n CONNECT\n",  # implicit allow after a last deny
    "acl q port 1-442 444-65535\nacl n src 127.0.0.4-127.0.0.20\nhttp_access deny q\nhttp_access allow n\n",
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_edge_cases_agree_with_real_squid(text: str) -> None:
    assert compare(text, [443, 80], ["CONNECT", "GET"]) == []


ACLS = [
    "acl nodes src 127.0.0.0/29",
    "acl nodes src 127.0.0.16/28",
    "acl few src 127.0.0.5 127.0.0.200-127.0.0.210",
    "acl pal dstdomain .spectrocloud.com",
    "acl exact dstdomain registry.example.org API.SPECTROCLOUD.COM",
    "acl tls port 443",
    "acl tls port 4222",
    "acl high port 1025-65535",
    "acl getm method GET",
    "acl saas dst 192.0.2.123/32 192.0.2.125",
    "acl lo dst 127.0.0.0/8",
]
NAMES = [
    "nodes",
    "few",
    "pal",
    "exact",
    "tls",
    "high",
    "getm",
    "saas",
    "lo",
    "CONNECT",
    "all",
    "localhost",
    "to_localhost",
]


@st.composite
def configs(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        action = draw(st.sampled_from(["allow", "deny"]))
        items = draw(st.lists(st.tuples(st.booleans(), st.sampled_from(NAMES)), min_size=1, max_size=3))
        lines.append(f"http_access {action} " + " ".join(("!" if neg else "") + n for neg, n in items))
    return "\n".join(ACLS + lines) + "\n"


@pytest.mark.slow
@given(configs())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_configs_agree_with_real_squid(text: str) -> None:
    assert compare(text, [443, 4222, 80], ["CONNECT", "GET"]) == []
