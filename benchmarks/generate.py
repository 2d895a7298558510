#!/usr/bin/env python3
"""A seeded generator of enterprise-shaped networks for the benchmark.

One folder that ``palette-policy validate`` reads, laid out like a real infra monorepo:

    palette-network.yaml          topology: self-hosted management + N workload clusters (profiles
                                  self-hosted, kubernetes)
    terraform/platform/           root module of the Palette management cluster: its group, and split
                                  rule resources per workload cluster (cluster CIDRs, as cross-account
                                  rules are written)
    terraform/accounts/acct-NNN/  one root module per account/VPC (~100 groups): application groups in
                                  files of 10, inline rule blocks, split ``aws_security_group_rule`` and
                                  ``aws_vpc_security_group_{ingress,egress}_rule`` resources, group
                                  references (within the root), ``self`` rules, a managed prefix list,
                                  the workload clusters' node groups, and ``aws_network_acl``s
    k8s/<cluster>/                NetworkPolicies (+ the Deployments they select) per namespace
    proxy/squid.conf              a few hundred ACL lines

Shapes (``--shape``): ``accounts`` (the default, above); ``modules``: the application groups made by a local
module (``terraform/modules/app-sg``) called with ``for_each`` over a variable set in ``terraform.tfvars``, in
4 root modules (``terraform/apps-N``), the cluster groups in ``terraform/clusters``; ``flat``: the same
groups and rules written as plain resources in one folder (``terraform/apps``) — the pair measures what
expanding module instances costs over reading the same network written out.

Sizes (security-group rules / groups / clusters / workloads): S ≈ 1k/200/10/200, M ≈ 10k/2,000/50/800,
L ≈ 50k/10,000/200/1,600, XL ≈ 100k/20,000/500/3,200. A few clusters are broken on purpose (a missing
NATS egress, a 6443 ingress from only part of the management subnet) and a few groups expose SSH to the
world, so the run exercises blocked/partial verdicts, near misses and policy findings, not only the
happy path. The same seed always writes the same bytes.

    python benchmarks/generate.py --size M --out /tmp/net-M
    python benchmarks/generate.py --size M --shape modules --out /tmp/net-M-modules
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

MGMT_CIDR = "10.10.0.0/22"
MGMT_HALF = "10.10.0.0/23"  # a "partial" cluster admits only this half of the management subnet
OPERATORS = "198.51.100.0/24"


@dataclass(frozen=True)
class Size:
    name: str
    groups: int  # application + cluster groups (the management group comes on top)
    clusters: int
    workloads: int
    rules_per_group: int = 5


SIZES = {
    "S": Size("S", 200, 10, 200),
    "M": Size("M", 2000, 50, 800),
    "L": Size("L", 10000, 200, 1600),
    "XL": Size("XL", 20000, 500, 3200),
}
SHAPES = ("accounts", "modules", "flat")
GROUPS_PER_ACCOUNT = 100
GROUPS_PER_FILE = 10
APP_PORTS = [
    (443, 443),
    (8080, 8080),
    (8443, 8443),
    (5432, 5432),
    (3306, 3306),
    (6379, 6379),
    (9092, 9094),
    (27017, 27017),
    (9200, 9300),
    (8000, 8999),
    (5671, 5672),
    (2049, 2049),
    (80, 80),
    (11211, 11211),
]
CORP_CIDRS = [
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "10.200.0.0/16",
    "10.201.4.0/22",
    "172.20.0.0/16",
    "203.0.113.0/24",
]


@dataclass
class Counts:
    sg_rules: int = 0
    groups: int = 0
    nacl_rules: int = 0
    tf_files: int = 0
    tf_bytes: int = 0
    netpols: int = 0
    k8s_files: int = 0
    squid_lines: int = 0


def cluster_cidr(i: int) -> str:
    return f"10.{64 + i // 256}.{i % 256}.0/24"


def cluster_api(i: int) -> str:
    return f"10.{64 + i // 256}.{i % 256}.10:6443"


def account_cidr(a: int) -> str:
    return f"10.{128 + a // 64}.{(a % 64) * 4}.0/22"


def broken(i: int) -> str | None:
    """Clusters broken on purpose, so that verdicts other than 'reachable' are exercised."""
    if i % 17 == 5:
        return "no-nats"
    if i % 23 == 7:
        return "api-half"
    return None


class Writer:
    def __init__(self, out: Path, counts: Counts) -> None:
        self.out = out
        self.counts = counts

    def tf(self, rel: str, blocks: list[str]) -> None:
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        text = "\n".join(blocks)
        path.write_text(text, encoding="utf-8")
        self.counts.tf_files += 1
        self.counts.tf_bytes += len(text.encode())

    def text(self, rel: str, text: str) -> None:
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _inline(direction: str, desc: str, proto: str, lo: int, hi: int, peer: str) -> str:
    return (
        f'  {direction} {{\n    description = "{desc}"\n    from_port   = {lo}\n    to_port     = {hi}\n'
        f'    protocol    = "{proto}"\n    {peer}\n  }}\n'
    )


def _group(res: str, name: str, desc: str, vpc: str, body: str) -> str:
    return (
        f'resource "aws_security_group" "{res}" {{\n  name        = "{name}"\n'
        f'  description = "{desc}"\n  vpc_id      = {vpc}\n\n{body}\n  tags = {{\n'
        f'    Name  = "{name}"\n    Owner = "team-{len(name) % 7}"\n  }}\n}}\n'
    )


def platform(w: Writer, size: Size) -> None:
    """The management cluster's group, with one split rule per workload cluster and direction."""
    c = w.counts
    main = [
        'variable "vpc_id" {\n  default = "vpc-0platform"\n}\n',
        _group(
            "mgmt",
            "palette-mgmt",
            "Palette self-hosted management cluster",
            "var.vpc_id",
            _inline("egress", "vCenter, registries, updates", "tcp", 443, 443, 'cidr_blocks = ["0.0.0.0/0"]')
            + _inline("ingress", "node to node", "-1", 0, 0, "self = true")
            + _inline("egress", "node to node", "-1", 0, 0, "self = true"),
        ),
        'resource "aws_vpc_security_group_ingress_rule" "mgmt_https_operators" {\n'
        '  security_group_id = aws_security_group.mgmt.id\n  description       = "UI and API for operators"\n'
        f'  cidr_ipv4         = "{OPERATORS}"\n  from_port         = 443\n  to_port           = 443\n'
        '  ip_protocol       = "tcp"\n}\n',
    ]
    c.groups += 1
    c.sg_rules += 4
    w.tf("terraform/platform/main.tf", main)
    chunk = 100
    for start in range(0, size.clusters, chunk):
        blocks = []
        for i in range(start, min(size.clusters, start + chunk)):
            cidr = cluster_cidr(i)
            for port, what in ((443, "agent API"), (4222, "NATS")):
                blocks.append(
                    f'resource "aws_vpc_security_group_ingress_rule" "c{i:04d}_{port}" {{\n'
                    f"  security_group_id = aws_security_group.mgmt.id\n"
                    f'  description       = "{what} from workload cluster c{i:04d}"\n'
                    f'  cidr_ipv4         = "{cidr}"\n  from_port         = {port}\n  to_port           = {port}\n'
                    f'  ip_protocol       = "tcp"\n}}\n'
                )
            blocks.append(
                f'resource "aws_security_group_rule" "c{i:04d}_api" {{\n  type              = "egress"\n'
                f'  description       = "Kubernetes API of c{i:04d}"\n  from_port         = 6443\n'
                f'  to_port           = 6443\n  protocol          = "tcp"\n  cidr_blocks       = ["{cidr}"]\n'
                f"  security_group_id = aws_security_group.mgmt.id\n}}\n"
            )
            c.sg_rules += 3
        w.tf(f"terraform/platform/clusters_{start // chunk:02d}.tf", blocks)


