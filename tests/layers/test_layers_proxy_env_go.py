"""proxy_env against Go itself: random proxy environments and requests, answered by a tiny Go program
that calls net/http.ProxyFromEnvironment (tests/layers/goproxy). Skipped when no ``go`` toolchain is
installed (``apt-get install golang-go``); building needs no network (standard library only).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import go_build
from validator.analysis.proxy_env import proxy_for
from validator.model.proxy_settings import ProxySettings

GO = shutil.which("go")
pytestmark = pytest.mark.skipif(GO is None, reason="go is not installed")

SRC = Path(__file__).parent / "goproxy"


@pytest.fixture(scope="module")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return go_build(SRC, tmp_path_factory.mktemp("goproxy"))


def go_answers(binary: Path, https: str | None, http: str | None, no_proxy: str, urls: list[str]) -> list[str]:
    env = {"PATH": os.environ.get("PATH", "")}
    if https is not None:
        env["HTTPS_PROXY"] = https
    if http is not None:
        env["HTTP_PROXY"] = http
    env["NO_PROXY"] = no_proxy
    done = subprocess.run(
        [str(binary)], input="\n".join(urls) + "\n", env=env, capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.splitlines()


def ours(settings_: ProxySettings, url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}[parts.scheme]
    route = proxy_for(settings_, parts.hostname or "", None, port, scheme=parts.scheme)
    if route.proxy is None:
        return "<nil>"
    p = route.proxy
    host = f"[{p.host}]" if ":" in p.host else p.host
    return f"{p.scheme}://{host}" + (f":{p.port}" if p.raw_port else "")


ENTRIES = [
    "foobar.com",
    ".barbaz.net",
    "*.wildcard.io",
    "spectrocloud.com",
    ".spectrocloud.com",
    "api.spectrocloud.com:443",
    "192.168.1.1",
    "192.168.1.2:81",
    "10.0.0.0/30",
    "10.96.0.0/12",
    "2001:db8::1",
    "[2001:db8::2]:443",
    "2002:db8:a::45/64",
    "169.254.169.254",
    "localhost",
    ".svc",
    "kubernetes",
    "0.1",
    ":1",
    "*",
    "EXAMPLE.com",
    " example.org ",
    ".1",
]
HOSTS = [
    "foobar.com",
    "www.foobar.com",
    "foofoobar.com",
    "barbaz.net",
    "x.barbaz.net",
    "wildcard.io",
    "a.wildcard.io",
    "spectrocloud.com",
    "api.spectrocloud.com",
    "msg.spectrocloud.com",
    "192.168.1.1",
    "192.168.1.2",
    "10.0.0.1",
    "10.0.0.9",
    "10.100.0.1",
    "[2001:db8::1]",
    "[2001:db8::2]",
    "[2002:db8:a::123]",
    "[::1]",
    "127.0.0.5",
    "localhost",
    "169.254.169.254",
    "kubernetes",
    "web.svc",
    "example.com",
    "www.example.org",
    "10.0.0.1.nip.io",
    "example.org",
]
PROXIES = [
    None,
    "http://proxy.corp:3128",
    "proxy.corp:8080",
    "https://secure.corp",
    "socks5://10.0.5.10",
    "10.0.5.10:3128",
    "http://[fd00::1]:3128",
]


@given(
    st.sampled_from(PROXIES),
    st.sampled_from(PROXIES),
    st.lists(st.sampled_from(ENTRIES), max_size=6),
    st.sampled_from([",", ", ", " ,"]),
)
@settings(max_examples=100, deadline=None)
def test_proxy_choice_matches_go(
    oracle: Path, https: str | None, http: str | None, entries: list[str], sep: str
) -> None:
    no_proxy = sep.join(entries)
    urls = [
        f"{scheme}://{host}{port}"
        for scheme in ("http", "https")
        for host in HOSTS
        for port in ("", ":443", ":4222", ":80")
    ]
    want = go_answers(oracle, https, http, no_proxy, urls)
    settings_ = ProxySettings.parse(https, http, no_proxy)
    got = [ours(settings_, u) for u in urls]
    diffs = [f"{u}: go {w}, ours {g}" for u, w, g in zip(urls, want, got, strict=True) if w != g]
    assert diffs == [], f"NO_PROXY={no_proxy!r} HTTPS_PROXY={https!r} HTTP_PROXY={http!r}"
