"""Terraform's encoding, hash, IP network and UUID functions, registered in ``functions.FUNCS``: strings are
encoded as UTF-8 before hashing or Base64, JSON and YAML decode to plain values (objects with string keys),
and each element an encoder walks is a step of the evaluation budget."""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import io
import json
import re
import uuid
from decimal import Decimal
from typing import Any

import yaml

from validator.ingest.loaders.terraform.budget import METER
from validator.ingest.loaders.terraform.cidr import cidrhost, cidrnetmask, cidrsubnet, cidrsubnets
from validator.ingest.loaders.terraform.functions import _int, fn
from validator.ingest.loaders.terraform.values import EvalError, LazyObject, NotEvaluated, to_string


def _bytes(value: Any) -> bytes:
    return str(to_string(value)).encode()


fn("base64encode")(lambda s: base64.b64encode(_bytes(s)).decode())
fn("base64sha256")(lambda s: base64.b64encode(hashlib.sha256(_bytes(s)).digest()).decode())
fn("base64sha512")(lambda s: base64.b64encode(hashlib.sha512(_bytes(s)).digest()).decode())
fn("md5")(lambda s: hashlib.md5(_bytes(s)).hexdigest())  # noqa: S324 - Terraform's md5()
fn("sha1")(lambda s: hashlib.sha1(_bytes(s)).hexdigest())  # noqa: S324 - Terraform's sha1()
fn("sha256")(lambda s: hashlib.sha256(_bytes(s)).hexdigest())
fn("sha512")(lambda s: hashlib.sha512(_bytes(s)).hexdigest())
fn("cidrhost")(lambda p, n: cidrhost(to_string(p), _int(n)))
fn("cidrnetmask")(lambda p: cidrnetmask(to_string(p)))
fn("cidrsubnet")(lambda p, bits, n: cidrsubnet(to_string(p), _int(bits), _int(n)))
fn("cidrsubnets")(lambda p, *bits: cidrsubnets(to_string(p), [_int(b) for b in bits]))


@fn("base64decode")
def _base64decode(text: Any) -> str:
    """Standard alphabet, padding required (Go's decoder skips only line breaks); the bytes must be UTF-8."""
    try:
        data = base64.b64decode(re.sub(r"[\r\n]", "", to_string(text)), validate=True)
    except binascii.Error:
        raise EvalError("base64decode(): the string is not valid Base64") from None
    try:
        return data.decode()
    except UnicodeDecodeError:
        raise EvalError("base64decode(): the decoded bytes are not valid UTF-8") from None


@fn("urlencode")
def _urlencode(text: Any) -> str:
    """As Go's url.QueryEscape: letters, digits and ``-_.~`` kept, space as ``+``, other bytes ``%XX``."""
    out = []
    for byte in _bytes(text):
        char = chr(byte)
        if char.isascii() and (char.isalnum() or char in "-_.~"):
            out.append(char)
        else:
            out.append("+" if char == " " else f"%{byte:02X}")
    return "".join(out)


@fn("uuidv5")
def _uuidv5(namespace: Any, name: Any) -> str:
    spaces = {
        "dns": uuid.NAMESPACE_DNS,
        "url": uuid.NAMESPACE_URL,
        "oid": uuid.NAMESPACE_OID,
        "x500": uuid.NAMESPACE_X500,
    }
    given = to_string(namespace)
    space = spaces.get(given) or uuid.UUID(given)
    return str(uuid.uuid5(space, to_string(name)))


# --- JSON ------------------------------------------------------------------------------------------
_HTML_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"})


@fn("jsonencode", whole=True)
def jsonencode(value: Any) -> str:
    """Minified, object keys in lexical order, numbers in decimal notation, ``<``, ``>``, ``&``, U+2028 and
    U+2029 escaped (Terraform's documented encoding); each element written is a step of the budget."""
    if isinstance(value, dict):
        items = value.materialize() if isinstance(value, LazyObject) else value
        METER.spend(len(items))
        return "{" + ",".join(f"{_string(k)}:{jsonencode(v)}" for k, v in sorted(items.items())) + "}"
    if isinstance(value, list):
        METER.spend(len(value))
        return "[" + ",".join(jsonencode(v) for v in value) + "]"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float) and not value.is_integer():
        return format(Decimal(repr(value)), "f")
    return str(int(value))


