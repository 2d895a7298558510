"""regex, regexall and replace against Go's regexp, the engine Terraform's functions call: a tiny Go
program (tests/goregexp) gives each case's result shaped as Terraform shapes it (the whole match, the list
of groups or the map of named groups, a group that did not take part null; Go's ReplaceAllString and its
``$1`` / ``${name}`` / ``$$`` templates). Hand-picked patterns where Python's ``re`` and RE2 part ways (empty
matches after a match, ``\\b`` and ``\\d`` in Unicode text, ``$`` before a final newline, ``\\pL``, ``(?U)``,
flags mid-pattern, POSIX classes, what RE2 rejects) and a seeded set of random patterns: the same errors,
the same values. Skipped when no ``go`` toolchain is installed; building needs no network.

Go 1.19's regexp (the toolchain here) does not read ``(?<name>…)``, which newer Go and Terraform do: no
case uses it."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import go_build
from validator.ingest.loaders.terraform.functions import FUNCS
from validator.ingest.loaders.terraform.values import EvalError

GO = shutil.which("go")
pytestmark = pytest.mark.skipif(GO is None, reason="go is not installed")
SRC = Path(__file__).parent / "goregexp"

PATTERNS = [
    "[a-z]+", "(\\d+)-(\\d+)", "(?P<a>x)|(?P<b>y)", "(?P<k>a)|(?P<v>b)", "b*", "x*", "^", "$", "(?m)^\\w+$",
    "(?m)$", "\\bon\\b", "\\b", "\\B", "\\d+", "\\w+", "\\s+", "\\pL+", "\\p{Greek}+", "\\PL+", "(?U)a+",
    "a(?i)b", "(?i)σ", "(?i)k", "[[:^alpha:]]+", "[[:upper:]][[:digit:]]+", "\\Qa.b\\E", "\\Qa.b", "(a)\\1",
    "a(?=b)", "(?<!a)b", "a**", "a*+", "a{2,1}", "x{,3}", "a{1001}", "\\C", "(a+)+$", ".", "(?s).", "é",
    "e\u0301", "[^a]", "\\A\\w", "a|b|", "(|a)+", "\\z", "\\Z", "(a)(?P<n>b)", "(?:a)(b)?", "[&&a]",
    "[a-c--b]", "[]a]", "[a\\]]+", "(?P<n>a)(?P<n>b)", "\\x41", "\\x{263a}", "\\141", "\\0", "\\v", "(?-s).",
    "(?i:A)b", "a\\", "(", ")", "[a", "*a", "\\8", "(?#c)", "(?P=n)", "\\e", "a{,}",
]  # fmt: skip
TEXTS = [
    "abc", "", "a\nb\n", "1234abcd5678efgh9", "done on", "x B12 ΓΕΙΑ σου ς", "aab Ab1 x{,3} a.b",
    "é e\u0301 ☺", "ab\n", "xyx-12-34 K \u212a", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", "&-b]a\\",
]  # fmt: skip
TEMPLATES = ["-", "$1", "${1}x", "$1x", "$$", "$n", "${n}", "<$0>", "$a$b", "$9", "\\1"]
TOKENS = [
    "a", "b", "é", ".", "\\d", "\\w", "\\s", "\\b", "\\pL", "^", "$", "[ab]", "[^a]", "[[:alpha:]]", "(", ")",
    "(?:", "(?P<n>", "|", "*", "+", "?", "*?", "{2}", "{1,}", "(?i)", "(?m)", "(?s)", "\\Q.\\E", "\\",
]  # fmt: skip
ALPHABET = "ab é\n1A.-"


@pytest.fixture(scope="module")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return go_build(SRC, tmp_path_factory.mktemp("goregexp"))


def go_answers(binary: Path, cases: list[dict[str, str]]) -> list[dict[str, Any]]:
    done = subprocess.run(
        [str(binary)], input="".join(json.dumps(c) + "\n" for c in cases), capture_output=True, text=True,
        check=True, timeout=120,
    )  # fmt: skip
    return [json.loads(line) for line in done.stdout.splitlines()]


def ours(case: dict[str, str]) -> dict[str, Any]:
    op = case["op"]
    args = (case["text"], case["pattern"], case["repl"]) if op == "replace" else (case["pattern"], case["text"])
    try:
        return {"result": FUNCS[op](*args)}
    except EvalError as exc:
        return {"result": None, "error": str(exc)}


def compare(binary: Path, cases: list[dict[str, str]]) -> None:
    differences = []
    for case, go in zip(cases, go_answers(binary, cases), strict=True):
        mine = ours(case)
        if ("error" in go) != ("error" in mine) or ("error" not in go and go["result"] != mine["result"]):
            differences.append((case, go, mine))
    assert not differences, f"{len(differences)} of {len(cases)} differ from Go, e.g. {differences[:5]}"


def test_hand_picked_patterns_match_as_in_go(oracle: Path) -> None:
    cases = [
        {"op": op, "pattern": p, "text": t, "repl": ""} for p in PATTERNS for t in TEXTS for op in ("regex", "regexall")
    ]
    cases += [
        {"op": "replace", "pattern": f"/{p}/", "text": t, "repl": r} for p in PATTERNS for t in TEXTS for r in TEMPLATES
    ]
    cases += [{"op": "replace", "pattern": p, "text": t, "repl": "-"} for p in ("a", "", "/", "//", "$") for t in TEXTS]
    compare(oracle, cases)  # fmt: skip


def test_random_patterns_match_as_in_go(oracle: Path) -> None:
    rng = random.Random(20261130)
    cases = []
    for _ in range(1500):
        pattern = "".join(rng.choice(TOKENS) for _ in range(rng.randint(1, 7)))
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 12)))
        op = rng.choice(("regex", "regexall", "replace"))
        wrapped = f"/{pattern}/" if op == "replace" else pattern
        cases.append({"op": op, "pattern": wrapped, "text": text, "repl": rng.choice(TEMPLATES)})
    compare(oracle, cases)
