"""Rego unit tests, run like ``opa test``: every ``test_`` rule must evaluate to true.

Tests are discovered from the parsed modules (a failing test is undefined, so it cannot be found by
evaluating ``data``). Each test is evaluated on its own with no input document; ``todo_test_`` rules are
reported as skipped. A test whose evaluation raises is an error, reported with the rule's location.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from validator.model.errors import InputError
from validator.policy.engine import Bundle, PolicyEngine, get_engine

PASS, FAIL, ERROR, SKIP = "pass", "fail", "error", "skip"


@dataclass(frozen=True)
class RegoTestResult:
    package: str
    name: str
    file: str
    line: int
    status: str  # pass | fail | error | skip
    duration_ms: float
    message: str | None = None

    @property
    def full_name(self) -> str:
        return f"data.{self.package}.{self.name}"


@dataclass
class RegoTestReport:
    engine: str
    bundle_digest: str
    results: list[RegoTestResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def ok(self) -> bool:
        return self.count(FAIL) == 0 and self.count(ERROR) == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "bundle_digest": self.bundle_digest,
            "tests": [{**asdict(r), "full_name": r.full_name} for r in self.results],
            "summary": {
                "total": len(self.results),
                "passed": self.count(PASS),
                "failed": self.count(FAIL),
                "errored": self.count(ERROR),
                "skipped": self.count(SKIP),
            },
        }


def discover(bundle: Bundle) -> list[tuple[str, str, str, int]]:
    """(package, rule, file, line) of every test rule, in file order; one entry per package+name."""
    seen: set[tuple[str, str]] = set()
    found: list[tuple[str, str, str, int]] = []
    for file in bundle.modules:
        info = bundle.infos[file]
        for rule in info.rules:
            if not rule.name.startswith(("test_", "todo_test_")) or rule.head == "Func":
                continue
            if (info.package, rule.name) in seen:
                continue
            seen.add((info.package, rule.name))
            found.append((info.package, rule.name, file, rule.line))
    return found


def run_tests(bundle: Bundle, engine: PolicyEngine | None = None, pattern: str | None = None) -> RegoTestReport:
    """Run the bundle's test rules (those whose full name matches ``pattern``, a regex, if given)."""
    engine = engine or get_engine()
    engine.load(bundle.modules, bundle.data)
    try:
        selector = re.compile(pattern) if pattern else None
    except re.error as exc:
        raise InputError(f"--run {pattern!r} is not a valid regular expression: {exc}") from None
    report = RegoTestReport(engine=engine.description, bundle_digest=bundle.digest)
    for package, name, file, line in discover(bundle):
        full = f"data.{package}.{name}"
        if selector is not None and not selector.search(full):
            continue
        if name.startswith("todo_"):
            report.results.append(RegoTestResult(package, name, file, line, SKIP, 0.0))
            continue
        start = time.perf_counter()
        status, message = PASS, None
        try:
            value = engine.evaluate(full)
            if value is not True:
                status = FAIL
                message = "undefined" if value is None else f"evaluated to {value!r}, not true"
        except InputError as exc:
            status, message = ERROR, str(exc)
        report.results.append(
            RegoTestResult(package, name, file, line, status, round((time.perf_counter() - start) * 1000, 3), message)
        )
    return report


def format_text(report: RegoTestReport, verbose: bool = True) -> str:
    """``opa test``-like text: one line per test (failures always), then the totals."""
    lines: list[str] = []
    labels = {PASS: "PASS", FAIL: "FAIL", ERROR: "ERROR", SKIP: "SKIPPED"}
    for r in report.results:
        if verbose or r.status in (FAIL, ERROR):
            detail = f" — {r.message}" if r.message and r.status != FAIL else ""
            timing = f"{r.duration_ms:g} ms"
            lines.append(f"{r.file}:{r.line}: {r.full_name}: {labels[r.status]} ({timing}){detail}")
    total = len(report.results)
    lines.append("-" * 80)
    lines.append(f"engine: {report.engine}; bundle {report.bundle_digest}")
    for status, label in ((PASS, "PASS"), (FAIL, "FAIL"), (ERROR, "ERROR"), (SKIP, "SKIPPED")):
        if report.count(status) or status == PASS:
            lines.append(f"{label}: {report.count(status)}/{total}")
    if total == 0:
        lines.append("no test_ rules found")
    return "\n".join(lines)
