"""Input issues: what a loader could not read completely reaches the policies and becomes a finding."""

from __future__ import annotations

from tests.helpers import FIXTURES
from validator.analysis.proxy_facts import proxy_facts
from validator.cli.pipeline import Options, load_network
from validator.model.inventory import InputIssue
from validator.model.rules import SourceRef
from validator.policy.engine import get_engine
from validator.policy.evaluate import evaluate, load_policies
from validator.policy.input_doc import build_input


def _findings(issues: list[InputIssue]) -> list:
    network = load_network(Options(FIXTURES / "saas-ok"))
    network.inventory.issues.extend(issues)
    doc = build_input([], [], network.inventory, network.topology, [], proxy_facts(network.inventory, network.topology))
    return evaluate(get_engine("embedded"), load_policies([]), doc, None)


def test_an_issue_of_a_kind_the_policies_do_not_list_is_a_deny_at_its_location() -> None:
    issue = InputIssue("module-not-expanded", "module.sg: 50 instances, 32 read", SourceRef("main.tf", 7, "module.sg"))
    findings = [f for f in _findings([issue]) if f.id == "PP-INPUT-INCOMPLETE"]
    assert len(findings) == 1
    assert findings[0].kind == "deny"
    assert findings[0].locations[0]["file"] == "main.tf" and findings[0].locations[0]["line"] == 7
    assert "50 instances" in findings[0].message


def test_without_issues_there_is_no_input_finding() -> None:
    assert not [f for f in _findings([]) if f.id == "PP-INPUT-INCOMPLETE"]
