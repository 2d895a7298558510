"""Terraform's regular expressions, matched by RE2 itself (google-re2): Terraform's ``regex``,
``regexall`` and ``replace`` use Go's ``regexp``, which implements RE2's syntax and semantics, so the
patterns mean here what they mean there (``\\d`` and ``\\b`` ASCII, ``$`` the end of the text unless
``(?m)``, ``\\pL``, ``(?U)``…) and every match takes time linear in the text: no pattern, however it is
written, keeps the evaluator busy (Python's backtracking ``re`` takes years on ``(a+)+$``). What RE2
rejects (backreferences, look-arounds) is an ``EvalError`` as in Terraform.

Go's ``FindAll`` and ``ReplaceAll`` skip an empty match right after the previous match; ``find_all``
does the same, so ``replace`` and ``regexall`` give Go's results, not Python's."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from validator.ingest.loaders.terraform.values import EvalError


@functools.lru_cache(maxsize=512)
def compile_re2(pattern: str) -> Any:
    """The compiled pattern (EvalError with RE2's reason when RE2, hence Terraform, rejects it). RE2 is
    imported on the first pattern: most configurations have none."""
    import re2

    options = re2.Options()
    options.log_errors = False  # a bad pattern is the caller's located error, not a line on stderr
    i = pattern.find("\\")
    while i >= 0:
        if pattern.startswith("\\C", i):  # RE2's "any byte": Go does not accept it
            raise EvalError("invalid regexp pattern: invalid escape sequence: \\C")
        i = pattern.find("\\", i + 2)
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        text = reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)
        raise EvalError(f"invalid regexp pattern: {text}") from None


def find_all(compiled: Any, text: str) -> Iterator[Any]:
    """The successive non-overlapping matches, as Go's ``FindAll``: an empty match that starts where the
    previous match ended is skipped."""
    pos, previous_end = 0, -1
    while pos <= len(text):
        m = compiled.search(text, pos)
        if m is None:
            return
        start, end = m.span()
        if end == start:  # empty: move on one character; not a match when it abuts the previous one
            pos = end + 1
            if start == previous_end:
                previous_end = end
                continue
        else:
            pos = end
        previous_end = end
        yield m


@functools.lru_cache(maxsize=512)
def group_names(pattern: str) -> tuple[str, ...]:
    """Each capturing group's name, "" when it has none, in order (Go's ``SubexpNames`` without the whole
    match): names may repeat, which RE2's ``groupindex`` does not show. The pattern is one RE2 compiled."""
    names: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            if pattern.startswith("\\Q", i):
                end = pattern.find("\\E", i + 2)
                i = n if end < 0 else end + 2
            else:
                i += 2
        elif c == "[":  # a class: "]" first (after "^") is literal, [:name:] is one item
            i += 2 if pattern.startswith("[^", i) else 1
            i += 1 if pattern.startswith("]", i) else 0
            while i < n and pattern[i] != "]":
                if pattern.startswith("[:", i) and pattern.find(":]", i + 2) > 0:
                    i = pattern.find(":]", i + 2) + 2
                else:
                    i += 2 if pattern[i] == "\\" else 1
            i += 1
        elif c == "(":
            named = next((p for p in ("(?P<", "(?<") if pattern.startswith(p, i)), None)
            if named is not None:
                end = pattern.index(">", i)
                names.append(pattern[i + len(named) : end])
                i = end + 1
            else:
                names += [] if pattern.startswith("(?", i) else [""]
                i += 1
        else:
            i += 1
    return tuple(names)