def cluster_group(i: int, a: int) -> tuple[str, int]:
    """The node group of workload cluster i (inline rules), and its rule count."""
    kind = broken(i)
    mgmt = MGMT_HALF if kind == "api-half" else MGMT_CIDR
    body = (
        _inline(
            "ingress", "Kubernetes API from the management platform", "tcp", 6443, 6443, f'cidr_blocks = ["{mgmt}"]'
        )
        + _inline("ingress", "SSH from the operators", "tcp", 22, 22, f'cidr_blocks = ["{OPERATORS}"]')
        + _inline("ingress", "node to node", "-1", 0, 0, "self = true")
        + _inline(
            "ingress",
            "NodePorts from the load balancers",
            "tcp",
            30000,
            32767,
            f"security_groups = [aws_security_group.lb_{a:03d}.id]",
        )
        + _inline(
            "egress", "HTTPS to management, vCenter and registries", "tcp", 443, 443, 'cidr_blocks = ["0.0.0.0/0"]'
        )
        + _inline("egress", "node to node", "-1", 0, 0, "self = true")
    )
    n = 6
    if kind != "no-nats":
        body += _inline(
            "egress", "NATS to the management platform", "tcp", 4222, 4222, f'cidr_blocks = ["{MGMT_CIDR}"]'
        )
        n += 1
    return _group(
        f"c{i:04d}_nodes", f"c{i:04d}-nodes", f"Palette workload cluster c{i:04d} nodes", "aws_vpc.main.id", body
    ), n


