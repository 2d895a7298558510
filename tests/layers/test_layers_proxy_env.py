"""HTTPS_PROXY / HTTP_PROXY / NO_PROXY with Go's golang.org/x/net/http/httpproxy semantics.

The tables below are transcribed from golang/net ``http/httpproxy/proxy_test.go`` @29181b8c
(``proxyForURLTests``, ``UseProxyTests``, ``noProxy``, ``TestInvalidNoProxy``, ``TestAllNoProxy``);
Copyright 2017 The Go Authors, BSD-3-Clause. Rows about CGI mode are not applicable and left out.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from validator.analysis.proxy_env import proxy_for
from validator.model.errors import InputError
from validator.model.proxy_settings import ProxySettings, ProxyURL, parse_no_proxy
from validator.model.rules import SourceRef
from validator.model.sets import AddressSet

PORTS = {"http": 80, "https": 443}


def route(settings: ProxySettings, url: str) -> str:
    """Go's ProxyFunc(reqURL) rendered like the Go test: the proxy URL or "<nil>"."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or PORTS.get(parts.scheme, 0)
    r = proxy_for(settings, host, None, port, scheme=parts.scheme)
    if r.proxy is None:
        return "<nil>"
    p = r.proxy
    shown_port = f":{p.port}" if p.raw_port else ""
    return f"{p.scheme}://{p.host}{shown_port}"


# (HTTPProxy, HTTPSProxy, NoProxy, request URL, want) — from proxyForURLTests
PROXY_FOR_URL = [
    ("127.0.0.1:8080", "", "", "http://example.com", "http://127.0.0.1:8080"),
    ("cache.corp.example.com:1234", "", "", "http://example.com", "http://cache.corp.example.com:1234"),
    ("cache.corp.example.com", "", "", "http://example.com", "http://cache.corp.example.com"),
    ("localhost", "", "", "http://example.com", "http://localhost"),
    ("https://cache.corp.example.com", "", "", "http://example.com", "https://cache.corp.example.com"),
    ("http://127.0.0.1:8080", "", "", "http://example.com", "http://127.0.0.1:8080"),
    ("https://127.0.0.1:8080", "", "", "http://example.com", "https://127.0.0.1:8080"),
    ("socks5://127.0.0.1", "", "", "http://example.com", "socks5://127.0.0.1"),
    ("http.proxy.tld", "secure.proxy.tld", "", "http://insecure.tld/", "http://http.proxy.tld"),
    ("http.proxy.tld", "secure.proxy.tld", "", "https://secure.tld/", "http://secure.proxy.tld"),
    ("http.proxy.tld", "https://secure.proxy.tld", "", "https://secure.tld/", "https://secure.proxy.tld"),
    ("http.proxy.tld", "", "", "https://secure.tld/", "<nil>"),
    ("http.proxy.tld", "", "", "ftp://insecure.tld/", "<nil>"),
    ("", "", "", "http://example.com", "<nil>"),
    ("proxy", "", "example.com", "http://example.com/", "<nil>"),
    ("proxy", "", ".example.com", "http://example.com/", "http://proxy"),
    ("proxy", "", "ample.com", "http://example.com/", "http://proxy"),
    ("proxy", "", "example.com", "http://foo.example.com/", "<nil>"),
    ("proxy", "", ".foo.com", "http://example.com/", "http://proxy"),
    ("proxy", "", ".示例.com", "http://www.示例.com", "<nil>"),
    ("proxy", "", "xn--fsq092h.com", "http://www.示例.com", "<nil>"),
    ("proxy", "", "示例.com", "http://www.xn--fsq092h.com", "<nil>"),
]


@pytest.mark.parametrize(("http", "https", "no_proxy", "url", "want"), PROXY_FOR_URL)
def test_go_proxy_for_url_table(http: str, https: str, no_proxy: str, url: str, want: str) -> None:
    settings = ProxySettings.parse(https or None, http or None, no_proxy)
    assert route(settings, url) == want


