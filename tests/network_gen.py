"""Random small networks for property tests: a topology with Palette's roles, security groups, network ACLs,
prefix lists, a declarative proxy and a firewall, written as ``aws ec2 describe-*`` JSON and the project's own
YAML formats (fast to load, so a test can run a thousand of them).

Rules are drawn from pools that make every verdict likely: Palette's ports and ranges, the endpoints' own
CIDRs and halves of them, the whole internet, group references and prefix lists (declared or not), IPv6,
deny entries ahead of allows, replies on part of the ephemeral range. The same ``random.Random`` state always
writes the same bytes.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import yaml

MGMT = "10.10.0.0/24"
OPERATORS = "198.51.100.0/24"
PROXY = "10.0.5.10"
PORTS = [(443, 443), (4222, 4222), (6443, 6443), (22, 22), (2379, 2380), (10250, 10250), (30000, 32767)]
WIDE = [(0, 65535), (1024, 65535), (32768, 61000)]


def _cluster_cidr(i: int) -> str:
    return f"10.{20 + i}.0.0/24"


def _peers(rng: random.Random, clusters: int) -> list[str]:
    pool = ["0.0.0.0/0", "10.0.0.0/8", MGMT, "10.10.0.0/25", OPERATORS, f"{PROXY}/32"]
    pool += [_cluster_cidr(i) for i in range(clusters)] + [f"10.{20 + i}.0.128/25" for i in range(clusters)]
    return rng.sample(pool, rng.randint(1, 2))


def _permission(rng: random.Random, clusters: int, group_ids: list[str], prefix_lists: list[str]) -> dict[str, Any]:
    protocol = rng.choice(["tcp", "tcp", "tcp", "udp", "-1"])
    lo, hi = rng.choice(PORTS + WIDE)
    perm: dict[str, Any] = {"IpProtocol": protocol, "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": []}
    if protocol != "-1":
        perm["FromPort"], perm["ToPort"] = lo, hi
    kind = rng.random()
    if kind < 0.15 and group_ids:
        perm["UserIdGroupPairs"] = [{"GroupId": rng.choice(group_ids)}]
    elif kind < 0.22:
        perm["PrefixListIds"] = [{"PrefixListId": rng.choice([*prefix_lists, "pl-0notdeclared"])}]
    else:
        perm["IpRanges"] = [{"CidrIp": c} for c in _peers(rng, clusters)]
        if rng.random() < 0.1:
            perm["Ipv6Ranges"] = [{"CidrIpv6": "::/0"}]
    return perm


def _nacl_entries(rng: random.Random, clusters: int) -> list[dict[str, Any]]:
    entries = []
    numbers = rng.sample(range(10, 400, 10), rng.randint(1, 6))
    for number in numbers:
        lo, hi = rng.choice(PORTS + WIDE)
        entries.append(
            {
                "RuleNumber": number,
                "Protocol": rng.choice(["6", "6", "-1", "17"]),
                "RuleAction": rng.choice(["allow", "allow", "deny"]),
                "Egress": rng.random() < 0.5,
                "CidrBlock": rng.choice(_peers(rng, clusters)),
                "PortRange": {"From": lo, "To": hi},
            }
        )
    return entries


def generate(rng: random.Random, out: Path) -> Path:
    """Write one network under ``out`` and return it."""
    out.mkdir(parents=True, exist_ok=True)
    clusters = rng.randint(1, 3)
    saas = rng.random() < 0.5
    with_proxy = rng.random() < 0.4
    with_firewall = not saas and rng.random() < 0.3
    names = ["palette-mgmt", *(f"c{i}-nodes" for i in range(clusters)), "proxy-sg"]
    names += [f"unused-{i}" for i in range(rng.randint(0, 2))]
    group_ids = [f"sg-{i:017x}" for i in range(len(names))]
    prefix_lists = ["pl-0000000000000001"]
    groups = []
    for gid, name in zip(group_ids, names, strict=True):
        groups.append(
            {
                "GroupId": gid,
                "GroupName": name,
                "VpcId": "vpc-1",
                "IpPermissions": [
                    _permission(rng, clusters, group_ids, prefix_lists) for _ in range(rng.randint(0, 4))
                ],
                "IpPermissionsEgress": [
                    _permission(rng, clusters, group_ids, prefix_lists) for _ in range(rng.randint(0, 4))
                ],
            }
        )
    for group in groups:  # the usual shapes, so that reachable and partial verdicts are common too
        if group["GroupName"] != "palette-mgmt" and rng.random() < 0.5:
            group["IpPermissionsEgress"].append({"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]})
        if rng.random() < 0.5:
            lo, hi = rng.choice([(443, 443), (4222, 4222), (6443, 6443), (0, 65535), (3128, 3128)])
            cidr = rng.choice(["10.0.0.0/8", MGMT, "10.10.0.0/25", "10.20.0.0/14", OPERATORS])
            group["IpPermissions"].append(
                {"IpProtocol": "tcp", "FromPort": lo, "ToPort": hi, "IpRanges": [{"CidrIp": cidr}]}
            )
    extra_rules = [
        {
            "SecurityGroupRuleId": f"sgr-{i:017x}",
            "GroupId": rng.choice(group_ids),
            "IsEgress": rng.random() < 0.5,
            "IpProtocol": "tcp",
            "FromPort": port[0],
            "ToPort": port[1],
            "CidrIpv4": rng.choice(_peers(rng, clusters)),
        }
        for i, port in enumerate(rng.choice(PORTS) for _ in range(rng.randint(0, 4)))
    ]
    split = rng.randint(1, len(groups))
    (out / "groups-a.json").write_text(json.dumps({"SecurityGroups": groups[:split]}, indent=1))
    (out / "groups-b.json").write_text(
        json.dumps({"SecurityGroups": groups[split:], "SecurityGroupRules": extra_rules}, indent=1)
    )
    subnets, acls, bound_subnets = [], [], {}
    for i in range(clusters):
        if rng.random() < 0.5:
            sid = f"subnet-{i:017x}"
            subnets.append({"SubnetId": sid, "CidrBlock": _cluster_cidr(i), "VpcId": "vpc-1"})
            bound_subnets[i] = sid
            if rng.random() < 0.8:
                acls.append(
                    {
                        "NetworkAclId": f"acl-{i:017x}",
                        "VpcId": "vpc-1",
                        "Entries": _nacl_entries(rng, clusters),
                        "Associations": [{"SubnetId": sid}],
                    }
                )
    prefix = {
        "PrefixLists": [
            {"PrefixListId": prefix_lists[0], "PrefixListName": "corp", "Entries": [{"Cidr": "10.0.0.0/8"}]}
        ]
    }
    (out / "network.json").write_text(json.dumps({"Subnets": subnets, "NetworkAcls": acls, **prefix}, indent=1))
    topology: dict[str, Any] = {"profiles": ["saas" if saas else "self-hosted"]}
    if saas:
        topology["management"] = {
            "hosts": ["api.spectrocloud.com", "message.spectrocloud.com"],
            "addresses": ["internet"],
        }
    else:
        topology["management"] = {"addresses": [MGMT], "security_groups": ["palette-mgmt"]}
        topology["vcenter"] = {"addresses": ["10.0.9.5"]}
    topology["operators"] = [OPERATORS]
    topology["registries"] = {"hosts": ["registry.spectrocloud.com"], "addresses": ["internet"]}
    cluster_list = []
    for i in range(clusters):
        cluster: dict[str, Any] = {"name": f"c{i}", "nodes": [_cluster_cidr(i)], "api": f"10.{20 + i}.0.10:6443"}
        if rng.random() < 0.85:
            cluster["security_groups"] = [f"c{i}-nodes"]
        if i in bound_subnets:
            cluster["subnets"] = [bound_subnets[i]]
        if with_proxy and rng.random() < 0.8:
            no_proxy = rng.sample(
                ["10.0.0.0/8", ".svc", "169.254.169.254", ".spectrocloud.com", "api.spectrocloud.com", "localhost"],
                rng.randint(0, 3),
            )
            cluster["proxy"] = {"https": f"http://{PROXY}:3128", "no_proxy": no_proxy}
        cluster_list.append(cluster)
    topology["clusters"] = cluster_list
    if with_proxy:
        topology["proxies"] = [
            {
                "name": "corp-proxy",
                "addresses": [PROXY],
                "port": 3128,
                "security_groups": ["proxy-sg"],
                "config": "proxy.yaml",
            }
        ]
        rules = []
        for j in range(rng.randint(0, 4)):
            rule: dict[str, Any] = {"name": f"r{j}", "action": rng.choice(["allow", "deny"])}
            if rng.random() < 0.6:
                rule["hosts"] = rng.sample(
                    [".spectrocloud.com", "api.spectrocloud.com", "registry.spectrocloud.com", "10.10.0.0/24"], 1
                )
            if rng.random() < 0.6:
                rule["ports"] = rng.sample([443, 4222, "1024-65535"], rng.randint(1, 2))
            if rng.random() < 0.4:
                rule["clients"] = rng.sample(["10.0.0.0/8", _cluster_cidr(0)], 1)
            if rng.random() < 0.3:
                rule["methods"] = ["CONNECT"]
            rules.append(rule)
        proxy_doc = {
            "kind": "ProxyRules",
            "name": "corp",
            "listen": [3128],
            "rules": rules,
            "default": rng.choice(["allow", "deny"]),
        }
        (out / "proxy.yaml").write_text(yaml.safe_dump(proxy_doc, sort_keys=False))
    if with_firewall:
        zones = {"mgmt": [MGMT], "sites": ["10.16.0.0/12"], "everyone": ["0.0.0.0/0"]}
        fw_rules = []
        for j in range(rng.randint(1, 4)):
            lo, hi = rng.choice(PORTS)
            fw_rules.append(
                {
                    "name": f"f{j}",
                    "action": rng.choice(["allow", "allow", "deny"]),
                    "source": [rng.choice(list(zones))],
                    "destination": [rng.choice(list(zones))],
                    "protocol": "tcp",
                    "ports": [f"{lo}-{hi}"],
                }
            )
        doc = {
            "kind": "FirewallRules",
            "name": "edge",
            "stateful": rng.random() < 0.7,
            "default_action": "deny",
            "zones": zones,
            "rules": fw_rules,
        }
        (out / "firewall.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
        topology["firewalls"] = [{"name": "edge", "rules": "firewall.yaml", "protects": ["management"]}]
    (out / "palette-network.yaml").write_text(yaml.safe_dump(topology, sort_keys=False))
    return out
