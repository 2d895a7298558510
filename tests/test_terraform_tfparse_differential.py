"""The product's Terraform evaluator against tfparse (``tests/tfparse_oracle.py``): on every corpus case and
on generated roots, every resource instance tfparse produces must be ours, at the same file and line,
with the same attribute values and nested blocks, except where tfparse is known wrong (the module cap,
null taken for unknown, unconverted strings, dynamic blocks, unknown counts, its function fallback: each
documented in the oracle with the Terraform documentation that says so). ``PALETTE_POLICY_TF_ROOTS``
sets how many generated roots a run compares (default 6).
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
import yaml

from tests.helpers import terraform_case_src
from tests.tfparse_oracle import compare

CORPUS = Path(__file__).parent / "corpus" / "terraform"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "expected.yaml").is_file())
ROOTS = int(os.environ.get("PALETTE_POLICY_TF_ROOTS", "6"))


@pytest.mark.parametrize("case", CASES)
def test_corpus_case(case: str) -> None:
    expected = yaml.safe_load((CORPUS / case / "expected.yaml").read_text())
    root = terraform_case_src(case, expected) / expected["root"]
    problems, _ = compare(root)
    assert not problems, "\n".join(problems[:40])


def test_the_module_cap_is_the_only_reason_instances_are_missing() -> None:
    """sg-for-each-40 calls a module 40 times: tfparse stops at 32, ours has all 40 (and it is compared)."""
    from tests.tfparse_oracle import ours, tfparse_root, theirs

    root = CORPUS / "_repos" / "terraform-aws-security-group" / "examples" / "for-each-40"
    mine, their = ours(root), theirs(root, tfparse_root(root))
    groups = [a for a in mine if a.endswith("aws_security_group.this_name_prefix[0]")]
    assert len(groups) == 40
    assert len([a for a in their if a.endswith("aws_security_group.this_name_prefix[0]")]) == 32


# --- generated roots -------------------------------------------------------------------------------
def write_root(rng: random.Random, out: Path) -> None:
    """A root with variables (some set in terraform.tfvars), locals, for_each over maps and sets, count,
    conditionals, string and network functions, and a local module called with for_each (< 32 keys)."""
    teams = [f"team-{i:02d}" for i in range(rng.randint(1, 8))]
    ports = rng.sample([22, 80, 443, 4222, 6443, 8080, 9090, 10250], rng.randint(1, 4))
    (out / "modules" / "sg").mkdir(parents=True)
    (out / "variables.tf").write_text(
        'variable "cidr" {\n  type    = string\n  default = "10.0.0.0/16"\n}\n'
        'variable "ports" {\n  type = list(number)\n}\n'
        'variable "enabled" {\n  type    = bool\n  default = false\n}\n'
        'variable "teams" {\n  type    = map(string)\n  default = {}\n}\n'
        'variable "prefix" {\n  default = "app"\n}\n'
    )
    teams_map = ", ".join(f'"{t}" = "{rng.choice(["a", "b", "c"])}"' for t in teams)
    enabled = rng.choice(["true", "false", '"true"'])
    port_list = ", ".join(map(str, ports))
    (out / "terraform.tfvars").write_text(
        f"ports   = [{port_list}]\nenabled = {enabled}\nteams   = {{ {teams_map} }}\n"
    )
    (out / "main.tf").write_text(
        f"""locals {{
  subnets = [for i in range({rng.randint(1, 5)}) : cidrsubnet(var.cidr, 8, i)]
  names   = toset([for t, tier in var.teams : upper(format("%s-%s", var.prefix, t))])
  rules   = {{ for p in var.ports : tostring(p) => {{ port = p, open = p == 443 || p == 80 }} }}
  host    = cidrhost(local.subnets[0], {rng.randint(1, 200)})
}}

resource "aws_vpc" "main" {{
  cidr_block = var.cidr
  tags       = {{ Name = join("-", [var.prefix, "vpc"]) }}
}}

resource "aws_security_group" "web" {{
  name   = "${{var.prefix}}-web"
  vpc_id = aws_vpc.main.id

  dynamic "ingress" {{
    for_each = local.rules
    content {{
      from_port   = ingress.value.port
      to_port     = ingress.value.port
      protocol    = "tcp"
      cidr_blocks = ingress.value.open ? ["0.0.0.0/0"] : local.subnets
      description = "port ${{ingress.key}}"
    }}
  }}

  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["${{local.host}}/32"]
  }}
}}

resource "aws_security_group_rule" "extra" {{
  count             = var.enabled ? {rng.randint(1, 3)} : 0
  type              = "ingress"
  from_port         = element(var.ports, count.index)
  to_port           = element(var.ports, count.index)
  protocol          = "tcp"
  cidr_blocks       = [local.subnets[count.index % length(local.subnets)]]
  security_group_id = aws_security_group.web.id
  description       = lower(replace("Rule ${{count.index}} FOR ${{var.prefix}}", " ", "_"))
}}

resource "aws_security_group" "named" {{
  for_each = local.names
  name     = each.key
  vpc_id   = aws_vpc.main.id
}}

module "team" {{
  source   = "./modules/sg"
  for_each = var.teams
  name     = "${{each.key}}-${{each.value}}"
  vpc_id   = aws_vpc.main.id
  port     = {rng.choice(ports)}
  cidrs    = slice(local.subnets, 0, 1)
}}
"""
    )
    (out / "modules" / "sg" / "main.tf").write_text(
        """variable "name" {}
variable "vpc_id" {}
variable "port" {
  type = number
}
variable "cidrs" {
  type = list(string)
}

resource "aws_security_group" "this" {
  name_prefix = "${var.name}-"
  vpc_id      = var.vpc_id

  ingress {
    from_port   = var.port
    to_port     = var.port
    protocol    = "tcp"
    cidr_blocks = concat(var.cidrs, ["192.168.0.0/24"])
  }
}
"""
    )


@pytest.mark.parametrize("seed", range(ROOTS))
def test_generated_root(seed: int, tmp_path: Path) -> None:
    write_root(random.Random(seed), tmp_path)
    problems, compared = compare(tmp_path)
    assert not problems, "\n".join(problems[:40])
    assert compared >= 20
