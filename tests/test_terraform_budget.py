"""The Terraform evaluator stays bounded by its own budget, not by process limits: each configuration built
to make it work without end gives one located input issue (``evaluation-budget``, reported as
PP-INPUT-INCOMPLETE) or, where Terraform itself fails (``range`` beyond 1,024 numbers), the documented error
as an explicit unknown, in bounded CPU time and memory: each is loaded in a process of its own, whose CPU
time and peak memory (``os.wait4``'s rusage) are measured. ``try`` and ``can`` do not swallow a budget stop.
The defaults leave real configurations alone: the corpus and the benchmark generator's trees use a small
fraction of every budget and give no budget issue."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import validator.ingest.loaders.terraform.evaluate as terraform
from validator.ingest.discover import discover
from validator.ingest.loaders.registry import terraform_roots
from validator.ingest.loaders.terraform import budget
from validator.ingest.loaders.terraform.evaluate import load_root

ROOT = Path(__file__).resolve().parent.parent
SECONDS, MIB = 5.0, 500


def doubling(levels: int, leaf: str = '"22"') -> str:
    """Locals that double ``levels`` times: 2**levels elements if copied, a few if shared."""
    chain = "".join(f"  l{i} = [local.l{i + 1}, local.l{i + 1}]\n" for i in range(levels))
    return f"locals {{\n{chain}  l{levels} = {leaf}\n}}\n"


def group(port: str, extra: str = "") -> str:
    return (
        f'resource "aws_security_group" "a" {{\n  name = "a"\n{extra}  ingress {{\n    from_port = {port}\n'
        '    to_port = 22\n    protocol = "tcp"\n    cidr_blocks = ["10.0.0.0/8"]\n  }\n}\n'
    )


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


# loads one root in a process of its own and prints what it gave
CHILD = """
import json, sys
from pathlib import Path
from validator.ingest.loaders.terraform.evaluate import load_root
root = load_root(Path(sys.argv[1]), ".", sys.argv[2:])
rules = {k: [[str(r.ports), [[u.field, u.reason, u.source.line] for u in r.unknowns]] for r in p.rules]
         for k, p in root.inventory.points.items()}
