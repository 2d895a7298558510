"""Terraform's regular expressions (RE2 syntax, as its ``regex`` page documents it) compiled for Python's
``re``: ``\\d``, ``\\s``, ``\\w`` and ``\\b`` are ASCII, ``$`` is the end of the text unless ``(?m)``,
``[[:alpha:]]`` classes, ``\\Q…\\E`` literals, ``\\z``, ``(?<name>…)``. What RE2 rejects (backreferences,
look-arounds) is an ``EvalError`` as in Terraform; what Python's engine would read differently (``\\pL``
Unicode classes, the ``U`` flag, flags in mid-pattern…) raises ``NotEvaluated``, so the call is unknown
rather than a value that may be wrong.
"""

from __future__ import annotations

import functools
import re

from validator.ingest.loaders.terraform.values import EvalError, NotEvaluated

WORD = "0-9A-Za-z_"
_CLASSES = {"d": "0-9", "w": WORD, "s": "\\t\\n\\f\\r "}
_POSIX = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": "\\x00-\\x7f",
    "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ",
    "upper": "A-Z",
    "word": WORD,
    "xdigit": "0-9A-Fa-f",
}
_OUTSIDE = {
    "d": "[0-9]",
    "D": "[^0-9]",
    "w": f"[{WORD}]",
    "W": f"[^{WORD}]",
    "s": "[\\t\\n\\f\\r ]",
    "S": "[^\\t\\n\\f\\r ]",
    "b": f"(?:(?<=[{WORD}])(?![{WORD}])|(?<![{WORD}])(?=[{WORD}]))",
    "B": f"(?:(?<=[{WORD}])(?=[{WORD}])|(?<![{WORD}])(?![{WORD}]))",
    "z": "\\Z",
}


@functools.lru_cache(maxsize=512)
def compile_re2(pattern: str) -> re.Pattern[str]:
    return re.compile(translate(pattern))


def translate(pattern: str) -> str:
    """The Python pattern that matches as ``pattern`` does under RE2 (NotEvaluated / EvalError if none)."""
    lead = re.match(r"\(\?([imsU]+)\)", pattern)
    multiline = lead is not None and "m" in lead.group(1)
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            i, text = _escape(pattern, i, _OUTSIDE)
            out.append(text)
            continue
        if c == "[":
            i, text = _class(pattern, i)
            out.append(text)
            continue
        if c == "(" and pattern.startswith("(?", i):
            i, text = _group(pattern, i, first=i == 0)
            out.append(text)
            continue
        out.append("\\Z" if c == "$" and not multiline else c)
        i += 1
    return "".join(out)


def _escape(pattern: str, i: int, classes: dict[str, str]) -> tuple[int, str]:
    if i + 1 >= len(pattern):
        raise EvalError("invalid regexp pattern: trailing backslash")
    c = pattern[i + 1]
    if c in classes:
        return i + 2, classes[c]
    if c == "Q":
        end = pattern.find("\\E", i + 2)
        literal = pattern[i + 2 :] if end < 0 else pattern[i + 2 : end]
        return (len(pattern) if end < 0 else end + 2), re.escape(literal)
    if c in "pPDWSC" or c == "x" and pattern.startswith("{", i + 2):
        raise NotEvaluated(f"uses \\{c}, which Python's regular expressions read differently")
    if c.isdigit() and c != "0":
        raise EvalError("invalid regexp pattern: backreferences are not supported")
    return i + 2, pattern[i : i + 2]


def _class(pattern: str, i: int) -> tuple[int, str]:
    """A bracketed class from ``pattern[i] == "["``: POSIX names and ``\\d``-style escapes expanded."""
    out = ["["]
    i += 1
    if pattern.startswith("^", i):
        out.append("^")
        i += 1
    first = True
    while i < len(pattern):
        c = pattern[i]
        if c == "]" and not first:
            out.append("]")
            return i + 1, "".join(out)
        first = False
        if c == "[" and pattern.startswith("[:", i):
            end = pattern.find(":]", i + 2)
            name = pattern[i + 2 : end] if end > 0 else ""
            if name not in _POSIX:
                raise NotEvaluated(f"uses the class [:{name}:]")
            out.append(_POSIX[name])
            i = end + 2
        elif c == "\\":
            i, text = _escape(pattern, i, _CLASSES)
            out.append(text)
        else:
            out.append("\\" + c if c in "[&~|" else c)  # literal in RE2; Python reads them as set operators
            i += 1
    raise EvalError("invalid regexp pattern: missing closing ]")


def _group(pattern: str, i: int, first: bool) -> tuple[int, str]:
    """``(?`` at ``i``: named groups, non-capturing groups and flags."""
    rest = pattern[i + 2 :]
    if rest.startswith(("=", "!", "<=", "<!")):
        raise EvalError("invalid regexp pattern: look-around assertions are not supported")
    if rest.startswith("P<") or rest.startswith(":"):
        return i + 2, "(?"
    if rest.startswith("<"):
        return i + 3, "(?P<"
    flags = re.match(r"([imsU]*)(?:-([imsU]*))?([:)])", rest)
    if flags is None:
        raise EvalError("invalid regexp pattern: invalid or unsupported Perl syntax")
    scoped_m = "m" in flags.group(0) and not first  # ``$`` inside would need the m flag's reading
    if "U" in flags.group(0) or (flags.group(3) == ")" and not first) or flags.group(2) is not None or scoped_m:
        raise NotEvaluated("uses flags Python's regular expressions read differently")
    return i + 2 + flags.end(), "(?" + flags.group(0)
