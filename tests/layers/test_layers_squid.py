"""squid.conf parser and http_access semantics (docs/semantics.md S1–S4) and Squid's documented defaults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from validator.analysis.squid import decide, match_domain, ssl_bump_decision
from validator.ingest.loaders.squid import load_squid, parse_squid_text
from validator.model.errors import InputError
from validator.model.sets import AddressSet, PortSet
from validator.model.topology import INTERNET

DATA = Path(__file__).parent / "data"
DEFAULT = DATA / "squid-default.conf"
PALETTE_IP = AddressSet.parse("44.232.106.120")  # a published Palette SaaS address (public)
A = AddressSet.parse


def line_no(path: Path, text: str) -> int:
    """The 1-based line of the (single) line of ``path`` equal to ``text`` — an oracle independent of
    the parser."""
    hits = [i for i, ln in enumerate(path.read_text().splitlines(), 1) if ln.strip() == text]
    assert len(hits) == 1, (text, hits)
    return hits[0]


def first_line_starting(path: Path, prefix: str) -> int:
    return next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if ln.startswith(prefix))


@pytest.fixture()
def localnet_conf(tmp_path: Path) -> Path:
    """The default config with its documented 'http_access allow localnet' line uncommented."""
    text = DEFAULT.read_text()
    assert text.count("# http_access allow localnet") == 1
    out = tmp_path / "squid.conf"
    out.write_text(text.replace("# http_access allow localnet", "http_access allow localnet"))
    return out


# ---------------------------------------------------------------------------------------------------
# Squid's documented default configuration


def test_default_config_parses_with_listener_and_rules() -> None:
    cfg = load_squid(DEFAULT)
    assert cfg.listen_ports == PortSet.range(3128)
    assert [h.text for h in cfg.http_access] == [
        "http_access deny !Safe_ports",
        "http_access deny CONNECT !SSL_ports",
        "http_access allow localhost manager",
        "http_access deny manager",
        "http_access allow localhost",
        "http_access deny to_localhost",
        "http_access deny to_linklocal",
        "http_access deny all",
    ]
    assert cfg.acl("Safe_ports").ports == PortSet(
        [
            (21, 21),
            (70, 70),
            (80, 80),
            (210, 210),
            (280, 280),
            (443, 443),
            (488, 488),
            (591, 591),
            (777, 777),
            (1025, 65535),
        ]
    )
    assert cfg.acl("SSL_ports").ports == PortSet.range(443)
    # localnet is 8 lines ORed; the trailing comments are not values
    assert len(cfg.acl("localnet").lines) == 8
    assert cfg.acl("localnet").addresses == A(
        "0.0.0.1-0.255.255.255",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "fc00::/7",
        "fe80::/10",
    )


def test_default_denies_localnet_connect_443_by_deny_all() -> None:
    cfg = load_squid(DEFAULT)
    d = decide(cfg, A("10.0.0.0/8"), "api.spectrocloud.com", PALETTE_IP, 443, "CONNECT")
    assert d.verdict == "deny"
    assert d.rule is not None and d.rule.line == line_no(DEFAULT, "http_access deny all")
    assert not d.parts[0].implicit


def test_default_denies_localnet_even_when_destination_unknown() -> None:
    # to_localhost / to_linklocal cannot be decided without addresses, but every branch ends in deny
    cfg = load_squid(DEFAULT)
    d = decide(cfg, A("10.0.0.0/8"), "api.spectrocloud.com", None, 443, "CONNECT")
    assert d.verdict == "deny"
    assert d.rule is not None and d.rule.line == line_no(DEFAULT, "http_access deny all")
    assert {u.line for u in d.parts[0].undecided} == {
        line_no(DEFAULT, "http_access deny to_localhost"),
        line_no(DEFAULT, "http_access deny to_linklocal"),
    }


def test_default_allows_localhost_connect_443() -> None:
    cfg = load_squid(DEFAULT)
    d = decide(cfg, A("127.0.0.1"), "api.spectrocloud.com", PALETTE_IP, 443, "CONNECT")
    assert d.verdict == "allow"
    assert d.rule is not None and d.rule.line == line_no(DEFAULT, "http_access allow localhost")
    # ::1 is localhost too; 127.0.0.2 is not (predefined localhost is 127.0.0.1/32 ::1)
    assert decide(cfg, A("::1"), "api.spectrocloud.com", PALETTE_IP, 443, "CONNECT").verdict == "allow"
    assert decide(cfg, A("127.0.0.2"), "api.spectrocloud.com", PALETTE_IP, 443, "CONNECT").verdict == "deny"


def test_default_connect_4222_denied_by_ssl_ports_even_for_localhost() -> None:
    cfg = load_squid(DEFAULT)
    d = decide(cfg, A("127.0.0.1"), "message.spectrocloud.com", PALETTE_IP, 4222, "CONNECT")
    assert d.verdict == "deny"
    assert d.rule is not None and d.rule.line == line_no(DEFAULT, "http_access deny CONNECT !SSL_ports")


def test_localnet_uncommented_connect_443_allowed(localnet_conf: Path) -> None:
    cfg = load_squid(localnet_conf)
    d = decide(cfg, A("10.0.0.0/8"), "api.spectrocloud.com", PALETTE_IP, 443, "CONNECT")
    assert d.verdict == "allow"
    assert d.rule is not None and d.rule.line == line_no(localnet_conf, "http_access allow localnet")
    assert d.allowed_clients == A("10.0.0.0/8")


def test_localnet_uncommented_connect_4222_denied_with_evidence(localnet_conf: Path) -> None:
    cfg = load_squid(localnet_conf)
    d = decide(cfg, A("10.0.0.0/8"), "message.spectrocloud.com", PALETTE_IP, 4222, "CONNECT")
    assert d.verdict == "deny"
    deny_line = line_no(localnet_conf, "http_access deny CONNECT !SSL_ports")
    assert d.rule is not None and d.rule.line == deny_line
    acls = {a.name: a for a in d.parts[0].acls}
    assert acls["CONNECT"].matched is True and acls["CONNECT"].satisfied is True
    assert acls["SSL_ports"].matched is False and acls["SSL_ports"].negated
    assert acls["SSL_ports"].sources[0].line == line_no(localnet_conf, "acl SSL_ports port 443")
    text = d.explain()
    assert f"squid.conf:{deny_line} http_access deny CONNECT !SSL_ports" in text
    assert "port 4222 is not in SSL_ports" in text


def test_localnet_uncommented_get_80_allowed(localnet_conf: Path) -> None:
    cfg = load_squid(localnet_conf)
    d = decide(cfg, A("192.168.1.0/24"), "example.com", A("93.184.216.34"), 80, "GET")
    assert d.verdict == "allow"
    assert d.rule is not None and d.rule.line == line_no(localnet_conf, "http_access allow localnet")


def test_localnet_uncommented_port_22_denied_by_safe_ports(localnet_conf: Path) -> None:
    cfg = load_squid(localnet_conf)
    for method in ("GET", "CONNECT"):
        d = decide(cfg, A("10.1.2.3"), "git.example.com", A("93.184.216.34"), 22, method)
        assert d.verdict == "deny"
        assert d.rule is not None and d.rule.line == line_no(localnet_conf, "http_access deny !Safe_ports")


def test_extending_ssl_ports_with_4222_fixes_nats(localnet_conf: Path) -> None:
    text = localnet_conf.read_text().replace(
        "acl SSL_ports port 443\n", "acl SSL_ports port 443\nacl SSL_ports port 4222\n"
    )
    localnet_conf.write_text(text)
    cfg = load_squid(localnet_conf)
    d = decide(cfg, A("10.0.0.0/8"), "message.spectrocloud.com", PALETTE_IP, 4222, "CONNECT")
    assert d.verdict == "allow"
    assert d.rule is not None and d.rule.line == line_no(localnet_conf, "http_access allow localnet")


def test_localnet_metadata_address_denied_by_to_linklocal(localnet_conf: Path) -> None:
    cfg = load_squid(localnet_conf)
    d = decide(cfg, A("10.0.0.5"), None, A("169.254.169.254"), 80, "GET")
    assert d.verdict == "deny"
    assert d.rule is not None and d.rule.line == line_no(localnet_conf, "http_access deny to_linklocal")


def test_localnet_hostname_without_addresses_is_unknown(localnet_conf: Path) -> None:
    # Squid resolves the name before to_localhost matches; statically we cannot know → unknown, citing it
    cfg = load_squid(localnet_conf)
    d = decide(cfg, A("10.0.0.0/8"), "api.spectrocloud.com", None, 443, "CONNECT")
    assert d.verdict == "unknown"
    assert d.parts[0].rule is not None
    assert d.parts[0].rule.line == line_no(localnet_conf, "http_access deny to_localhost")
    assert "to_localhost is a dst ACL" in d.explain()


def test_partial_client_set_says_which(localnet_conf: Path) -> None:
    cfg = load_squid(localnet_conf)
    clients = A("10.255.0.0/16", "11.0.0.0/16")  # first inside localnet, second outside
    d = decide(cfg, clients, "api.spectrocloud.com", PALETTE_IP, 443, "CONNECT")
    assert d.verdict == "partial"
    assert d.allowed_clients == A("10.255.0.0/16")
    assert d.denied_clients == A("11.0.0.0/16")
    by_outcome = {p.outcome: p for p in d.parts}
    assert by_outcome["deny"].rule is not None
    assert by_outcome["deny"].rule.line == line_no(localnet_conf, "http_access deny all")


# ---------------------------------------------------------------------------------------------------
# S1–S4 rule by rule


def test_s1_first_match_wins_not_most_specific() -> None:
    cfg = parse_squid_text(
        "acl a src 10.0.0.0/8\nacl b src 10.1.0.0/16\nhttp_access deny a\nhttp_access allow b\nhttp_access deny all\n"
    )
    d = decide(cfg, A("10.1.2.3"), "x.example", A("1.2.3.4"), 443, "CONNECT")
    assert d.verdict == "deny" and d.rule is not None and d.rule.line == 3


def test_s1_and_within_line_or_within_acl_and_negation() -> None:
    cfg = parse_squid_text(
        "acl nodes src 10.0.0.0/24\n"
        "acl nodes src 10.0.1.0/24\n"  # same name: ORed
        "acl tls port 443 8443\n"  # values ORed
        "http_access allow nodes tls CONNECT\n"  # ANDed
        "http_access allow !nodes\n"
        "http_access deny all\n"
    )
    assert decide(cfg, A("10.0.1.9"), "h.example", A("1.1.1.1"), 8443, "CONNECT").verdict == "allow"
    assert decide(cfg, A("10.0.0.9"), "h.example", A("1.1.1.1"), 443, "GET").verdict == "deny"  # method
    d = decide(cfg, A("10.0.0.9"), "h.example", A("1.1.1.1"), 80, "CONNECT")  # port fails the AND
    assert d.verdict == "deny" and d.rule is not None and d.rule.line == 6
    d = decide(cfg, A("10.0.2.9"), "h.example", A("1.1.1.1"), 80, "GET")  # !nodes
    assert d.verdict == "allow" and d.rule is not None and d.rule.line == 5
    # a set straddling nodes: the part outside nodes is allowed by !nodes, the rest denied
    d = decide(cfg, A("10.0.0.0/22"), "h.example", A("1.1.1.1"), 80, "GET")
    assert d.verdict == "partial"
    assert d.allowed_clients == A("10.0.2.0/23")


def test_s2_no_match_gives_opposite_of_last_line() -> None:
    allow_last = parse_squid_text("acl a src 10.0.0.0/8\nhttp_access allow a\n")
    d = decide(allow_last, A("192.168.0.1"), "h.example", A("1.1.1.1"), 443, "CONNECT")
    assert d.verdict == "deny" and d.parts[0].implicit and d.rule is not None and d.rule.line == 2
    deny_last = parse_squid_text("acl a src 10.0.0.0/8\nhttp_access deny a\n")
    d = decide(deny_last, A("192.168.0.1"), "h.example", A("1.1.1.1"), 443, "CONNECT")
    assert d.verdict == "allow" and d.parts[0].implicit
    assert "implicit allow" in d.explain()


def test_s2_no_http_access_lines_denies() -> None:
    cfg = parse_squid_text("acl a src 10.0.0.0/8\nhttp_port 3128\n")
    d = decide(cfg, A("10.0.0.1"), "h.example", A("1.1.1.1"), 443, "CONNECT")
    assert d.verdict == "deny" and d.parts[0].implicit and d.parts[0].rule is None


def test_acl_less_line_is_ignored_like_squid() -> None:
    # observed with Squid 5.7 (see the real-Squid oracle tests): not a match, not the "last line"
    cfg = parse_squid_text("acl n src 10.0.0.0/8\nhttp_access deny n\nhttp_access allow\n")
    assert [h.source.line for h in cfg.http_access] == [2]
    assert "ignored" in cfg.notes[0]
    d = decide(cfg, A("192.168.0.1"), "h.example", A("1.1.1.1"), 443, "CONNECT")
    assert d.verdict == "allow" and d.parts[0].implicit and d.rule is not None and d.rule.line == 2


def test_s3_connect_is_predefined() -> None:
    cfg = parse_squid_text("http_access deny CONNECT\nhttp_access allow all\n")
    assert decide(cfg, A("10.0.0.1"), "h.example", A("1.1.1.1"), 443, "CONNECT").verdict == "deny"
    assert decide(cfg, A("10.0.0.1"), "h.example", A("1.1.1.1"), 443, "GET").verdict == "allow"
    assert cfg.acl("CONNECT").predefined


@pytest.mark.parametrize(
    ("host", "pattern", "expected"),
    [
        ("example.com", ".example.com", True),
        ("www.example.com", ".example.com", True),
        ("a.b.example.com", ".example.com", True),
        ("notexample.com", ".example.com", False),
        ("example.com", "example.com", True),
        ("www.example.com", "example.com", False),
        ("WWW.Example.COM", ".example.com", True),
        ("www.example.com.", ".example.com", True),
        ("example.com.evil.org", ".example.com", False),
    ],
)
def test_s4_dstdomain_matching(host: str, pattern: str, expected: bool) -> None:
    assert match_domain(host, pattern) is expected


def test_s4_dstdomain_in_access_case_insensitive() -> None:
    cfg = parse_squid_text(
        "acl pal dstdomain .SpectroCloud.com exact.example.org\nhttp_access allow pal\nhttp_access deny all\n"
    )
    assert decide(cfg, A("10.0.0.1"), "API.spectrocloud.com", None, 443, "CONNECT").verdict == "allow"
    assert decide(cfg, A("10.0.0.1"), "spectrocloud.com", None, 443, "CONNECT").verdict == "allow"
    assert decide(cfg, A("10.0.0.1"), "exact.example.org", None, 443, "CONNECT").verdict == "allow"
    d = decide(cfg, A("10.0.0.1"), "sub.exact.example.org", None, 443, "CONNECT")
    assert d.verdict == "deny" and d.rule is not None and d.rule.line == 3


def test_s4_ip_literal_against_dstdomain_is_unknown_unless_n() -> None:
    cfg = parse_squid_text("acl pal dstdomain .spectrocloud.com\nhttp_access allow pal\nhttp_access deny all\n")
    assert decide(cfg, A("10.0.0.1"), None, A("44.232.106.120"), 443, "CONNECT").verdict == "unknown"
    cfg_n = parse_squid_text("acl pal dstdomain -n .spectrocloud.com\nhttp_access allow pal\nhttp_access deny all\n")
    d = decide(cfg_n, A("10.0.0.1"), None, A("44.232.106.120"), 443, "CONNECT")
    assert d.verdict == "deny" and d.rule is not None and d.rule.line == 3


# ---------------------------------------------------------------------------------------------------
# unknown ACL types, dst sets, parsing features


def test_unknown_acl_type_makes_dependent_decisions_unknown_only() -> None:
    cfg = parse_squid_text(
        "acl office time MTWHF 08:00-18:00\nacl nodes src 10.0.0.0/8\n"
        "http_access allow nodes office\nhttp_access deny all\n"
    )
    d = decide(cfg, A("10.0.0.0/8"), "h.example", A("1.1.1.1"), 443, "CONNECT")
    assert d.verdict == "unknown"
    assert "'time'" in d.explain()
    # clients outside nodes never reach the undecidable condition
    d = decide(cfg, A("192.168.0.0/16"), "h.example", A("1.1.1.1"), 443, "CONNECT")
    assert d.verdict == "deny" and d.rule is not None and d.rule.line == 4


def test_unknown_acl_irrelevant_when_both_branches_agree() -> None:
    cfg = parse_squid_text("acl office time MTWHF 08:00-18:00\nhttp_access deny office\nhttp_access deny all\n")
    d = decide(cfg, A("10.0.0.0/8"), "h.example", A("1.1.1.1"), 443, "CONNECT")
    assert d.verdict == "deny"
    assert d.rule is not None and d.rule.line == 3 and d.parts[0].undecided[0].line == 2


def test_dst_acl_splits_destination_set() -> None:
    cfg = parse_squid_text("acl pal dst 44.232.106.120 52.35.163.177\nhttp_access allow pal\nhttp_access deny all\n")
    d = decide(cfg, A("10.0.0.1"), "api.spectrocloud.com", A("44.232.106.120", "1.1.1.1"), 443, "CONNECT")
    assert d.verdict == "partial"
    by = {p.outcome: p for p in d.parts}
    assert by["allow"].destinations == A("44.232.106.120")
    assert by["deny"].destinations == A("1.1.1.1")


def test_ip_literal_host_becomes_destination() -> None:
    cfg = parse_squid_text("acl pal dst 44.232.106.0/24\nhttp_access allow pal\nhttp_access deny all\n")
    assert decide(cfg, A("10.0.0.1"), "44.232.106.120", None, 443, "CONNECT").verdict == "allow"


def test_address_forms() -> None:
    cfg = parse_squid_text(
        "acl a src 10.0.0.0/255.255.0.0\n"
        "acl b src 192.168.1.10-192.168.1.20\n"
        "acl c src 172.16.0.0-172.16.255.255/255.255.255.255\n"
        "acl d src ::1 2001:db8::/32\n"
        "acl e src all\n"
    )
    assert cfg.acl("a").addresses == A("10.0.0.0/16")
    assert cfg.acl("b").addresses == A("192.168.1.10-192.168.1.20")
    assert cfg.acl("c").addresses == A("172.16.0.0/16")
    assert cfg.acl("d").addresses == A("::1", "2001:db8::/32")
    assert cfg.acl("e").addresses == AddressSet.everything()


def test_acl_names_are_case_insensitive_and_predefined_redefinition_tolerated() -> None:
    cfg = parse_squid_text(
        "acl manager proto cache_object\nacl localhost src 127.0.0.1/32\n"
        "acl Nodes src 10.0.0.0/8\nhttp_access allow nodes\nhttp_access deny all\n"
    )
    assert decide(cfg, A("10.0.0.1"), "h.example", A("1.1.1.1"), 80, "GET").verdict == "allow"
    assert cfg.acl("manager").type == "proto" and cfg.notes


def test_includes_globs_and_acl_files() -> None:
    main = DATA / "squid-includes" / "squid.conf"
    cfg = load_squid(main)
    assert [Path(f).name for f in cfg.files] == [
        "squid.conf",
        "10-ports.conf",
        "20-access.conf",
        "30-nested.conf",
        "last.conf",
    ]
    assert cfg.listen_ports == PortSet([(3128, 3128), (8080, 8080)])
    bump_listener = cfg.listeners[1]
    assert bump_listener.address == "10.0.5.10" and bump_listener.ssl_bump
    assert cfg.acl("palette").domains == (".spectrocloud.com", "registry.example.org")
    assert cfg.acl("nodes").addresses == A("10.10.0.0/16", "10.20.0.0/16")
    # 4222 added to SSL_ports in an included file; CONNECT re-declared (same type as predefined)
    d = decide(cfg, A("10.10.0.0/16"), "message.spectrocloud.com", PALETTE_IP, 4222, "CONNECT")
    assert d.verdict == "allow"
    assert d.rule is not None and Path(d.rule.file).name == "20-access.conf" and d.rule.line == 2
    d = decide(cfg, A("10.10.0.0/16"), "github.com", PALETTE_IP, 443, "CONNECT")
    assert d.verdict == "deny" and d.rule is not None and Path(d.rule.file).name == "last.conf"


def test_ssl_bump_recorded_and_evaluated() -> None:
    cfg = load_squid(DATA / "squid-includes" / "squid.conf")
    assert [(s.action, [str(a) for a in s.acls]) for s in cfg.ssl_bump] == [("splice", ["palette"]), ("bump", ["all"])]
    spliced = ssl_bump_decision(cfg, A("10.10.0.0/16"), "msg.spectrocloud.com", PALETTE_IP, 443)
    assert spliced.verdict == "deny"  # splice: not bumped
    bumped = ssl_bump_decision(cfg, A("10.10.0.0/16"), "github.com", A("140.82.112.3"), 443)
    assert bumped.verdict == "allow" and bumped.rule is not None and bumped.rule.line == 4


def test_line_continuation_and_comments() -> None:
    cfg = parse_squid_text("acl p port 443 \\\n  4222 # nats\n# http_access allow all\nhttp_access allow p\n")
    assert cfg.acl("p").ports == PortSet([(443, 443), (4222, 4222)])
    assert len(cfg.http_access) == 1 and cfg.http_access[0].source.line == 4


def test_unknown_directives_ignored() -> None:
    cfg = parse_squid_text(
        "cache_dir ufs /var/spool/squid 100 16 256\nrefresh_pattern . 0 20% 4320\n"
        "coredump_dir /var/spool/squid\nhttp_access allow all\n"
    )
    assert len(cfg.http_access) == 1


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("acl x\n", 1, "needs a name and a type"),
        ("acl p port 443\nacl p port https\n", 2, "not a port"),
        ("acl p port 70000\n", 1, "bad range"),
        ("acl s src 10.0.0.0/33\n", 1, "not an IP address"),
        ("acl s src 10.0.0.0/8\nacl s port 80\n", 2, "cannot add type"),
        ("http_access allow nosuchacl\n", 1, "not defined"),
        ("http_access permit all\n", 1, "allow or deny"),
        ("http_access\n", 1, "needs an action"),
        ("\nhttp_port\n", 2, "needs a port"),
        ("http_port 3128x\n", 1, "bad http_port"),
        ('acl x dstdomain "unterminated\n', 1, "unterminated"),
        ('acl x dstdomain "missing-list.txt"\n', 1, "cannot read"),
        ("include nothere.conf\n", 1, "does not exist"),
    ],
)
def test_bad_syntax_names_file_and_line(tmp_path: Path, text: str, line: int, needle: str) -> None:
    conf = tmp_path / "squid.conf"
    conf.write_text(text)
    with pytest.raises(InputError) as err:
        load_squid(conf)
    assert err.value.file == str(conf) and err.value.line == line
    assert needle in str(err.value)


def test_include_cycle_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "a.conf").write_text("include b.conf\n")
    (tmp_path / "b.conf").write_text("\ninclude a.conf\n")
    with pytest.raises(InputError) as err:
        load_squid(tmp_path / "a.conf")
    assert err.value.line == 2 and "cycle" in str(err.value)


def test_everything_serialises_to_json(localnet_conf: Path) -> None:
    cfg = load_squid(localnet_conf)
    data = json.loads(json.dumps(cfg.to_json()))
    assert data["listen_ports"] == "3128"
    assert data["acls"]["SSL_ports"]["ports"] == "443"
    assert data["http_access"][1]["acls"] == [
        {"name": "CONNECT", "negated": False},
        {"name": "SSL_ports", "negated": True},
    ]
    d = decide(cfg, A("10.0.0.0/8"), "m.example", PALETTE_IP, 4222, "CONNECT")
    dj = json.loads(json.dumps(d.to_json()))
    assert dj["verdict"] == "deny"
    assert dj["parts"][0]["rule"]["line"] == line_no(localnet_conf, "http_access deny CONNECT !SSL_ports")
    assert dj["parts"][0]["acls"][1]["satisfied"] is True


def test_many_rules_and_wide_sets_are_fast() -> None:
    # 1,000 src ACLs with /24s over a /8 request: interval algebra, no enumeration
    lines = [f"acl n{i} src 10.{i // 256}.{i % 256}.0/24\nhttp_access deny n{i} CONNECT" for i in range(0, 2000, 2)]
    cfg = parse_squid_text("\n".join(lines) + "\nhttp_access allow all\n")
    d = decide(cfg, A("10.0.0.0/8"), "h.example", A("0.0.0.0/0"), 443, "CONNECT")
    assert d.verdict == "partial"
    assert d.denied_clients.size() == 1000 * 256


PEEK_THEN_BUMP = """http_port 3128 ssl-bump cert=/etc/squid/ca.pem
acl step1 at_step SslBump1
acl nobump ssl::server_name .spectrocloud.com
ssl_bump peek step1
ssl_bump splice nobump
ssl_bump bump all
http_access allow all
"""


def test_ssl_bump_steps_peek_then_splice_or_bump() -> None:
    cfg = parse_squid_text(PEEK_THEN_BUMP)
    grpc = ssl_bump_decision(cfg, A("10.0.0.0/8"), "msg.spectrocloud.com", PALETTE_IP, 443)
    assert grpc.verdict == "deny"  # spliced: gRPC over HTTP/2 survives
    assert grpc.rule is not None and grpc.rule.line == 5
    assert grpc.parts[0].rule_text == "step1 peek (squid.conf:4) → step2 splice (squid.conf:5)"
    other = ssl_bump_decision(cfg, A("10.0.0.0/8"), "github.com", A("140.82.112.3"), 443)
    assert other.verdict == "allow" and other.rule is not None and other.rule.line == 6


def test_ssl_bump_needs_an_ssl_bump_port_and_stare_forbids_splice() -> None:
    no_port = parse_squid_text(PEEK_THEN_BUMP.replace(" ssl-bump cert=/etc/squid/ca.pem", ""))
    d = ssl_bump_decision(no_port, A("10.0.0.0/8"), "github.com", A("140.82.112.3"), 443)
    assert d.verdict == "deny" and "ssl-bump option" in d.explain()
    stare = parse_squid_text(
        "http_port 3128 ssl-bump\nacl s1 at_step SslBump1\nacl s2 at_step SslBump2\n"
        "ssl_bump peek s1\nssl_bump stare s2\nssl_bump splice all\n"
    )
    d = ssl_bump_decision(stare, A("10.0.0.0/8"), "msg.spectrocloud.com", PALETTE_IP, 443)
    assert d.verdict == "allow"  # splicing is impossible after stare at step 2: bumped
    none = parse_squid_text("http_port 3128 ssl-bump\nacl pal ssl::server_name .spectrocloud.com\nssl_bump bump !pal\n")
    d = ssl_bump_decision(none, A("10.0.0.0/8"), "msg.spectrocloud.com", PALETTE_IP, 443)
    assert d.verdict == "deny" and d.parts[0].implicit  # no line matched: tunnel


def test_ssl_bump_config_serialises() -> None:
    cfg = parse_squid_text(PEEK_THEN_BUMP)
    data = json.loads(json.dumps(cfg.to_json()))
    assert data["acls"]["nobump"]["domains"] == [".spectrocloud.com"]
    assert data["acls"]["step1"]["steps"] == ["sslbump1"]
    assert data["listeners"][0]["ssl_bump"] is True
    assert [s["action"] for s in data["ssl_bump"]] == ["peek", "splice", "bump"]
    d = ssl_bump_decision(cfg, A("10.0.0.0/8"), "msg.spectrocloud.com", PALETTE_IP, 443)
    assert json.loads(json.dumps(d.to_json()))["parts"][0]["rule"]["line"] == 5


def test_internet_stand_in_decides_dst_rules(localnet_conf: Path) -> None:
    # a destination known only by name (addresses: [internet]) stands for the public IPv4 space, so dst
    # rules such as to_localhost / to_linklocal are decided instead of coming out unknown
    cfg = load_squid(localnet_conf)
    assert not INTERNET.overlaps(A("127.0.0.0/8", "169.254.0.0/16", "10.0.0.0/8", "0.0.0.0/32"))
    assert INTERNET.covers(A("44.232.106.120", "8.8.8.8"))
    d = decide(cfg, A("10.0.0.0/8"), "api.spectrocloud.com", INTERNET, 443, "CONNECT")
    assert d.verdict == "allow" and d.rule is not None
    assert d.rule.line == line_no(localnet_conf, "http_access allow localnet")


def test_relative_list_from_included_file_falls_back_to_main_dir() -> None:
    cfg = load_squid(DATA / "squid-includes" / "squid.conf")
    acl = cfg.acl("more_nodes")
    assert acl.addresses == A("10.10.0.0/16", "10.20.0.0/16")
    listed = DATA / "squid-includes" / "lists" / "nodes.txt"
    assert Path(acl.lines[0].files[0]).resolve() == listed.resolve()
    assert Path(acl.lines[0].source.file).name == "30-nested.conf" and acl.lines[0].source.line == 2


POOL_ACLS = (
    "acl nodes src 127.0.0.0/29\nacl nodes src 127.0.0.16/28\n"
    "acl few src 127.0.0.5 127.0.0.200-127.0.0.210\nacl tls port 443 4222\n"
    "acl saas dst 192.0.2.123/32 192.0.2.125\nacl pal dstdomain .spectrocloud.com\n"
)
POOL_NAMES = ["nodes", "few", "tls", "saas", "pal", "CONNECT", "all", "localhost", "to_localhost"]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["allow", "deny"]),
            st.lists(st.tuples(st.booleans(), st.sampled_from(POOL_NAMES)), min_size=1, max_size=3),
        ),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from([443, 80]),
    st.sampled_from(["CONNECT", "GET"]),
    st.sampled_from(["192.0.2.123", "127.0.1.9", "192.0.2.124"]),
)
@settings(max_examples=150, deadline=None)
def test_set_decision_equals_pointwise_decisions(
    lines: list[tuple[str, list[tuple[bool, str]]]], port: int, method: str, dst: str
) -> None:
    text = POOL_ACLS + "".join(
        f"http_access {a} " + " ".join(("!" if n else "") + x for n, x in items) + "\n" for a, items in lines
    )
    cfg = parse_squid_text(text)
    clients = A("127.0.0.0/24")
    d = decide(cfg, clients, "api.spectrocloud.com", A(dst), port, method)
    covered = AddressSet()
    for part in d.parts:
        covered = covered | part.clients
        for lo, hi in part.clients.intervals:  # both ends of every interval of every part
            for ip in {lo, hi}:
                single = decide(cfg, AddressSet([(ip, ip)]), "api.spectrocloud.com", A(dst), port, method)
                assert single.verdict == part.outcome
                assert single.rule == part.rule
    assert covered == clients