print(json.dumps({"issues": [i.to_json() for i in root.inventory.issues], "rules": rules}))
"""


def load(folder: Path, files: dict[str, str]) -> dict[str, Any]:
    """The root in ``folder`` loaded in a child process, within the CPU time and memory bounds."""
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    names = [n for n in files if "/" not in n]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(folder), *names], stdout=out, stderr=err, cwd=ROOT)
        deadline = time.monotonic() + 60  # a runaway evaluation fails the test rather than hanging it
        while not (waited := os.wait4(child.pid, os.WNOHANG))[0]:
            if time.monotonic() > deadline:
                child.kill()
                os.wait4(child.pid, 0)
                pytest.fail("the evaluation did not end within 60 s")
            time.sleep(0.02)
        _, status, usage = waited
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        assert child.returncode == 0, err.read().decode()
        result: dict[str, Any] = json.loads(out.read())
    seconds, mib = usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024
    assert seconds < SECONDS, f"{seconds:.1f} s of CPU"
    assert mib < MIB, f"{mib:.0f} MiB at the peak"
    return result


def budget_issue(root: dict[str, Any]) -> dict[str, Any]:
    issues = root["issues"]
    assert [i["kind"] for i in issues] == ["evaluation-budget"], issues
    assert not root["rules"]  # the root's resources are not read: a partial read never passes
    return dict(issues[0])


L30 = doubling(30)
HOSTILE = {
    "flatten of 30 doubling levels": L30 + group("length(flatten(local.l0))"),
    "jsonencode of 30 doubling levels": L30 + group("length(jsonencode(local.l0))"),
    "formatlist over a list of 2**30": L30 + group('length(formatlist("%s", flatten(local.l0)))'),
    "for over a list of 2**24": doubling(24) + group("length([for x in flatten(local.l0) : x])"),
    "== on 30 doubling levels": L30 + group("local.l0 == local.l0 ? 22 : 23"),
    "distinct of a list of 2**30": L30 + group("length(distinct(flatten(local.l0)))"),
    "a string doubled 40 times": (
        "locals {\n"
        + "".join(f'  s{i} = "${{local.s{i + 1}}}${{local.s{i + 1}}}"\n' for i in range(40))
        + '  s40 = "ab"\n}\n'
        + group("length(local.s0)")
    ),
    "a format width of 10**9": group('length(format("%999999999d", 1))'),
    "try around flatten of 30 doubling levels": L30 + group("try(length(flatten(local.l0)), 22)"),
    "can around jsonencode of 30 doubling levels": L30 + group("can(jsonencode(local.l0)) ? 22 : 23"),
    "count = 1000000": group("22", "  count = 1000000\n"),
    "for_each over a set of 10**6": (
        doubling(20, '"x"') + group("22", '  for_each = toset([for i, v in flatten(local.l0) : "${v}${i}"])\n')
    ),
    "a chain of 5,000 locals": (
        "locals {\n"
        + "".join(f"  c{i} = local.c{i + 1}\n" for i in range(5000))
        + "  c5000 = 22\n}\n"
        + group("local.c0")
    ),
    "values nested 9,000 deep": (
        "locals {\n"
        + "".join(f"  n{i} = {'[' * 90}local.n{i + 1}{']' * 90}\n" for i in range(99))
        + "  n99 = 22\n}\n"
        + group("length(jsonencode(local.n0))")
    ),
}
WHERE = {  # the line each stop is reported at: the expression being evaluated when the budget ran out
    "count = 1000000": "count = 1000000",
    "for_each over a set of 10**6": "for_each",
    "a chain of 5,000 locals": "c100 = ",  # the 101st reference level
    "a string doubled 40 times": "s20 = ",  # where the characters built pass 4,000,000
    "values nested 9,000 deep": "n26 = ",  # where Python's stack runs out
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_evaluation_gives_one_located_budget_issue(name: str, tmp_path: Path) -> None:
    text = HOSTILE[name]
    issue = budget_issue(load(tmp_path, {"main.tf": text}))
    assert (issue["file"], issue["line"]) == ("main.tf", line_of(text, WHERE.get(name, "from_port"))), issue
    assert issue["message"].startswith(f".: evaluation stopped at main.tf:{issue['line']}: ")
    assert "the resources of this root module are not read" in issue["message"]
    assert issue["details"]["budget"] in ("steps", "size", "instances", "depth", "nesting")


def test_modules_nested_1000_deep_stop_at_the_module_depth_budget(tmp_path: Path) -> None:
    """1,000 modules, each calling the next: sibling folders (``m0`` calls ``../m1``…), so that the chain is
    deep and the tree on disk is not (a folder 1,000 deep outlives every tool that removes it recursively)."""
    files = {"main.tf": 'module "m" {\n  source = "./m0"\n}\n'}
    for level in range(1000):
        files[f"m{level}/main.tf"] = (
            f'module "m" {{\n  source = "../m{level + 1}"\n}}\noutput "level" {{\n  value = {level}\n}}\n'
        )
    files["m1000/main.tf"] = 'output "level" {\n  value = 1000\n}\n'
    issue = budget_issue(load(tmp_path, files))
    depth = budget.LIMITS.modules
    assert issue["details"] == {"budget": "modules", "limit": depth}
    # the module at depth 32 (m31: the root is depth 0, m0 depth 1) is the one whose call is not followed
    assert (issue["file"], issue["line"]) == (f"m{depth - 1}/main.tf", 1)


def test_for_each_over_more_keys_than_the_instance_budget_stops_at_the_for_each(tmp_path: Path) -> None:
    """131,072 keys, cheap to build (well within the steps and size budgets): the instances budget stops
    the root at the ``for_each``."""
    text = doubling(17, '"x"') + group("22", '  for_each = toset([for i, v in flatten(local.l0) : "${v}${i}"])\n')
    issue = budget_issue(load(tmp_path, {"main.tf": text}))
    assert issue["details"] == {"budget": "instances", "limit": budget.LIMITS.instances}
    assert (issue["file"], issue["line"]) == ("main.tf", line_of(text, "for_each"))


def test_range_beyond_1024_numbers_is_terraforms_error_as_an_unknown(tmp_path: Path) -> None:
    """range() fails on its 1,025th number in Terraform (its page says so): ``range(1e9)`` and a ``for``
    over ``range(1e7)`` are that error, an explicit unknown at the rule or an input issue on the count."""
    text = (
        group("length(range(1e9))")
        + 'resource "aws_security_group" "b" {\n  count = length([for i in range(1e7) : i])\n}\n'
    )
    root = load(tmp_path, {"main.tf": text})
    ((_, [(field, reason, line)]),) = root["rules"]["aws_security_group.a"]
    assert field == "from_port" and "more than 1024 values" in reason and line == line_of(text, "from_port")
    (issue,) = root["issues"]
    assert issue["kind"] == "instances-unknown" and "more than 1024 values" in issue["message"]


def test_a_pattern_that_backtracks_exponentially_matches_in_linear_time(tmp_path: Path) -> None:
    """``(a+)+$`` on 10,000 a's and a b: years for a backtracking engine, nothing for RE2 (Terraform's
    engine, and the evaluator's): the rule is read, with no issue."""
    text = 'length(regexall("(a+)+$", "${join("", [for i in range(1000) : "aaaaaaaaaa"])}b")) + 22'
    root = load(tmp_path, {"main.tf": group(text)})
    assert not root["issues"] and root["rules"]["aws_security_group.a"] == [["22", []]]


