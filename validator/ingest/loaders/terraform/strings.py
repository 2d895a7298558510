"""Terraform's string functions (and ``format``), registered in ``functions.FUNCS``."""

from __future__ import annotations

import json
import re
from typing import Any

from validator.ingest.loaders.terraform.functions import _fail, _list, fn
from validator.ingest.loaders.terraform.values import EvalError, to_bool, to_number, to_string

# --- strings -----------------------------------------------------------------------------------
fn("chomp")(lambda s: re.sub(r"(\r\n|\n|\r)+$", "", to_string(s)))
fn("lower")(lambda s: to_string(s).lower())
fn("upper")(lambda s: to_string(s).upper())
fn("title")(lambda s: re.sub(r"\b(\w)", lambda m: m.group(1).upper(), to_string(s)))
fn("strrev")(lambda s: to_string(s)[::-1])
fn("trimspace")(lambda s: to_string(s).strip())
fn("trim")(lambda s, chars: to_string(s).strip(to_string(chars)))
fn("trimprefix")(lambda s, p: to_string(s).removeprefix(to_string(p)))
fn("trimsuffix")(lambda s, p: to_string(s).removesuffix(to_string(p)))
fn("startswith")(lambda s, p: to_string(s).startswith(to_string(p)))
fn("endswith")(lambda s, p: to_string(s).endswith(to_string(p)))
fn("strcontains")(lambda s, p: to_string(p) in to_string(s))
fn("indent")(lambda n, s: to_string(s).replace("\n", "\n" + " " * int(to_number(n))))
fn("split")(lambda sep, s: to_string(s).split(to_string(sep)) if to_string(s) != "" else [""])
fn("basename")(lambda s: to_string(s).rstrip("/").rsplit("/", 1)[-1])
fn("dirname")(lambda s: to_string(s).rsplit("/", 1)[0] if "/" in to_string(s) else ".")
fn("substr")(lambda s, o, n: _substr(to_string(s), int(to_number(o)), int(to_number(n))))


@fn("join", whole=True)
def _join(sep: Any, *lists: Any) -> str:
    items = [to_string(i) for lst in lists for i in _list(lst) if i is not None or _fail("join of a null element")]
    return to_string(sep).join(items)


def _substr(s: str, offset: int, length: int) -> str:
    if offset < 0:
        offset = max(len(s) + offset, 0)
    return s[offset:] if length == -1 else s[offset : offset + length]


@fn("replace")
def _replace(s: Any, old: Any, new: Any) -> str:
    s, old, new = to_string(s), to_string(old), to_string(new)
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        return re.sub(old[1:-1], re.sub(r"\$\{?(\w+)\}?", r"\\g<\1>", new), s)
    return s.replace(old, new)


@fn("regex")
def _regex(pattern: Any, s: Any) -> Any:
    m = re.search(to_string(pattern), to_string(s))
    if m is None:
        raise EvalError("the pattern does not match")
    return _captures(m)


@fn("regexall")
def _regexall(pattern: Any, s: Any) -> list[Any]:
    return [_captures(m) for m in re.finditer(to_string(pattern), to_string(s))]


def _captures(m: re.Match[str]) -> Any:
    if m.re.groupindex:
        return m.groupdict()
    if m.re.groups:
        return list(m.groups())
    return m.group(0)


@fn("format", whole=True)
def _format(spec: Any, *args: Any) -> str:
    return _go_format(to_string(spec), list(args))


@fn("formatlist", whole=True)
def _formatlist(spec: Any, *args: Any) -> list[str]:
    lengths = {len(a) for a in args if isinstance(a, list)}
    if len(lengths) > 1:
        raise EvalError("formatlist() lists must have the same length")
    n = lengths.pop() if lengths else 1
    return [_go_format(to_string(spec), [a[i] if isinstance(a, list) else a for a in args]) for i in range(n)]


_VERB = re.compile(r"%(%|[-+# 0]*\d*(?:\.\d+)?[svdfqtxXobeEgG])")


def _go_format(spec: str, args: list[Any]) -> str:
    queue = list(args)

    def one(m: re.Match[str]) -> str:
        verb = m.group(1)
        if verb == "%":
            return "%"
        if not queue:
            raise EvalError("format() has too few arguments")
        value, kind, flags = queue.pop(0), verb[-1], verb[:-1]
        if kind in "sv":
            text = (
                value
                if isinstance(value, str)
                else json.dumps(value)
                if isinstance(value, (list, dict))
                else to_string(value)
            )
            return ("%" + flags + "s") % text
        if kind == "q":
            return json.dumps(to_string(value))
        if kind == "t":
            return "true" if to_bool(value) else "false"
        number = to_number(value)
        if kind == "d":
            return ("%" + flags + "d") % int(number)
        return ("%" + flags + kind) % (int(number) if kind in "xXob" else number)

    return _VERB.sub(one, spec)
