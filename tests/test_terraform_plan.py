"""``terraform show -json`` plans: subnets, network ACLs and their associations, default ACL, module
addresses and ``after_unknown`` values read as the HCL loader reads the same network."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import FIXTURES
from validator.ingest.loaders.tfplan import load_plan

PLANS = FIXTURES / "formats"


def verdicts(cli: Any, folder: Path) -> list[tuple[str, str]]:
    result = cli("validate", folder, "--format", "json")
    assert result.exit_code in (0, 1), result.stderr
    return sorted((r["requirement"], r["verdict"]) for r in json.loads(result.stdout)["results"])


@pytest.mark.parametrize("fixture", ["self-hosted-nacl-ok", "self-hosted-nacl-no-return"])
def test_plan_with_acls_and_subnets_gives_the_verdicts_of_the_hcl(cli, fixture: str) -> None:
    assert verdicts(cli, PLANS / fixture / "terraform-plan") == verdicts(cli, FIXTURES / fixture)


def plan() -> dict[str, Any]:
    return json.loads((PLANS / "self-hosted-nacl-ok" / "terraform-plan" / "plan.json").read_text())


def test_module_addresses_associations_and_the_default_acl() -> None:
    inv = load_plan(plan(), "plan.json")
    assert {"module.net.aws_subnet.mgmt", "module.net.aws_subnet.workers"} <= set(inv.subnets)
    assert inv.nacl_associations["module.net.aws_subnet.workers"][0] == "module.net.aws_network_acl.workers"
    assert inv.nacl_associations["module.net.aws_subnet.mgmt"][0] == "module.net.aws_network_acl.mgmt"
    workers = inv.points["module.net.aws_network_acl.workers"]
    assert sorted((r.direction, r.order) for r in workers.rules) == [
        ("egress", 100), ("egress", 110), ("egress", 120), ("ingress", 100), ("ingress", 110), ("ingress", 120)
    ]  # fmt: skip
    assert inv.points["module.net.aws_default_network_acl.default"].rules == []


def test_the_default_acl_takes_the_subnets_no_other_acl_lists() -> None:
    doc = plan()
    doc["resource_changes"] = [c for c in doc["resource_changes"] if "aws_network_acl_association" not in c["address"]]
    for module in doc["planned_values"]["root_module"]["child_modules"]:
        module["resources"] = [r for r in module["resources"] if r["type"] != "aws_network_acl_association"]
    inv = load_plan(doc, "plan.json")
    assert inv.nacl_associations["module.net.aws_subnet.workers"][0] == "module.net.aws_default_network_acl.default"


def test_values_known_after_apply_are_unknowns_with_their_reference() -> None:
    doc = copy.deepcopy(plan())
    rule = next(
        r for r in doc["planned_values"]["root_module"]["child_modules"][0]["resources"]
        if r["address"] == "module.net.aws_network_acl_rule.workers_out_nats"
    )  # fmt: skip
    del rule["values"]["cidr_block"]
    change = next(c for c in doc["resource_changes"] if c["address"] == rule["address"])
    change["change"]["after_unknown"]["cidr_block"] = True
    config = doc["configuration"]["root_module"]["module_calls"]["net"]["module"]["resources"]
    expressions = next(r for r in config if r["address"] == "aws_network_acl_rule.workers_out_nats")["expressions"]
    expressions["cidr_block"] = {"references": ["data.aws_vpc.mgmt.cidr_block", "data.aws_vpc.mgmt"]}
    inv = load_plan(doc, "plan.json")
    entry = next(
        r for r in inv.points["module.net.aws_network_acl.workers"].rules if r.source.resource == rule["address"]
    )
    assert [(u.field, u.expression) for u in entry.unknowns] == [("cidr_ipv4", "data.aws_vpc.mgmt.cidr_block")]
