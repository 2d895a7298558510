"""Terraform's built-in functions, as Terraform's documentation describes them, over plain values and
``Pending``.

A function whose result depends on an unknown argument returns that unknown. Three kinds of call give an
unknown of their own, with the reason, never a value: a function whose value is not in the repository
(``file``, ``timestamp``, ``uuid``…: ``BY_DESIGN``), a function palette-policy does not evaluate
(``function X is not evaluated by palette-policy``: any name not in ``FUNCS``, Terraform's own included,
listed in ``TERRAFORM_FUNCTIONS``) and a provider-defined function. ``try``, ``can`` and ``convert``
evaluate their arguments themselves. Each call is a step of the evaluation budget and its result's size
is charged (``budget``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from validator.ingest.loaders.terraform import expr as x
from validator.ingest.loaders.terraform.budget import METER, BudgetExceeded, nesting
from validator.ingest.loaders.terraform.values import (
    EvalError,
    LazyObject,
    NotEvaluated,
    Pending,
    StaticError,
    first_pending,
    to_number,
    to_string,
    type_name,
)

Func = Callable[..., Any]
FUNCS: dict[str, Func] = {}
WHOLE: set[str] = set()  # functions that need every element known (they compare or print them)
# Terraform's built-in functions (developer.hashicorp.com/terraform/language/functions), each also callable
# as core::NAME; the provider::terraform:: functions are Terraform's too
_NAMES = """abs abspath alltrue anytrue base64decode base64encode base64gzip base64sha256 base64sha512
basename bcrypt can ceil chomp chunklist cidrhost cidrnetmask cidrsubnet cidrsubnets coalesce coalescelist compact
concat contains convert csvdecode dirname distinct element endswith ephemeralasnull file filebase64
filebase64sha256 filebase64sha512 fileexists filemd5 fileset filesha1 filesha256 filesha512 flatten floor format
formatdate formatlist indent index issensitive join jsondecode jsonencode keys length list log lookup lower map
matchkeys max md5 merge min nonsensitive one parseint pathexpand plantimestamp pow range regex regexall replace
reverse rsadecrypt sensitive setintersection setproduct setsubtract setunion sha1 sha256 sha512 signum slice sort
split startswith strcontains strrev substr sum templatefile templatestring textdecodebase64 textencodebase64
timeadd timecmp timestamp title tobool tolist tomap tonumber toset tostring transpose trim trimprefix trimspace
trimsuffix try type upper urlencode uuid uuidv5 values yamldecode yamlencode zipmap
provider::terraform::decode_tfvars provider::terraform::encode_expr provider::terraform::encode_tfvars"""
TERRAFORM_FUNCTIONS = _NAMES.split()
# functions whose value depends on the machine, the files or the time of the run: unknown by design
_READS_FILES = "file filebase64 fileexists fileset templatefile filemd5 filesha1 filesha256 filesha512"
_READ = f"{_READS_FILES} filebase64sha256 filebase64sha512"
BY_DESIGN = {name: "reads files when Terraform runs" for name in _READ.split()} | {
    "timestamp": "is the time of the run",
    "plantimestamp": "is the time of the plan",
    "uuid": "is random",
    "bcrypt": "is random (a new salt each run)",
    "pathexpand": "depends on the home folder of whoever runs Terraform",
    "abspath": "depends on the folder Terraform runs in",
    "ephemeralasnull": "depends on which values are ephemeral",
}


def fn(*names: str, whole: bool = False) -> Callable[[Func], Func]:
    def register(func: Func) -> Func:
        for name in names:
            FUNCS[name] = func
            if whole:
                WHOLE.add(name)
        return func

    return register


def call(node: x.Call, sc: x.Scope) -> Any:
    name = node.name.removeprefix("core::")
    if name == "try":
        for arg in node.args:
            try:
                return arg.ev(sc)
            except StaticError:
                raise
            except EvalError:
                continue
        raise EvalError("no argument of try() could be evaluated")
    if name == "can":
        try:
            value = node.args[0].ev(sc)
        except StaticError:
            raise
        except EvalError:
            return False
        return value if isinstance(value, Pending) else True
    if name == "convert" and len(node.args) == 2:
        from validator.ingest.loaders.terraform.types import convert, parse_type

        return convert(node.args[0].ev(sc), parse_type(node.args[1]), sc)
    args = [arg.ev(sc) for arg in node.args]
    if node.expand and args:
        last = args.pop()
        if isinstance(last, Pending):
            return last
        if not isinstance(last, list):
            raise EvalError(f"the expanded argument of {name}() must be a list")
        args.extend(last)
    func = FUNCS.get(name)
    if func is None:
        return Pending(sc.quote(node), _not_evaluated(name), sc.site, offset=node.start)
    try:
        for arg in args:
            found = first_pending(arg) if name in WHOLE else arg if isinstance(arg, Pending) else None
            if found is not None:
                return found
        result = func(*args)
        METER.spend(1, len(result) if isinstance(result, (str, list, dict)) else 1)
        return result
    except (TypeError, ValueError, KeyError, IndexError, re.error, ZeroDivisionError, OverflowError) as exc:
        raise EvalError(f"{name}(): {exc}") from None
    except NotEvaluated as exc:
        return Pending(
            sc.quote(node), f"{name}() {exc}: palette-policy does not evaluate it", sc.site, offset=node.start
        )
    except BudgetExceeded as exc:
        raise exc.at(sc.site, node.start) from None
    except RecursionError:
        raise nesting().at(sc.site, node.start) from None


def _not_evaluated(name: str) -> str:
    if name in BY_DESIGN:
        return f"{name}() {BY_DESIGN[name]}: its value is not in the repository"
    if "::" in name and name not in TERRAFORM_FUNCTIONS:
        return f"{name}() is a provider-defined function: its value is not in the repository"
    return f"function {name} is not evaluated by palette-policy"


def _list(value: Any, what: str = "a list") -> list[Any]:
    if isinstance(value, list):
        return value
    raise EvalError(f"expected {what}, found a {type_name(value)}")


def _fail(message: str) -> bool:
    raise EvalError(message)


def _map(value: Any) -> dict[str, Any]:
    if isinstance(value, LazyObject):
        return value.materialize()
    if isinstance(value, dict):
        return value
    raise EvalError(f"expected a map, found a {type_name(value)}")


def _int(value: Any, what: str = "an integer") -> int:
    number = to_number(value)
    if isinstance(number, float) and not number.is_integer():
        raise EvalError(f"{what} is required, not {number!r}")
    return int(number)


# --- numbers -----------------------------------------------------------------------------------
fn("abs")(lambda n: abs(to_number(n)))
fn("ceil")(lambda n: math.ceil(to_number(n)))
fn("floor")(lambda n: math.floor(to_number(n)))
fn("log")(lambda n, b: math.log(to_number(n)) / math.log(to_number(b)))
fn("signum")(lambda n: (to_number(n) > 0) - (to_number(n) < 0))
fn("max", whole=True)(lambda *ns: max(to_number(n) for n in ns))
fn("min", whole=True)(lambda *ns: min(to_number(n) for n in ns))
fn("sum", whole=True)(lambda ns: sum(to_number(n) for n in _list(ns)) if _list(ns) else _fail("sum() of an empty list"))


@fn("pow")
def _pow(base: Any, exponent: Any) -> int | float:
    """Terraform computes in 64-bit floating point (math.Pow): no exact giant integers."""
    try:
        result = math.pow(to_number(base), to_number(exponent))
    except OverflowError:
        return math.inf
    return int(result) if result.is_integer() and abs(result) < 2**53 else result


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


@fn("parseint")
def _parseint(text: Any, base: Any) -> int:
    """Bases 2 to 62: digits, then letters (either case up to base 36; lowercase, then uppercase above)."""
    s, radix = to_string(text), _int(base)
    if not 2 <= radix <= 62:
        raise EvalError(f"parseint(): base {radix} is not between 2 and 62")
    sign, digits = (-1, s[1:]) if s[:1] == "-" else (1, s[1:] if s[:1] == "+" else s)
    alphabet = _DIGITS[:radix] if radix > 36 else _DIGITS[:radix] + _DIGITS[36 : 36 + max(radix - 10, 0)]
    if not digits or any(c not in alphabet for c in digits):
        raise EvalError(f"parseint(): cannot parse {s!r} as a base {radix} integer")
    value = 0
    for c in digits:
        value = value * radix + (_DIGITS.index(c) if radix > 36 else int(c, 36))
    return sign * value


from validator.ingest.loaders.terraform import encodings as _encodings  # noqa: E402  (registers them)
from validator.ingest.loaders.terraform import lists as _lists  # noqa: E402  (registers them)
from validator.ingest.loaders.terraform import strings as _strings  # noqa: E402  (registers them)

__all__ = ["FUNCS", "TERRAFORM_FUNCTIONS", "BY_DESIGN", "call", "_encodings", "_lists", "_strings"]