def test_length_of_doubling_locals_is_known_without_walking_them(tmp_path: Path) -> None:
    root = load(tmp_path, {"main.tf": L30 + group("length(local.l0) * 11")})
    assert not root["issues"] and root["rules"]["aws_security_group.a"] == [["22", []]]


def test_a_root_over_budget_leaves_the_other_roots_read(tmp_path: Path) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "good").mkdir()
    (tmp_path / "bad" / "main.tf").write_text(HOSTILE["count = 1000000"])
    (tmp_path / "good" / "main.tf").write_text(group("22"))
    found = discover(tmp_path)
    roots = {
        found.display(d): load_root(d, found.display(d), [p.name for p in found.terraform_files[d]])
        for d in terraform_roots(found)
    }
    assert [i.kind for i in roots["bad"].inventory.issues] == ["evaluation-budget"]
    assert roots["bad"].inventory.issues[0].source.file == "bad/main.tf"
    assert not roots["good"].inventory.issues and roots["good"].inventory.points


def test_the_budget_issue_is_a_deny_finding(tmp_path: Path) -> None:
    from validator.analysis.proxy_facts import proxy_facts
    from validator.cli.pipeline import Options, load_network
    from validator.policy.engine import get_engine
    from validator.policy.evaluate import evaluate, load_policies
    from validator.policy.input_doc import build_input

    shutil.copytree(ROOT / "fixtures" / "saas-ok", tmp_path / "net")
    (tmp_path / "net" / "hostile").mkdir()
    (tmp_path / "net" / "hostile" / "main.tf").write_text(HOSTILE["count = 1000000"])
    network = load_network(Options(tmp_path / "net"))
    doc = build_input([], [], network.inventory, network.topology, [], proxy_facts(network.inventory, network.topology))
    findings = [
        f for f in evaluate(get_engine("embedded"), load_policies([]), doc, None) if f.id == "PP-INPUT-INCOMPLETE"
    ]
    assert [(f.kind, f.severity, f.locations[0]["file"], f.locations[0]["line"]) for f in findings] == [
        ("deny", "high", "hostile/main.tf", 3)
    ]
    assert findings[0].title == "Terraform root module not evaluated within the evaluation budget"
    assert "more than 100,000 resource, data source and module instances" in findings[0].message


def test_python_recursion_limit_is_restored(tmp_path: Path) -> None:
    before = sys.getrecursionlimit()
    (tmp_path / "main.tf").write_text(HOSTILE["a chain of 5,000 locals"])
    root = load_root(tmp_path, ".", ["main.tf"])
    assert [i.kind for i in root.inventory.issues] == ["evaluation-budget"]
    assert sys.getrecursionlimit() == before


# --- real configurations ----------------------------------------------------------------------------
@contextlib.contextmanager
def spending() -> Iterator[list[dict[str, int]]]:
    """What each root evaluated inside the block spent of each budget."""
    spent: list[dict[str, int]] = []
    original = terraform.metered

    @contextlib.contextmanager
    def spy(limits: budget.Limits = budget.LIMITS) -> Iterator[budget.Meter]:
        deepest = 0
        enter = budget.Meter.enter

        def entering(meter: budget.Meter) -> None:
            nonlocal deepest
            enter(meter)
            deepest = max(deepest, meter.depth)

        budget.Meter.enter = entering  # type: ignore[method-assign]
        try:
            with original(limits) as meter:
                yield meter
                spent.append(
                    {"steps": limits.steps - meter.steps, "size": limits.size - meter.size,
                     "instances": limits.instances - meter.instances, "depth": deepest}
                )  # fmt: skip
        finally:
            budget.Meter.enter = enter  # type: ignore[method-assign]

    terraform.metered = spy  # type: ignore[assignment]
    try:
        yield spent
    finally:
        terraform.metered = original  # type: ignore[assignment]


def _load_tree(folder: Path) -> list[Any]:
    found = discover(folder)
    return [load_root(d, found.display(d), [p.name for p in found.terraform_files[d]]) for d in terraform_roots(found)]


def test_real_configurations_stay_far_below_every_budget(tmp_path: Path) -> None:
    """The corpus of public configurations, the fixtures and the benchmark generator's trees (both shapes)
    give no budget issue and use under 2% of any budget (depth: under 10 of 100 reference levels)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import generate as gen

    trees = [ROOT / "tests" / "corpus" / "terraform", ROOT / "fixtures"]
    for shape in ("accounts", "modules", "flat"):
        gen.generate(gen.SIZES["M"], tmp_path / shape, shape=shape)
        trees.append(tmp_path / shape)
    with spending() as spent:
        for tree in trees:
            for root in _load_tree(tree):
                assert not [i for i in root.inventory.issues if i.kind == "evaluation-budget"], tree
    limits = budget.LIMITS
    assert len(spent) > 40
    for key in ("steps", "size", "instances"):
        assert max(s[key] for s in spent) < getattr(limits, key) * 0.02, key
    assert max(s["depth"] for s in spent) < 10
