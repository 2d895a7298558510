"""A budget on the work of evaluating one root module, so that no configuration, however it is written, keeps
the evaluator busy without bound: locals that double 30 times and are then flattened, ``count = 1000000``, a
chain of 5,000 locals, modules nested 1,000 deep.

The evaluator spends it as it works: a **step** for each function call, each ``for``, splat and template
``for`` iteration, each value it follows by name and each element a function walks (``flatten``,
``jsonencode``, ``==``…); **size** for the elements and characters of the values that functions, ``for``
expressions and templates build (charged before a large value is built, when its size is known); an
**instance** for each resource, data source and module instance. References followed one inside another
(``local.a`` → ``local.b`` → …) and modules called one inside another are bounded too (**depth**).

Running out is not a Terraform error: ``try`` and ``can`` do not catch it. The root's evaluation stops and
the root gives one input issue (``evaluation-budget``, reported as ``PP-INPUT-INCOMPLETE``) at the expression
being evaluated, so a gate never passes on a partial read. The defaults are far above what real
configurations use (the tests run the corpus and the benchmark trees under them).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from validator.model.inventory import InputIssue
from validator.model.rules import SourceRef


@dataclass(frozen=True)
class Limits:
    steps: int = 2_000_000
    size: int = 4_000_000  # elements and characters
    instances: int = 100_000
    depth: int = 100  # references followed one inside another
    modules: int = 32  # module calls one inside another


LIMITS = Limits()
_UNLIMITED = Limits(2**62, 2**62, 2**62, 2**62, 2**62)
# Python frames a reference level may use: the depth limit, not Python's, is what stops a chain of references
_FRAMES_PER_LEVEL = 40

_WHAT = {
    "steps": "more than {limit:,} evaluation steps (function calls, for iterations, values followed, elements walked)",
    "size": "values built larger than {limit:,} elements and characters in all",
    "instances": "more than {limit:,} resource, data source and module instances",
    "depth": "references followed more than {limit:,} deep",
    "modules": "modules called more than {limit:,} deep",
    "nesting": "values or references nested deeper than Python's stack allows",
}


class BudgetExceeded(Exception):
    """The root's evaluation ran out of budget (``budget``: which one). Not an ``EvalError``: ``try`` and
    ``can`` let it through. ``site`` / ``offset``: where, set by the innermost expression that sees it."""

    def __init__(self, budget: str, limit: int) -> None:
        super().__init__(_WHAT[budget].format(limit=limit))
        self.budget, self.limit = budget, limit
        self.site: Any = None
        self.offset: int | None = None

    def at(self, site: Any, offset: int | None = None) -> BudgetExceeded:
        """Locate it, unless an expression further in already did."""
        if self.site is None and site is not None:
            self.site, self.offset = site, offset
        return self

    def issue(self, root: str, fallback: str) -> InputIssue:
        """The input issue the root gives instead of its resources."""
        from validator.ingest.loaders.terraform.values import site_line

        file = self.site.file.path if self.site is not None else fallback
        line = site_line(self.site, self.offset) if self.site is not None else None
        where = f"{file}:{line}" if line else file
        return InputIssue(
            "evaluation-budget",
            f"{root or '.'}: evaluation stopped at {where}: {self}; the resources of this root module are not read",
            SourceRef(file, line, root or "."),
            (("budget", self.budget), ("limit", self.limit)),
        )


class Meter:
    """What is left of the current root's budget (one evaluation at a time per process)."""

    __slots__ = ("limits", "steps", "size", "instances", "depth")

    def __init__(self, limits: Limits) -> None:
        self.reset(limits)

    def reset(self, limits: Limits) -> None:
        self.limits = limits
        self.steps, self.size, self.instances, self.depth = limits.steps, limits.size, limits.instances, 0

    def spend(self, steps: int = 1, size: int = 0) -> None:
        self.steps -= steps
        self.size -= size
        if self.steps < 0:
            raise BudgetExceeded("steps", self.limits.steps)
        if self.size < 0:
            raise BudgetExceeded("size", self.limits.size)

    def instance(self, count: int) -> None:
        self.instances -= count
        if self.instances < 0:
            raise BudgetExceeded("instances", self.limits.instances)
        self.spend(count)

    def enter(self) -> None:
        """One reference level further in, a step (``leave`` when done)."""
        self.depth += 1
        self.steps -= 1
        if self.depth > self.limits.depth or self.steps < 0:
            self.depth -= 1
            raise (
                BudgetExceeded("depth", self.limits.depth)
                if self.steps >= 0
                else BudgetExceeded("steps", self.limits.steps)
            )

    def leave(self) -> None:
        self.depth -= 1


METER = Meter(_UNLIMITED)  # outside ``metered`` (unit tests of single expressions): no limit


@contextmanager
def metered(limits: Limits = LIMITS) -> Iterator[Meter]:
    """Evaluate one root under ``limits``, with room on Python's stack for the depth they allow."""
    saved = (METER.limits, METER.steps, METER.size, METER.instances, METER.depth)
    recursion = sys.getrecursionlimit()
    sys.setrecursionlimit(max(recursion, limits.depth * _FRAMES_PER_LEVEL + 1000))
    METER.reset(limits)
    try:
        yield METER
    finally:
        METER.limits, METER.steps, METER.size, METER.instances, METER.depth = saved
        sys.setrecursionlimit(recursion)


def nesting() -> BudgetExceeded:
    """Python's stack ran out before a budget did (values nested thousands deep): the same located stop."""
    return BudgetExceeded("nesting", sys.getrecursionlimit())


def nested(site: Any, compute: Callable[[], Any]) -> Any:
    """Evaluate a value one reference level further in (a local, an output, a resource's attribute, a
    block's count): the depth budget bounds how far references chain, and where the budget runs out the
    site is the place reported."""
    try:
        METER.enter()
        try:
            return compute()
        finally:
            METER.leave()
    except BudgetExceeded as exc:
        raise exc.at(site) from None
    except RecursionError:
        raise nesting().at(site) from None


def instances(count: int, site: Any) -> None:
    """A block's ``count`` / ``for_each`` instances, located at that argument when they are too many."""
    try:
        METER.instance(count)
    except BudgetExceeded as exc:
        raise exc.at(site) from None
