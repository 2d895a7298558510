"""Terraform evaluation: functions, operators, templates and conversions checked against the examples of
Terraform's documentation (developer.hashicorp.com/terraform/language/functions/*, …/expressions/*), not
against this tool's output."""

from __future__ import annotations

from typing import Any

import pytest

from validator.ingest.loaders.terraform.expr import CONSTANTS
from validator.ingest.loaders.terraform.parser import parse_expression, parse_hcl
from validator.ingest.loaders.terraform.types import convert, parse_type
from validator.ingest.loaders.terraform.values import EvalError, Pending
from validator.model.errors import InputError


def ev(text: str) -> Any:
    node, _ = parse_expression(text, "test")
    return node.ev(CONSTANTS)


DOCUMENTED = [
    ('cidrsubnet("172.16.0.0/12", 4, 2)', "172.18.0.0/16"),
    ('cidrsubnet("10.1.2.0/24", 4, 15)', "10.1.2.240/28"),
    ('cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162)', "fd00:fd12:3456:7800:a200::/72"),
    ('cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)', ["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"]),
    ('cidrhost("10.12.112.0/20", 16)', "10.12.112.16"),
    ('cidrhost("10.12.112.0/20", 268)', "10.12.113.12"),
    ('cidrnetmask("172.16.0.0/12")', "255.240.0.0"),
    ('format("Hello, %s!", "Ander")', "Hello, Ander!"),
    ('format("There are %d lights", 4)', "There are 4 lights"),
    ('formatlist("Hello, %s!", ["Valentina", "Ander"])', ["Hello, Valentina!", "Hello, Ander!"]),
    ('join(", ", ["foo", "bar", "baz"])', "foo, bar, baz"),
    ('split(",", "foo,bar,baz")', ["foo", "bar", "baz"]),
    ('split(",", "")', [""]),
    ('lookup({a="ay", b="bee"}, "c", "what?")', "what?"),
    ('merge({a="b", c="d"}, {e="f", c="z"})', {"a": "b", "c": "z", "e": "f"}),
    ('flatten([["a", "b"], [], ["c"]])', ["a", "b", "c"]),
    ('flatten([[["a", "b"], []], ["c"]])', ["a", "b", "c"]),
    ('coalesce("", "b")', "b"),
    ("coalesce(1, 2)", 1),
    ('compact(["a", "", "b", null, "c"])', ["a", "b", "c"]),
    ('distinct(["a", "b", "a", "c", "d", "b"])', ["a", "b", "c", "d"]),
    ('element(["a", "b", "c"], 3)', "a"),
    ("keys({a=1, c=2, d=3})", ["a", "c", "d"]),
    ("values({a=3, c=2, d=1})", [3, 2, 1]),
    ("range(3)", [0, 1, 2]),
    ("range(1, 4)", [1, 2, 3]),
    ("range(1, 8, 2)", [1, 3, 5, 7]),
    ("range(4, 1)", [4, 3, 2]),
    ('slice(["a", "b", "c", "d"], 1, 3)', ["b", "c"]),
    ('zipmap(["a", "b"], [1, 2])', {"a": 1, "b": 2}),
    (
        'setproduct(["development", "staging"], ["app1", "app2"])',
        [["development", "app1"], ["development", "app2"], ["staging", "app1"], ["staging", "app2"]],
    ),
    ('concat(["a", ""], ["b", "c"])', ["a", "", "b", "c"]),
    ('contains(["a", "b", "c"], "a")', True),
    ('length("hello")', 5),
    ("length({a=1, b=2})", 2),
    ('sort(["e", "d", "a", "x"])', ["a", "d", "e", "x"]),
    ('regex("[a-z]+", "53453453.345345aaabbbccc23454")', "aaabbbccc"),
    ('replace("1 + 2 + 3", "+", "-")', "1 - 2 - 3"),
    ('replace("hello world", "/w.*d/", "everybody")', "hello everybody"),
    ('title("hello world")', "Hello World"),
    ('substr("hello world", 1, 4)', "ello"),
    ('trimprefix("helloworld", "hello")', "world"),
    ("one([])", None),
    ('one(["hello"])', "hello"),
    ("alltrue([true, true])", True),
    ("sum([10, 13, 6, 4.5])", 33.5),
    ("max(12, 54, 3)", 54),
    ("ceil(5.1)", 6),
    ("tostring(true)", "true"),
    ('tonumber("1")', 1),
    ('tobool("true")', True),
    ('toset(["c", "b", "b"])', ["b", "c"]),
    ('chomp("hello\\n")', "hello"),
    ('upper("hello")', "HELLO"),
    ('jsonencode({"hello"="world"})', '{"hello":"world"}'),
    ('try(tonumber("x"), "fallback")', "fallback"),
    ('can(regex("^[a-z]+$", "abc"))', True),
    ('can(regex("^[a-z]+$", "ABC"))', False),
    ('basename("foo/bar/baz.txt")', "baz.txt"),
    ('transpose({"a" = ["1", "2"], "b" = ["2", "3"]})', {"1": ["a"], "2": ["a", "b"], "3": ["b"]}),
    ('setintersection(["a", "b"], ["b", "c"], ["b", "d"])', ["b"]),
    ('setunion(["a", "b"], ["b", "c"], ["d"])', ["a", "b", "c", "d"]),
    ('index(["a", "b", "c"], "b")', 1),
    ('matchkeys(["i-123", "i-abc", "i-def"], ["us-west", "us-east", "us-east"], ["us-east"])', ["i-abc", "i-def"]),
]


