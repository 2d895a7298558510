"""Terraform's ``format`` and ``formatlist``: its printf-like specification (flags, width, precision, ``[n]``
argument indexes, the verbs its documentation lists), with its errors: a verb it does not know, too few or
too many arguments, a null for a verb other than ``%v``, a fraction for an integer verb. Strings are padded
and cut in grapheme clusters; ``%v`` prints numbers in Go's shortest ``%g`` form and other values as JSON."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from validator.ingest.loaders.terraform.budget import METER
from validator.ingest.loaders.terraform.encodings import jsonencode
from validator.ingest.loaders.terraform.functions import fn
from validator.ingest.loaders.terraform.values import EvalError, to_bool, to_number, to_string

_VERB = re.compile(
    r"%(?:(?P<pct>%)|(?P<flags>[0#+ -]*)(?P<width>[1-9][0-9]*)?(?P<prec>\.[0-9]*)?(?:\[(?P<arg>[1-9][0-9]*)\])?"
    r"(?P<mode>[A-Za-z])|(?P<bad>))"
)


@fn("format", whole=True)
def _format(spec: Any, *args: Any) -> str:
    return go_format(to_string(spec), list(args))


@fn("formatlist", whole=True)
def _formatlist(spec: Any, *args: Any) -> list[str]:
    """One string per element of the list arguments (all of one length); other arguments repeat."""
    lengths = {len(a) for a in args if isinstance(a, list)}
    if len(lengths) > 1:
        raise EvalError("formatlist(): the list arguments have different lengths")
    count = lengths.pop() if lengths else 1
    METER.spend(count, count)
    text = to_string(spec)
    return [go_format(text, [a[i] if isinstance(a, list) else a for a in args]) for i in range(count)]


def go_format(spec: str, args: list[Any]) -> str:
    out: list[str] = []
    state = {"next": 1, "highest": 0}

    def one(m: re.Match[str]) -> str:
        if m.group("pct"):
            return "%"
        if m.group("bad") is not None:
            raise EvalError(f"format(): invalid format string starting at offset {m.start()}")
        number = int(m.group("arg") or state["next"])
        state["next"], state["highest"] = number + 1, max(state["highest"], number)
        if number > len(args):
            raise EvalError(f"format(): not enough arguments for {m.group(0)!r}")
        return _verb(m, args[number - 1])

    at = 0
    for m in _VERB.finditer(spec):
        out.append(spec[at : m.start()])
        out.append(one(m))
        at = m.end()
    out.append(spec[at:])
    if state["highest"] < len(args):
        raise EvalError(f"format(): too many arguments; only {state['highest']} used by the format string")
    return "".join(out)


def _verb(m: re.Match[str], value: Any) -> str:
    flags, mode = m.group("flags"), m.group("mode")
    width = int(m.group("width") or 0)
    prec = int(m.group("prec")[1:] or 0) if m.group("prec") else None
    METER.spend(1, width + (prec or 0))  # a width of 999999999 is charged before it is built
    if value is None and mode != "v":
        raise EvalError(f"format(): {m.group(0)!r}: a null value cannot be formatted")
    if mode == "v":
        if "#" not in flags and isinstance(value, str):
            return _pad(value, width, flags)
        if "#" not in flags and value is not None and not isinstance(value, (bool, list, dict)):
            return _pad(_shortest_g(to_number(value)), width, flags)
        return _pad(jsonencode(value), width, flags)
    if mode == "t":
        return "true" if to_bool(value) else "false"
    if mode in "sq":
        if isinstance(value, (list, dict)):
            raise EvalError(f"format(): {m.group(0)!r} needs a string")
        text = to_string(value)
        if prec:
            from validator.ingest.loaders.terraform.strings import graphemes

            text = "".join(graphemes(text)[:prec])
        return _pad(jsonencode(text) if mode == "q" else text, width, flags)
    if mode in "bdoxX":
        return _integer(to_number(value), mode, flags, width, prec, m.group(0))
    if mode in "eEfgG":
        number = to_number(value)
        if mode in "gG" and prec is None:
            text = _shortest_g(number, mode == "G")
            sign = "-" if text.startswith("-") else "+" if "+" in flags else " " if " " in flags else ""
            return _pad_number(sign, text.lstrip("-"), width, flags)
        return f"%{flags}{width or ''}{'' if prec is None else f'.{prec}'}{mode}" % float(number)
    raise EvalError(f"format(): unsupported format verb {mode!r} in {m.group(0)!r}")


def _integer(number: Any, mode: str, flags: str, width: int, prec: int | None, raw: str) -> str:
    if isinstance(number, float):
        if not number.is_integer():
            raise EvalError(f"format(): {raw!r}: an integer is required")
        number = int(number)
    digits = format(abs(number), "d" if mode == "d" else mode)
    if prec is not None:
        digits = digits.rjust(prec, "0") if prec or number else ""
    if "#" in flags:
        digits = {"b": "0b", "o": "0" if not digits.startswith("0") else "", "x": "0x", "X": "0X"}.get(
            mode, ""
        ) + digits
    sign = "-" if number < 0 else "+" if "+" in flags else " " if " " in flags else ""
    return _pad_number(sign, digits, width, flags.replace("0", "") if prec is not None else flags)


def _pad_number(sign: str, digits: str, width: int, flags: str) -> str:
    if "-" in flags:
        return (sign + digits).ljust(width)
    if "0" in flags:
        return sign + digits.rjust(width - len(sign), "0")
    return (sign + digits).rjust(width)


def _pad(text: str, width: int, flags: str) -> str:
    """Padded to ``width`` grapheme clusters (zeros with the 0 flag, on the right with -)."""
    from validator.ingest.loaders.terraform.strings import graphemes

    missing = width - len(graphemes(text)) if width else 0
    if missing <= 0:
        return text
    pad = ("0" if "0" in flags else " ") * missing
    return text + pad if "-" in flags else pad + text


def _shortest_g(number: int | float, upper: bool = False) -> str:
    """Go's ``%g`` with the shortest digits that give the number back: exponent form below 1e-4 and from
    1e+06 (``1e+06``, ``0.0001``, ``123456``)."""
    if number == 0:
        return "0"
    sign, digits, exponent = Decimal(number if isinstance(number, int) else repr(number)).normalize().as_tuple()
    text = "".join(map(str, digits))
    point = len(text) + int(exponent)  # where the decimal point goes, from the first digit
    if point - 1 < -4 or point - 1 >= 6:
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        power = point - 1
        out = f"{mantissa}{'E' if upper else 'e'}{'-' if power < 0 else '+'}{abs(power):02d}"
    elif point <= 0:
        out = "0." + "0" * -point + text
    elif point >= len(text):
        out = text + "0" * (point - len(text))
    else:
        out = text[:point] + "." + text[point:]
    return ("-" if sign else "") + out


__all__ = ["go_format"]