def account(w: Writer, rng: random.Random, a: int, n_groups: int, clusters: list[int]) -> None:
    """One account root module: VPC, prefix list, NACLs, the cluster groups, and application groups."""
    c = w.counts
    root = f"terraform/accounts/acct-{a:03d}"
    cidr = account_cidr(a)
    vpc = [
        f'locals {{\n  account = "acct-{a:03d}"\n  vpc_cidr = "{cidr}"\n}}\n',
        'resource "aws_vpc" "main" {\n  cidr_block = local.vpc_cidr\n}\n',
        f'resource "aws_ec2_managed_prefix_list" "corp_{a:03d}" {{\n  name           = "corp-' + f'{a:03d}"\n'
        '  address_family = "IPv4"\n  max_entries    = 8\n'
        + "".join(f'  entry {{\n    cidr = "{x}"\n  }}\n' for x in CORP_CIDRS[:4])
        + "}\n",
        f'resource "aws_security_group" "lb_{a:03d}" {{\n  name   = "lb-{a:03d}"\n'
        "  vpc_id = aws_vpc.main.id\n"
        + _inline("ingress", "HTTPS from anywhere", "tcp", 443, 443, 'cidr_blocks = ["0.0.0.0/0"]')
        + _inline("egress", "to the nodes", "tcp", 30000, 32767, "cidr_blocks = [local.vpc_cidr]")
        + "}\n",
    ]
    c.groups += 1
    c.sg_rules += 2
    for tier, n_rules in (("public", 12), ("private", 10), ("data", 8)):
        rules = []
        for r in range(n_rules):
            lo, hi = APP_PORTS[(r + a) % len(APP_PORTS)]
            direction = "ingress" if r % 2 == 0 else "egress"
            action = "deny" if r % 5 == 4 else "allow"
            rules.append(
                f'  {direction} {{\n    rule_no    = {100 + 10 * r}\n    action     = "{action}"\n'
                f'    protocol   = "tcp"\n    from_port  = {lo}\n    to_port    = {hi}\n'
                f'    cidr_block = "{CORP_CIDRS[r % len(CORP_CIDRS)]}"\n  }}\n'
            )
        rules.append(
            '  ingress {\n    rule_no    = 32000\n    action     = "allow"\n    protocol   = "tcp"\n'
            '    from_port  = 1024\n    to_port    = 65535\n    cidr_block = "0.0.0.0/0"\n  }\n'
        )
        vpc.append(f'resource "aws_network_acl" "{tier}" {{\n  vpc_id = aws_vpc.main.id\n{"".join(rules)}}}\n')
        c.nacl_rules += n_rules + 1
    w.tf(f"{root}/vpc.tf", vpc)

    blocks = []
    for i in clusters:
        text, n = cluster_group(i, a)
        blocks.append(text)
        c.groups += 1
        c.sg_rules += n
    if blocks:
        w.tf(f"{root}/clusters.tf", blocks)

    n_apps = max(0, n_groups - 1 - len(clusters))
    # Resource names are unique across roots, so that a name in the topology or a report points at one group
    # (groups are keyed by root folder and address; a bare address two roots share is ambiguous).
    names = [f"a{a:03d}_app{g:03d}" for g in range(n_apps)]
    for f0 in range(0, n_apps, GROUPS_PER_FILE):
        groups: list[str] = []
        split: list[str] = []
        for g in range(f0, min(n_apps, f0 + GROUPS_PER_FILE)):
            res = names[g]
            body = ""
            n_rules = 0
            # rules_per_group on average: 3 inline blocks + 2 split rule resources
            for r in range(3):
                lo, hi = APP_PORTS[rng.randrange(len(APP_PORTS))]
                roll = rng.random()
                if r == 2:
                    body += _inline(
                        "egress",
                        "to the corporate network",
                        "tcp",
                        lo,
                        hi,
                        f"prefix_list_ids = [aws_ec2_managed_prefix_list.corp_{a:03d}.id]"
                        if roll < 0.3
                        else f'cidr_blocks = ["{CORP_CIDRS[rng.randrange(8)]}"]',
                    )
                elif roll < 0.45 and g > 0:
                    peer = names[rng.randrange(g)]
                    body += _inline(
                        "ingress", f"from {peer}", "tcp", lo, hi, f"security_groups = [aws_security_group.{peer}.id]"
                    )
                elif roll < 0.55:
                    body += _inline("ingress", "within the tier", "tcp", lo, hi, "self = true")
                elif roll < 0.6 and rng.random() < 0.1:
                    body += _inline("ingress", "SSH (temporary)", "tcp", 22, 22, 'cidr_blocks = ["0.0.0.0/0"]')
                else:
                    nets = sorted({CORP_CIDRS[rng.randrange(8)] for _ in range(rng.randint(1, 3))})
                    body += _inline(
                        "ingress",
                        "from the corporate network",
                        "tcp",
                        lo,
                        hi,
                        "cidr_blocks = [" + ", ".join(f'"{x}"' for x in nets) + "]",
                    )
                n_rules += 1
            groups.append(_group(res, f"{res}", f"{res} in acct-{a:03d}", "aws_vpc.main.id", body))
            for r in range(2):
                lo, hi = APP_PORTS[rng.randrange(len(APP_PORTS))]
                if r == 0:
                    peer = names[rng.randrange(n_apps)]
                    split.append(
                        f'resource "aws_security_group_rule" "{res}_from_{peer}_{lo}" {{\n'
                        f'  type                     = "ingress"\n  from_port                = {lo}\n'
                        f'  to_port                  = {hi}\n  protocol                 = "tcp"\n'
                        f"  source_security_group_id = aws_security_group.{peer}.id\n"
                        f"  security_group_id        = aws_security_group.{res}.id\n}}\n"
                    )
                else:
                    proto = "udp" if rng.random() < 0.2 else "tcp"
                    split.append(
                        f'resource "aws_vpc_security_group_egress_rule" "{res}_out_{lo}" {{\n'
                        f"  security_group_id = aws_security_group.{res}.id\n"
                        f'  cidr_ipv4         = "{cidr}"\n  from_port         = {lo}\n'
                        f'  to_port           = {hi}\n  ip_protocol       = "{proto}"\n}}\n'
                    )
                n_rules += 1
            c.groups += 1
            c.sg_rules += n_rules
        w.tf(f"{root}/sg_{f0 // GROUPS_PER_FILE:02d}.tf", groups)
        w.tf(f"{root}/rules_{f0 // GROUPS_PER_FILE:02d}.tf", split)


