"""Every semantics rule code (A1, N3, K9, S1, T1, …) used in the code, the tests or the docs is defined in
docs/semantics.md, each with a source."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODE = re.compile(r"(?<![\w/.-])([AKNST])(\d{1,2})(?![\w/.-])")
DEFINED = re.compile(r"^- \*\*([AKNST]\d{1,2})\.\*\*", re.M)
SOURCE = re.compile(r"\[(SG|NACL|IPP|CFN|API|DOC|E2E|SQ|TF)\b")


def _texts() -> dict[str, str]:
    files = [
        *(ROOT / "validator").rglob("*.py"),
        *(ROOT / "tests").glob("**/*.py"),
        *(ROOT / "docs").glob("*.md"),
        ROOT / "README.md",
        *(ROOT / "policies").rglob("*.rego"),
        *(ROOT / "policies").rglob("*.yaml"),
    ]
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in files if "oracles" not in p.parts}


def test_every_rule_code_used_is_defined_with_a_source() -> None:
    doc = (ROOT / "docs" / "semantics.md").read_text(encoding="utf-8")
    defined = set(DEFINED.findall(doc))
    assert {"A1", "A5", "N1", "N4", "K1", "K13", "S1", "S4", "T1", "T3"} <= defined
    used = {f"{m.group(1)}{m.group(2)}": name for name, text in _texts().items() for m in CODE.finditer(text)}
    missing = {code: name for code, name in used.items() if code not in defined}
    assert not missing, f"rule codes used but not defined in docs/semantics.md: {missing}"
    for block in re.split(r"\n(?=- \*\*[AKNST]\d)", doc)[1:]:
        assert SOURCE.search(block.split("\n## ")[0]), f"no source: {block[:60]}"