def _string(text: str) -> str:
    METER.spend(0, len(text))
    return json.dumps(text, ensure_ascii=False).translate(_HTML_SAFE)


@fn("jsondecode")
def _jsondecode(text: Any) -> Any:
    def constant(name: str) -> Any:
        raise EvalError(f"jsondecode(): {name} is not JSON")

    try:
        return json.loads(to_string(text), parse_constant=constant)
    except json.JSONDecodeError as exc:
        raise EvalError(f"jsondecode(): {exc}") from None


# --- YAML and CSV ---------------------------------------------------------------------------------
class _YamlLoader(yaml.SafeLoader):
    """The YAML 1.2 core schema Terraform's yamldecode reads (``yes``, ``on`` and ``1:20`` are strings,
    ``0o17`` is octal); timestamps, ``!!binary``, infinities are not evaluated (Terraform rewrites them)."""


_YamlLoader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
    ("bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
    ("null", r"~|null|Null|NULL|", ["~", "n", "N", ""]),
    ("int", r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+", "-+0123456789"),
    ("float", r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
     "-+0123456789."),
    ("timestamp", r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+).*)?", "0123456789"),
):  # fmt: skip
    _YamlLoader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(f"^(?:{_pattern})$"), list(_first))


def _yaml_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    base = 8 if text.startswith("0o") else 16 if text.startswith("0x") else 10
    return int(text[2:] if base != 10 else text, base)


def _yaml_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    text = str(loader.construct_scalar(node))
    if "inf" in text.lower() or "nan" in text.lower():
        raise NotEvaluated(f"reads {text!r}, which Terraform's numbers do not hold")
    return float(text)


def _rewritten(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    raise NotEvaluated(f"reads a {node.tag.rsplit(':', 1)[-1]} value, which Terraform rewrites")


_YamlLoader.add_constructor("tag:yaml.org,2002:int", _yaml_int)
_YamlLoader.add_constructor("tag:yaml.org,2002:float", _yaml_float)
for _tag in ("binary", "timestamp"):
    _YamlLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _rewritten)
for _tag in ("set", "omap", "pairs"):
    _YamlLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _YamlLoader.construct_undefined)  # type: ignore[type-var]


@fn("yamldecode")
def _yamldecode(text: Any) -> Any:
    try:
        documents = list(yaml.load_all(to_string(text), Loader=_YamlLoader))  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        raise EvalError(f"yamldecode(): {str(exc).splitlines()[0]}") from None
    if len(documents) > 1:
        raise EvalError("yamldecode(): the string holds more than one YAML document")
    return _yaml_value(documents[0] if documents else None, set())


def _yaml_value(value: Any, inside: set[int]) -> Any:
    """A decoded document as plain values: string keys; a collection inside itself is an error."""
    if not isinstance(value, (dict, list)):
        return value
    if id(value) in inside:
        raise EvalError("yamldecode(): an anchor is referred to from inside its own definition")
    METER.spend(len(value))
    inside.add(id(value))
    if isinstance(value, dict):
        out: Any = {("null" if k is None else to_string(k)): _yaml_value(v, inside) for k, v in value.items()}
    else:
        out = [_yaml_value(v, inside) for v in value]
    inside.discard(id(value))
    return out


@fn("csvdecode")
def _csvdecode(text: Any) -> list[dict[str, str]]:
    """RFC 4180: the first row names the columns and every row must have as many fields."""
    try:
        rows = list(csv.reader(io.StringIO(to_string(text)), strict=True))
    except csv.Error as exc:
        raise EvalError(f"csvdecode(): {exc}") from None
    if not rows:
        raise EvalError("csvdecode(): missing header line")
    header, out = rows[0], []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise EvalError(f"csvdecode(): line {number} has {len(row)} fields, the header {len(header)}")
        out.append(dict(zip(header, row, strict=True)))
    return out
