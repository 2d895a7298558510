"""``json.dumps(value, indent=2, ensure_ascii=False)``, the same text, faster.

The standard library encodes indented JSON in pure Python through a generator per container and keeps a
string per token until it joins them (the C encoder does not indent). Reports are the biggest documents a
run writes, so they are encoded here: one recursive function, strings escaped by the standard library's C
escaper. Anything that is not plain JSON data goes to ``json.dumps`` unchanged.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import Any

_INF = float("inf")


def dumps(value: Any) -> str:
    """The text of ``json.dumps(value, indent=2, ensure_ascii=False)``."""
    try:
        return _dump(value, "\n")
    except (TypeError, ValueError, RecursionError):  # not plain data: the standard encoder says what is wrong
        return json.dumps(value, indent=2, ensure_ascii=False)


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INF:
        return "Infinity"
    if value == -_INF:
        return "-Infinity"
    return float.__repr__(value)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return encode_basestring(key)
    if key is True:
        return '"true"'
    if key is False:
        return '"false"'
    if key is None:
        return '"null"'
    if isinstance(key, int):
        return f'"{int.__repr__(key)}"'
    if isinstance(key, float):
        return f'"{_float(key)}"'
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _dump(value: Any, newline: str) -> str:
    """``value`` at the indentation ``newline`` (a newline and the spaces of its level).

    Plain ``str``, ``dict`` and ``list`` (most of a report) are told apart by their exact type, and strings
    inside a container are escaped in its loop (perf); anything else, subclasses included, goes through
    the checks in the order ``json`` makes them (``_other``)."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is dict:
        if not value:
            return "{}"
        inner = newline + "  "
        comma = "," + inner
        parts = ["{", inner]
        for k, v in value.items():
            parts += (
                encode_basestring(k) if type(k) is str else _key(k),
                ": ",
                encode_basestring(v) if type(v) is str else _dump(v, inner),
                comma,
            )
        parts[-1] = newline + "}"
        return "".join(parts)  # one copy of the items (memory: a report holds tens of MB)
    if kind is list:
        if not value:
            return "[]"
        inner = newline + "  "
        comma = "," + inner
        parts = ["[", inner]
        for item in value:
            parts += (encode_basestring(item) if type(item) is str else _dump(item, inner), comma)
        parts[-1] = newline + "]"
        return "".join(parts)
    return _other(value, newline)


def _other(value: Any, newline: str) -> str:
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        inner = newline + "  "
        parts = ["[", inner]
        for item in value:
            parts += (_dump(item, inner), "," + inner)
        parts[-1] = newline + "]"
        return "".join(parts)
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = newline + "  "
        parts = ["{", inner]
        for k, v in value.items():
            parts += (_key(k), ": ", _dump(v, inner), "," + inner)
        parts[-1] = newline + "}"
        return "".join(parts)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