def test_unknown_proxy_scheme_rejected() -> None:
    # Go's table keeps "foo://host" as a URL, but its transport cannot dial it: we report it
    with pytest.raises(InputError) as err:
        ProxySettings.parse(None, "foo://host", source=SourceRef("values.yaml", 7))
    assert err.value.file == "values.yaml" and err.value.line == 7 and "foo" in str(err.value)


GO_NO_PROXY = (
    "foobar.com, .barbaz.net, *.wildcard.io, 192.168.1.1, 192.168.1.2:81, 192.168.1.3:80, "
    "10.0.0.0/30, 2001:db8::52:0:1, [2001:db8::52:0:2]:443, [2001:db8::52:0:3]:80, "
    "2002:db8:a::45/64"
)

# (host, use proxy) — UseProxyTests; every request is to host:80
USE_PROXY = [
    ("localhost", False),
    ("127.0.0.1", False),
    ("127.0.0.2", False),
    ("[::1]", False),
    ("[::2]", True),
    ("192.168.1.1", False),
    ("192.168.1.2", True),
    ("192.168.1.3", False),
    ("192.168.1.4", True),
    ("10.0.0.2", False),
    ("[2001:db8::52:0:1]", False),
    ("[2001:db8::52:0:2]", True),
    ("[2001:db8::52:0:3]", False),
    ("[2002:db8:a::123]", False),
    ("[fe80::424b:c8be:1643:a1b6]", True),
    ("barbaz.net", True),
    ("www.barbaz.net", False),
    ("foobar.com", False),
    ("www.foobar.com", False),
    ("foofoobar.com", True),
    ("baz.com", True),
    ("localhost.net", True),
    ("local.localhost", True),
    ("barbarbaz.net", True),
    ("wildcard.io", True),
    ("nested.wildcard.io", False),
    ("awildcard.io", True),
]


@pytest.mark.parametrize(("host", "use_proxy"), USE_PROXY)
def test_go_use_proxy_table(host: str, use_proxy: bool) -> None:
    settings = ProxySettings.parse(None, "http://proxy.corp:3128", GO_NO_PROXY)
    r = proxy_for(settings, host, None, 80, scheme="http")
    assert (r.proxy is not None) is use_proxy
    if not use_proxy and host not in ("localhost", "127.0.0.1", "127.0.0.2", "[::1]"):
        assert r.bypass is not None  # the evidence names the NO_PROXY entry


def _is_ip(host: str) -> bool:
    try:
        AddressSet.parse(host.strip("[]"))
    except ValueError:
        return False
    return True


@pytest.mark.parametrize(("host", "use_proxy"), [row for row in USE_PROXY if _is_ip(row[0])])
def test_go_use_proxy_table_as_address_sets(host: str, use_proxy: bool) -> None:
    # IP hosts given as one-address AddressSets must route exactly like the IP literal
    addr = AddressSet.parse(host.strip("[]"))
    settings = ProxySettings.parse(None, "http://proxy.corp:3128", GO_NO_PROXY)
    r = proxy_for(settings, None, addr, 80, scheme="http")
    assert (r.proxy is not None) is use_proxy
    assert r.proxied == (addr if use_proxy else AddressSet())


def test_go_invalid_and_all_no_proxy() -> None:
    bad = ProxySettings.parse(None, "http://p:3128", ":1")
    assert proxy_for(bad, "example.com", None, 80, "http").proxy is not None
    star = ProxySettings.parse(None, "http://p:3128", "foo.com, *")
    for host, _ in USE_PROXY:
        assert proxy_for(star, host, None, 80, "http").proxy is None
    assert proxy_for(star, None, AddressSet.everything(), 443, "http").direct == AddressSet.everything()


def test_entry_classification() -> None:
    entries = parse_no_proxy(" Example.COM ,, .svc,*.wildcard.io,10.96.0.0/12,169.254.169.254,[::1]:8080,host:443 ")
    kinds = [(e.text, e.kind, e.domain, e.match_host, e.port) for e in entries]
    assert kinds == [
        ("example.com", "domain", ".example.com", True, None),
        (".svc", "domain", ".svc", False, None),
        ("*.wildcard.io", "domain", ".wildcard.io", False, None),
        ("10.96.0.0/12", "cidr", None, False, None),
        ("169.254.169.254", "ip", None, False, None),
        ("[::1]:8080", "ip", None, False, "8080"),
        ("host:443", "domain", ".host", True, "443"),
    ]