def topology(w: Writer, size: Size) -> None:
    lines = [
        f"# generated by benchmarks/generate.py (size {size.name})",
        "profiles: [self-hosted, kubernetes]",
        "management:",
        f"  addresses: [{MGMT_CIDR}]",
        "  security_groups: [palette-mgmt]",
        f"operators: [{OPERATORS}]",
        "vcenter:",
        "  addresses: [10.0.9.5]",
        "registries:",
        "  hosts: [registry.spectrocloud.com]",
        "  addresses: [internet]",
        "clusters:",
    ]
    with_manifests = min(size.clusters, max(1, size.workloads // 20))  # kubernetes() spreads namespaces so
    for i in range(size.clusters):
        lines += [
            f"  - name: c{i:04d}",
            f"    nodes: [{cluster_cidr(i)}]",
            f"    security_groups: [c{i:04d}-nodes]",
            f"    api: {cluster_api(i)}",
        ]
        if i < with_manifests:
            lines.append(f"    kubernetes: k8s/c{i:04d}")
    w.text("palette-network.yaml", "\n".join(lines) + "\n")


def kubernetes(w: Writer, rng: random.Random, size: Size) -> None:
    """Per cluster and namespace: Deployments, a default-deny policy and one allow policy per workload."""
    c = w.counts
    per_ns = 20
    n_ns = max(1, size.workloads // per_ns)
    for ns_i in range(n_ns):
        cluster = ns_i % size.clusters
        ns = f"team-{ns_i:03d}"
        docs = [f'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n  labels:\n    team: "{ns_i}"\n']
        docs.append(
            f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny\n"
            f"  namespace: {ns}\nspec:\n  podSelector: {{}}\n  policyTypes: [Ingress, Egress]\n"
        )
        c.netpols += 1
        for k in range(per_ns):
            app = f"svc-{ns_i:03d}-{k:02d}"
            docs.append(
                f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {app}\n  namespace: {ns}\n"
                f"spec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: {app}\n  template:\n"
                f'    metadata:\n      labels:\n        app: {app}\n        tier: "{k % 3}"\n'
                f"    spec:\n      containers:\n        - name: main\n          image: registry.local/{app}:1\n"
                f"          ports:\n            - containerPort: 8080\n"
            )
            peer = f"svc-{ns_i:03d}-{(k + 1) % per_ns:02d}"
            port = 8080 + rng.randrange(3)
            docs.append(
                f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-{app}\n"
                f"  namespace: {ns}\nspec:\n  podSelector:\n    matchLabels:\n      app: {app}\n"
                f"  policyTypes: [Ingress, Egress]\n  ingress:\n    - from:\n        - podSelector:\n"
                f"            matchLabels:\n              app: {peer}\n        - namespaceSelector:\n"
                f'            matchLabels:\n              team: "{(ns_i + 1) % n_ns}"\n      ports:\n'
                f"        - protocol: TCP\n          port: {port}\n  egress:\n    - to:\n"
                f"        - namespaceSelector: {{}}\n          podSelector:\n            matchLabels:\n"
                f"              k8s-app: kube-dns\n      ports:\n        - protocol: UDP\n          port: 53\n"
                f"    - to:\n        - ipBlock:\n            cidr: {MGMT_CIDR}\n      ports:\n"
                f"        - protocol: TCP\n          port: 443\n"
            )
            c.netpols += 1
        w.text(f"k8s/c{cluster:04d}/{ns}.yaml", "---\n".join(docs))
        c.k8s_files += 1


def squid(w: Writer, rng: random.Random, n_acls: int = 300) -> None:
    c = w.counts
    lines = ["# generated by benchmarks/generate.py", "http_port 3128"]
    for k in range(n_acls // 3):
        lines.append(f"acl net_{k} src 10.{64 + k // 256}.{k % 256}.0/24")
        lines.append(f"acl dst_{k} dstdomain .svc{k}.example.com")
        lines.append(f"acl port_{k} port {rng.choice([443, 8443, 4222, 80])}")
    lines += ["acl SSL_ports port 443", "acl CONNECT method CONNECT", "acl palette dstdomain .spectrocloud.com"]
    for k in range(n_acls // 3):
        lines.append(f"http_access allow net_{k} dst_{k} port_{k}")
    lines += [
        "http_access allow CONNECT palette SSL_ports",
        "http_access deny CONNECT !SSL_ports",
        "http_access deny all",
    ]
    w.text("proxy/squid.conf", "\n".join(lines) + "\n")
    c.squid_lines = sum(1 for ln in lines if ln.startswith("acl "))


def scaled(groups: int) -> Size:
    """A size between the named ones, in M's proportions (one cluster per 40 groups, 0.4 workloads per group)."""
    name = f"{groups // 1000}k" if groups % 1000 == 0 else str(groups)
    return Size(name, groups, max(10, groups // 40), groups * 2 // 5)


def generate(size: Size, out: Path, seed: int = 7, shape: str = "accounts", roots: int | None = None) -> Counts:
    """Write the network of ``size`` into ``out`` (replaced); returns what was written. ``roots``: the number
    of account root modules of the ``accounts`` shape (default: one per 100 groups)."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    rng = random.Random(f"{seed}-{size.name}")
    counts = Counts()
    w = Writer(out, counts)
    platform(w, size)
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}: use {', '.join(SHAPES)}")
    if shape == "accounts":
        n_accounts = roots or max(1, round(size.groups / GROUPS_PER_ACCOUNT))
        per_root = GROUPS_PER_ACCOUNT if roots is None else max(1, size.groups // roots)
        per_account: dict[int, list[int]] = {a: [] for a in range(n_accounts)}
        for i in range(size.clusters):
            per_account[i % n_accounts].append(i)
        for a in range(n_accounts):
            account(w, rng, a, per_root, per_account[a])
    else:
        applications(w, rng, size, shape)
    topology(w, size)
    kubernetes(w, rng, size)
    squid(w, rng)
    # the counts, next to (not inside) what is scanned: .palette-policy-ignore keeps it out of the run
    (out / ".palette-policy-ignore").write_text("generated.json\n")
    (out / "generated.json").write_text(json.dumps({"size": size.name, "seed": seed, **vars(counts)}, indent=1))
    return counts


MODULE_ROOTS = 4
APP_MODULE = """variable "name" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "ingress" {
  type = list(object({
    description = string
    from_port   = number
    to_port     = number
    protocol    = optional(string, "tcp")
    cidr_blocks = optional(list(string), [])
    self        = optional(bool, false)
  }))
  default = []
}

variable "egress" {
  type    = map(object({ port = number, cidr = string, protocol = optional(string, "tcp") }))
  default = {}
}

variable "peers" {
  type    = map(object({ port = number, group_id = string }))
  default = {}
}

resource "aws_security_group" "this" {
  name        = var.name
  description = "${var.name} (module app-sg)"
  vpc_id      = var.vpc_id

  dynamic "ingress" {
    for_each = var.ingress
    content {
      description = ingress.value.description
      from_port   = ingress.value.from_port
      to_port     = ingress.value.to_port
      protocol    = ingress.value.protocol
      cidr_blocks = ingress.value.cidr_blocks
      self        = ingress.value.self
    }
  }

  tags = {
    Name = var.name
  }
}

resource "aws_vpc_security_group_egress_rule" "this" {
  for_each          = var.egress
  security_group_id = aws_security_group.this.id
  description       = "to ${each.key}"
  cidr_ipv4         = each.value.cidr
  from_port         = each.value.port
  to_port           = each.value.port
  ip_protocol       = each.value.protocol
}

resource "aws_security_group_rule" "peer" {
  for_each                 = var.peers
  type                     = "ingress"
  description              = "from ${each.key}"
  from_port                = each.value.port
  to_port                  = each.value.port
  protocol                 = "tcp"
  source_security_group_id = each.value.group_id
  security_group_id        = aws_security_group.this.id
}

output "id" {
  value = aws_security_group.this.id
}
"""


def _app(rng: random.Random, g: int) -> tuple[list[tuple[str, int, int, str]], tuple[int, str, str], int]:
    """One application group: 3 ingress rules (description, ports, peer), an egress rule, a peer port."""
    ingress = []
    for _ in range(3):
        lo, hi = APP_PORTS[rng.randrange(len(APP_PORTS))]
        roll = rng.random()
        if roll < 0.1:
            ingress.append(("within the tier", lo, hi, "self"))
        elif roll < 0.11:
            ingress.append(("SSH (temporary)", 22, 22, "0.0.0.0/0"))
        else:
            ingress.append(("from the corporate network", lo, hi, CORP_CIDRS[rng.randrange(8)]))
    port = APP_PORTS[rng.randrange(len(APP_PORTS))][0]
    egress = (port, "udp" if rng.random() < 0.2 else "tcp", CORP_CIDRS[rng.randrange(8)])
    return ingress, egress, APP_PORTS[rng.randrange(len(APP_PORTS))][0]


def applications(w: Writer, rng: random.Random, size: Size, shape: str) -> None:
    """The cluster groups in one folder, and the application groups as plain resources in one folder
    (``flat``) or as ``for_each`` instances of a local module in MODULE_ROOTS roots (``modules``)."""
    c = w.counts
    head = [
        'resource "aws_vpc" "main" {\n  cidr_block = "10.0.0.0/8"\n}\n',
        'resource "aws_security_group" "lb_000" {\n  name   = "lb-000"\n  vpc_id = aws_vpc.main.id\n'
        + _inline("ingress", "HTTPS from anywhere", "tcp", 443, 443, 'cidr_blocks = ["0.0.0.0/0"]')
        + "}\n",
    ]
    c.groups += 1
    c.sg_rules += 1
    blocks = list(head)
    for i in range(size.clusters):
        text, n = cluster_group(i, 0)
        blocks.append(text)
        c.groups += 1
        c.sg_rules += n
    w.tf("terraform/clusters/main.tf", blocks)
    n_apps = max(0, size.groups - 1 - size.clusters)
    apps = [_app(rng, g) for g in range(n_apps)]
    c.groups += n_apps
    c.sg_rules += 5 * n_apps
    if shape == "flat":
        for f0 in range(0, n_apps, GROUPS_PER_FILE):
            out = [head[0]] if f0 == 0 else []
            if f0 == 0:
                out.append(
                    'resource "aws_security_group" "lb" {\n  name   = "lb-apps"\n  vpc_id = aws_vpc.main.id\n}\n'
                )
            for g in range(f0, min(n_apps, f0 + GROUPS_PER_FILE)):
                ingress, (port, proto, cidr), peer_port = apps[g]
                body = "".join(
                    _inline("ingress", d, "tcp", lo, hi, "self = true" if p == "self" else f'cidr_blocks = ["{p}"]')
                    for d, lo, hi, p in ingress
                )
                out.append(_group(f"app{g:04d}", f"app{g:04d}", f"app{g:04d} (module app-sg)", "aws_vpc.main.id", body))
                out.append(
                    f'resource "aws_vpc_security_group_egress_rule" "app{g:04d}_egress" {{\n'
                    f'  security_group_id = aws_security_group.app{g:04d}.id\n  description = "to egress"\n'
                    f'  cidr_ipv4 = "{cidr}"\n  from_port = {port}\n  to_port = {port}\n  ip_protocol = "{proto}"\n}}\n'
                )
                out.append(
                    f'resource "aws_security_group_rule" "app{g:04d}_peer" {{\n  type = "ingress"\n'
                    f'  description = "from lb"\n  from_port = {peer_port}\n  to_port = {peer_port}\n'
                    f'  protocol = "tcp"\n  source_security_group_id = aws_security_group.lb.id\n'
                    f"  security_group_id = aws_security_group.app{g:04d}.id\n}}\n"
                )
            w.tf(f"terraform/apps/apps_{f0 // GROUPS_PER_FILE:03d}.tf", out)
        return
    w.tf("terraform/modules/app-sg/main.tf", [APP_MODULE])
    per_root = -(-n_apps // MODULE_ROOTS)
    for r in range(MODULE_ROOTS):
        root = f"terraform/apps-{r}"
        w.tf(
            f"{root}/main.tf",
            [
                'variable "apps" {\n  type = map(object({\n    ingress = list(object({ description = string, '
                "from_port = number, to_port = number, cidr_blocks = optional(list(string), []), "
                "self = optional(bool, false) }))\n    egress = map(object({ port = number, cidr = string, "
                "protocol = string }))\n    peer_port = number\n  }))\n}\n",
                head[0],
                f'resource "aws_security_group" "lb" {{\n  name   = "lb-apps-{r}"\n  vpc_id = aws_vpc.main.id\n}}\n',
                'module "app" {\n  source   = "../modules/app-sg"\n  for_each = var.apps\n\n  name    = each.key\n'
                "  vpc_id  = aws_vpc.main.id\n  ingress = each.value.ingress\n  egress  = each.value.egress\n"
                "  peers   = { lb = { port = each.value.peer_port, group_id = aws_security_group.lb.id } }\n}\n",
            ],
        )
        lines = ["apps = {"]
        for g in range(r * per_root, min(n_apps, (r + 1) * per_root)):
            ingress, (port, proto, cidr), peer_port = apps[g]
            rules = ", ".join(
                f'{{ description = "{d}", from_port = {lo}, to_port = {hi}, '
                + ("self = true }" if p == "self" else f'cidr_blocks = ["{p}"] }}')
                for d, lo, hi, p in ingress
            )
            lines.append(
                f"  app{g:04d} = {{\n    ingress   = [{rules}]\n"
                f'    egress    = {{ egress = {{ port = {port}, cidr = "{cidr}", protocol = "{proto}" }} }}\n'
                f"    peer_port = {peer_port}\n  }}"
            )
        lines.append("}\n")
        w.text(f"{root}/terraform.tfvars", "\n".join(lines))
        c.tf_files += 1
        c.tf_bytes += len("\n".join(lines).encode())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=sorted(SIZES), default="S")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--shape", choices=SHAPES, default="accounts")
    ap.add_argument("--groups", type=int, help="a size of this many groups, in M's proportions (instead of --size)")
    ap.add_argument("--roots", type=int, help="accounts shape: this many root modules (default: one per 100 groups)")
    args = ap.parse_args()
    size = scaled(args.groups) if args.groups else SIZES[args.size]
    counts = generate(size, args.out, args.seed, args.shape, args.roots)
    print(json.dumps(vars(counts)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