@pytest.mark.parametrize(("text", "value"), DOCUMENTED, ids=[t for t, _ in DOCUMENTED])
def test_functions_as_documented(text: str, value: Any) -> None:
    assert ev(text) == value


EXPRESSIONS = [
    ('[for s in ["a", "b"] : upper(s)]', ["A", "B"]),
    ('{for s in ["a", "aa", "b"] : substr(s, 0, 1) => s...}', {"a": ["a", "aa"], "b": ["b"]}),
    ('[for k, v in {b = 2, a = 1} : "${k}=${v}"]', ["a=1", "b=2"]),  # maps iterate in lexical key order
    ('[for i, v in ["x", "y"] : i if v != "x"]', [1]),
    ("[{a = 1}, {a = 2}][*].a", [1, 2]),
    ("[{a = {b = 1}}][*].a.b", [1]),
    ('"${1 + 2}"', 3),  # a lone interpolation keeps its type
    ('"x${1 + 2}"', "x3"),
    ('"%{if true}yes%{else}no%{endif}"', "yes"),
    ('"%{for x in ["a", "b"]}${x};%{endfor}"', "a;b;"),
    ("1 == 1.0", True),
    ('1 == "1"', False),  # values of different types are never equal
    ("5 / 2", 2.5),
    ("7 % 3", 1),
    ("!true || false", False),
    ("true ? 1 : 2", 1),
    ("-(1 + 2)", -3),
    ("2 + 3 * 4", 14),
    ("(2 + 3) * 4", 20),
    ("1 < 2 && 2 < 3", True),
    ("[1, 2, 3][1]", 2),
    ('{a = {b = "c"}}.a.b', "c"),
    ('{a = {b = "c"}}["a"]["b"]', "c"),
    ('"a\\tb\\"c\\u00e9"', 'a\tb"c\u00e9'),
    ('"$${literal}"', "${literal}"),
]


@pytest.mark.parametrize(("text", "value"), EXPRESSIONS, ids=[t for t, _ in EXPRESSIONS])
def test_expressions(text: str, value: Any) -> None:
    assert ev(text) == value


def test_heredocs() -> None:
    body = parse_hcl("a = <<EOT\nhello\n  world\nEOT\nb = <<-EOT\n    hello\n      world\n    EOT\n", "h.tf")
    assert body.attributes["a"].expr.ev(CONSTANTS) == "hello\n  world\n"
    assert body.attributes["b"].expr.ev(CONSTANTS) == "hello\n  world\n"


def test_unknowns_propagate_as_terraform_does() -> None:
    unknown = Pending("aws_vpc.main.cidr_block", "known only after apply")

    class Names:
        def lookup(self, node: Any, sc: Any) -> tuple[Any, int]:
            return unknown, 0

    from validator.ingest.loaders.terraform.expr import Scope

    scope = Scope(Names(), {})

    def unk(text: str) -> Any:
        return parse_expression(text, "t")[0].ev(scope)

    assert unk("true || u") is True  # decided without the unknown operand
    assert unk("u && false") is False
    assert isinstance(unk("u && true"), Pending)
    assert isinstance(unk('"${u}/16"'), Pending)
    assert unk("length([u, u])") == 2  # the list's length is known
    assert isinstance(unk("u ? 1 : 2"), Pending)
    assert isinstance(unk('join(",", [u])'), Pending)
    assert isinstance(unk("try(u, 1)"), Pending)  # try does not skip an unknown
    assert unk("u.x").expression == "aws_vpc.main.cidr_block.x"


def test_type_conversions() -> None:
    def conv(value: Any, type_text: str) -> Any:
        return convert(value, parse_type(parse_expression(type_text, "t")[0]), CONSTANTS)

    # list(map(string)): numbers and bools become strings, the provider turns them back (T2)
    assert conv([{"self": True, "from_port": 22}], "list(map(string))") == [{"self": "true", "from_port": "22"}]
    assert conv("true", "bool") is True and conv("443", "number") == 443
    # list(any) / map(list(any)): elements unified to one type, mixed primitives to strings
    assert conv({"https": [443, 443, "tcp"]}, "map(list(any))") == {"https": ["443", "443", "tcp"]}
    # optional attributes: default when absent or null, undeclared attributes dropped
    t = 'object({a = string, b = optional(string, "tcp"), c = optional(number)})'
    assert conv({"a": "x", "extra": 1}, t) == {"a": "x", "b": "tcp", "c": None}
    assert conv({"a": "x", "b": None}, t) == {"a": "x", "b": "tcp", "c": None}
    with pytest.raises(EvalError):
        conv({"b": "x"}, t)  # a required attribute is missing
    with pytest.raises(EvalError):
        conv("maybe", "bool")
    assert conv(["b", "a", "b"], "set(string)") == ["a", "b"]
    # bare `list` and `map` are Terraform's shorthand for list(any) and map(any) (configs/named_values.go)
    assert parse_type(parse_expression("map", "t")[0]) == ("map", ("any",))
    assert conv([1, "a"], "list") == ["1", "a"]
    with pytest.raises(EvalError):
        conv("x", "map")


def test_parse_errors_are_located() -> None:
    for text, line in (('resource "a" "b" {\n  x = \n}\n', 2), ('x = "unterminated\n', 1), ("x = [1, 2\n", 2)):
        with pytest.raises(InputError) as info:
            parse_hcl(text, "bad.tf")
        assert info.value.file == "bad.tf" and info.value.line == line, str(info.value)