def test_palette_sample_no_proxy() -> None:
    # the Reach sample NO_PROXY from Palette's "configure proxy" page (palette-requirements.md)
    sample = ".spectrocloud.com,.svc,.cluster.local,10.96.0.0/12,192.168.0.0/16,localhost,kubernetes,169.254.169.254"
    s = ProxySettings.parse("http://user:secret@10.0.5.10:3128", "http://10.0.5.10:3128", sample)
    direct = proxy_for(s, "api.spectrocloud.com", None, 443)
    assert direct.proxy is None and direct.bypass is not None and direct.bypass.text == ".spectrocloud.com"
    proxied = proxy_for(s, "registry.k8s.io", None, 443)
    assert proxied.proxy is not None and proxied.proxy.host == "10.0.5.10" and proxied.proxy.port == 3128
    imds = proxy_for(s, None, AddressSet.parse("169.254.169.254"), 80, "http")
    assert imds.proxy is None and imds.bypass is not None and imds.bypass.text == "169.254.169.254"
    # an address set straddling the service CIDR: partial, and which part goes where
    r = proxy_for(s, None, AddressSet.parse("10.96.0.0/11"), 443)
    assert r.partial
    assert r.direct == AddressSet.parse("10.96.0.0/12")
    assert r.proxied == AddressSet.parse("10.112.0.0/12")
    assert r.bypass is not None and r.bypass.text == "10.96.0.0/12"


def test_no_fallback_between_schemes_and_port_specific_entries() -> None:
    s = ProxySettings.parse(None, "http://p:3128", "msg.spectrocloud.com:4222")
    assert proxy_for(s, "msg.spectrocloud.com", None, 443, "https").proxy is None
    assert "HTTPS_PROXY is not set" in proxy_for(s, "msg.spectrocloud.com", None, 443, "https").reason
    assert proxy_for(s, "msg.spectrocloud.com", None, 4222, "http").proxy is None
    assert proxy_for(s, "msg.spectrocloud.com", None, 443, "http").proxy is not None


def test_proxy_url_defaults_and_secrets() -> None:
    assert ProxyURL.parse("http://proxy").port == 80
    assert ProxyURL.parse("https://proxy").port == 443
    assert ProxyURL.parse("socks5://proxy").port == 1080
    assert ProxyURL.parse("proxy.corp:3128").scheme == "http"
    u = ProxyURL.parse("http://alice:s3cr3t@10.0.5.10:3128")
    assert u.username == "alice" and u.has_password and u.address == AddressSet.parse("10.0.5.10")
    assert "s3cr3t" not in str(u) and "s3cr3t" not in json.dumps(u.to_json())
    assert ProxyURL.parse("http://[fd00::1]:3128").host == "fd00::1"


@pytest.mark.parametrize("bad", ["http://:8080", "http://host:99999", "   "])
def test_bad_proxy_urls(bad: str) -> None:
    with pytest.raises(InputError):
        ProxyURL.parse(bad)


def test_settings_serialise() -> None:
    s = ProxySettings.parse("http://u:pw@p:3128", None, ".svc,10.0.0.0/8")
    data = json.loads(json.dumps(s.to_json()))
    assert data["https_proxy"]["port"] == 3128 and data["http_proxy"] is None
    assert [e["kind"] for e in data["no_proxy"]] == ["domain", "cidr"]
    r = proxy_for(s, None, AddressSet.parse("10.0.0.0/7"), 443)
    rj = json.loads(json.dumps(r.to_json()))
    assert rj["partial"] is True and rj["direct"] == ["10.0.0.0/8"] and rj["proxied"] == ["11.0.0.0/8"]


def test_ipv4_mapped_loopback_is_never_proxied() -> None:
    s = ProxySettings.parse("http://p:3128", None, "")
    assert proxy_for(s, "::ffff:127.0.0.1", None, 443).proxy is None
