"""Every built-in function the Terraform evaluator implements, checked against its page of Terraform's
documentation (https://developer.hashicorp.com/terraform/language/functions/<page>): the examples the page
gives with the results it documents, and the edge cases it states (errors, nulls). Every other function of
Terraform's list is an explicit unknown with its reason, never a value, an error ``try`` would swallow or a
crash."""

from __future__ import annotations

from typing import Any

import pytest

from validator.ingest.loaders.terraform.expr import CONSTANTS, Scope
from validator.ingest.loaders.terraform.functions import BY_DESIGN, FUNCS, TERRAFORM_FUNCTIONS
from validator.ingest.loaders.terraform.parser import parse_expression
from validator.ingest.loaders.terraform.values import EvalError, Pending

DOCS = "https://developer.hashicorp.com/terraform/language/functions/"


class Unordered(list):  # type: ignore[type-arg]
    """A documented set: Terraform prints it in an order of its own."""


class Error:
    """The page documents an error for this call (``try`` and ``can`` see an error)."""


def ev(text: str, scope: Scope = CONSTANTS) -> Any:
    node, _ = parse_expression(text, "test.tf")
    return node.ev(scope)


# (page, expression, the result the page documents)
DOCUMENTED: list[tuple[str, str, Any]] = [
    ("abs", "abs(23)", 23),
    ("abs", "abs(0)", 0),
    ("abs", "abs(-12.4)", 12.4),
    ("ceil", "ceil(5)", 5),
    ("ceil", "ceil(5.1)", 6),
    ("floor", "floor(5)", 5),
    ("floor", "floor(4.9)", 4),
    ("log", "log(50, 10)", 1.6989700043360185),
    ("log", "log(16, 2)", 4),
    ("log", "ceil(log(15, 2))", 4),
    ("log", "ceil(log(16, 2))", 4),
    ("log", "ceil(log(17, 2))", 5),
    ("pow", "pow(3, 2)", 9),
    ("pow", "pow(4, 0)", 1),
    ("signum", "signum(-13)", -1),
    ("signum", "signum(0)", 0),
    ("signum", "signum(344)", 1),
    ("max", "max(12, 54, 3)", 54),
    ("max", "max([12, 54, 3]...)", 54),
    ("min", "min(12, 54, 3)", 3),
    ("min", "min([12, 54, 3]...)", 3),
    ("sum", "sum([10, 13, 6, 4.5])", 33.5),
    ("sum", "sum([])", Error),  # "sum fails when given an empty list or set"
    ("parseint", 'parseint("100", 10)', 100),
    ("parseint", 'parseint("FF", 16)', 255),
    ("parseint", 'parseint("-10", 16)', -16),
    ("parseint", 'parseint("1011111011101111", 2)', 48879),
    ("parseint", 'parseint("aA", 62)', 656),
    ("parseint", 'parseint("12", 2)', Error),
    # strings
    ("chomp", 'chomp("hello\\n")', "hello"),
    ("chomp", 'chomp("hello\\r\\n")', "hello"),
    ("chomp", 'chomp("hello\\n\\n")', "hello"),
    ("endswith", 'endswith("hello world", "world")', True),
    ("endswith", 'endswith("hello world", "hello")', False),
    ("format", 'format("Hello, %s!", "Ander")', "Hello, Ander!"),
    ("format", 'format("There are %d lights", 4)', "There are 4 lights"),
    ("format", 'format("%[1]s%[2]s%[1]s%[3]s", "/", "path", "file.tf")', "/path/file.tf"),
    ("format", 'format("%#v", "hello")', '"hello"'),
    ("format", 'format("%#v", true)', "true"),
    ("format", 'format("%#v", 1)', "1"),
    ("format", 'format("%#v", {a = 1})', '{"a":1}'),
    ("format", 'format("%#v", [true])', "[true]"),
    ("format", 'format("%#v", null)', "null"),
    ("format", 'format("%v", null)', "null"),  # "Null values produce the string null if formatted with %v"
    ("format", 'format("%s", null)', Error),  # "…and cause an error for other verbs"
    ("format", 'format("%s %s", "a")', Error),  # "access more arguments than are given"
    ("format", 'format("%y", 1)', Error),  # "an unsupported format verb"
    ("format", 'format("%d", "x")', Error),  # "an impossible conversion"
    ("format", 'format("%9f|%.2f|%9.2f", 3.14159, 3.14159, 3.14159)', " 3.141590|3.14|     3.14"),  # width table
    ("format", 'format("% d|%+d|%-4d|%04d", 5, 5, 5, 5)', " 5|+5|5   |0005"),  # additional format options
    (
        "format",
        'format("%t|%b|%o|%x|%X|%e|%E", true, 5, 8, 255, 255, 1234.5678, 1234.5678)',
        "true|101|10|ff|FF|1.234568e+03|1.234568E+03",
    ),  # fmt: skip
    ("format", 'format("%q", "hi")', '"hi"'),  # JSON quoted
    ("format", 'format("%v|%v|%v", "s", 12, true)', "s|12|true"),  # default verbs: %s, %g, %t
    (
        "formatlist",
        'formatlist("Hello, %s!", ["Valentina", "Ander", "Olivia", "Sam"])',
        ["Hello, Valentina!", "Hello, Ander!", "Hello, Olivia!", "Hello, Sam!"],
    ),  # fmt: skip
    (
        "formatlist",
        'formatlist("%s, %s!", "Salutations", ["Valentina", "Ander", "Olivia", "Sam"])',
        ["Salutations, Valentina!", "Salutations, Ander!", "Salutations, Olivia!", "Salutations, Sam!"],
    ),  # fmt: skip
    ("indent", 'indent(2, "a\\nb\\nc")', "a\n  b\n  c"),  # each line but the first
    ("join", 'join("-", ["foo", "bar", "baz"])', "foo-bar-baz"),
    ("join", 'join(", ", ["foo", "bar", "baz"])', "foo, bar, baz"),
    ("join", 'join(", ", ["foo"])', "foo"),
    ("lower", 'lower("HELLO")', "hello"),
    ("lower", 'lower("ΓΕΙΑ ΣΟΥ")', "γεια σου"),
    ("regex", 'regex("[a-z]+", "53453453.345345aaabbbccc23454")', "aaabbbccc"),
    ("regex", 'regex("(\\\\d\\\\d\\\\d\\\\d)-(\\\\d\\\\d)-(\\\\d\\\\d)", "2019-02-01")', ["2019", "02", "01"]),
    (
        "regex",
        'regex("^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?", "https://terraform.io/docs/")',
        {"authority": "terraform.io", "scheme": "https"},
    ),  # fmt: skip
    ("regex", 'regex("[a-z]+", "53453453.34534523454")', Error),
    ("regex", 'regex("(a)(?P<b>b)", "ab")', Error),  # "not valid to mix both named and unnamed capture groups"
    ("regex", 'regex("^\\\\w+$", "abc\\n")', Error),  # $ is the end of the string, \w is [0-9A-Za-z_]
    ("regex", 'regex("(?m)^\\\\w+$", "abc\\ndef")', "abc"),  # m: ^ and $ at line ends
    ("regex", 'regex("\\\\d+", "٣4")', "4"),  # \d is ASCII digits
    ("regex", 'regex("[[:upper:]][[:digit:]]+", "x B12")', "B12"),
    ("regex", 'regex("\\\\Qa.b\\\\E", "axb a.b")', "a.b"),
    ("regex", 'regex("\\\\bon\\\\b", "done on")', "on"),
    ("regex", 'regex("(?P<k>a)|(?P<v>b)", "b")', {"k": None, "v": "b"}),
    ("regexall", 'regexall("[a-z]+", "1234abcd5678efgh9")', ["abcd", "efgh"]),
    ("regexall", 'length(regexall("[a-z]+", "1234abcd5678efgh9"))', 2),
    ("regexall", 'length(regexall("[a-z]+", "123456789")) > 0', False),
    ("replace", 'replace("1 + 2 + 3", "+", "-")', "1 - 2 - 3"),
    ("replace", 'replace("hello world", "/w.*d/", "everybody")', "hello everybody"),
    ("replace", 'replace("hello world", "/(?P<first>\\\\w+) (\\\\w+)/", "$2 $first")', "world hello"),  # "$n … name"
    ("split", 'split(",", "foo,bar,baz")', ["foo", "bar", "baz"]),
    ("split", 'split(",", "foo")', ["foo"]),
    ("split", 'split(",", "")', [""]),
    ("startswith", 'startswith("hello world", "hello")', True),
    ("startswith", 'startswith("hello world", "world")', False),
    ("strcontains", 'strcontains("hello world", "wor")', True),
    ("strcontains", 'strcontains("hello world", "wod")', False),
    ("strrev", 'strrev("hello")', "olleh"),
    ("strrev", 'strrev("a ☃")', "☃ a"),
    ("substr", 'substr("hello world", 1, 4)', "ello"),
    ("substr", 'substr("🤔🤷", 0, 1)', "🤔"),
    ("substr", 'substr("hello world", -5, -1)', "world"),
    ("substr", 'substr("hello world", 6, 10)', "world"),
    ("title", 'title("hello world")', "Hello World"),
    ("trim", 'trim("?!hello?!", "!?")', "hello"),
    ("trim", 'trim("foobar", "far")', "oob"),
    ("trim", 'trim("   hello! world.!  ", "! ")', "hello! world."),
    ("trimprefix", 'trimprefix("helloworld", "hello")', "world"),
    ("trimprefix", 'trimprefix("helloworld", "cat")', "helloworld"),
    ("trimprefix", 'trimprefix("--hello", "-")', "-hello"),
    ("trimsuffix", 'trimsuffix("helloworld", "world")', "hello"),
    ("trimsuffix", 'trimsuffix("helloworld", "cat")', "helloworld"),
    ("trimsuffix", 'trimsuffix("hello--", "-")', "hello-"),
    ("trimspace", 'trimspace("  hello\\n\\n")', "hello"),
    ("upper", 'upper("hello")', "HELLO"),
    ("upper", 'upper("алло!")', "АЛЛО!"),
    # collections
    ("alltrue", 'alltrue(["true", true])', True),
    ("alltrue", "alltrue([true, false])", False),
    ("alltrue", "alltrue([])", True),  # "also returns true if the collection is empty"
    ("anytrue", 'anytrue(["true"])', True),
    ("anytrue", "anytrue([true])", True),
    ("anytrue", "anytrue([true, false])", True),
    ("anytrue", "anytrue([])", False),
    ("chunklist", 'chunklist(["a", "b", "c", "d", "e"], 2)', [["a", "b"], ["c", "d"], ["e"]]),
    ("chunklist", 'chunklist(["a", "b", "c", "d", "e"], 1)', [["a"], ["b"], ["c"], ["d"], ["e"]]),
    ("coalesce", 'coalesce("a", "b")', "a"),
    ("coalesce", 'coalesce("", "b")', "b"),
    ("coalesce", "coalesce(1,2)", 1),
    ("coalesce", 'coalesce(["", "b"]...)', "b"),
    ("coalesce", 'coalesce(1, "hello")', "1"),
    ("coalesce", 'coalesce(true, "hello")', "true"),
    ("coalesce", 'coalesce({}, "hello")', Error),
    ("coalescelist", 'coalescelist(["a", "b"], ["c", "d"])', ["a", "b"]),
    ("coalescelist", 'coalescelist([], ["c", "d"])', ["c", "d"]),
    ("coalescelist", 'coalescelist([[], ["c", "d"]]...)', ["c", "d"]),
    ("compact", 'compact(["a", "", "b", null, "c"])', ["a", "b", "c"]),
    ("concat", 'concat(["a", ""], ["b", "c"])', ["a", "", "b", "c"]),
    ("concat", 'concat([], [1, "a"], [[3], "c"])', [1, "a", [3], "c"]),
    ("contains", 'contains(["a", "b", "c"], "a")', True),
    ("contains", 'contains(["a", "b", "c"], "d")', False),
    ("distinct", 'distinct(["a", "b", "a", "c", "d", "b"])', ["a", "b", "c", "d"]),
    ("element", 'element(["a", "b", "c"], 1)', "b"),
    ("element", 'element(["a", "b", "c"], 3)', "a"),
    ("element", 'element(["a", "b", "c"], -1)', "c"),
    ("element", "element([], 0)", Error),  # "produces an error if used with an empty list"
    ("flatten", 'flatten([["a", "b"], [], ["c"]])', ["a", "b", "c"]),
    ("flatten", 'flatten([[["a", "b"], []], ["c"]])', ["a", "b", "c"]),
    ("flatten", 'flatten([{a = ["b"]}, ["c"]])', [{"a": ["b"]}, "c"]),  # lists in maps are not flattened
    ("index_function", 'index(["a", "b", "c"], "b")', 1),
    ("index_function", 'index(["one", "two", "two"], "two")', 1),
    ("index_function", 'index(["a"], "z")', Error),  # "an error if the given value is not present"
    ("keys", "keys({a=1, c=2, d=3})", ["a", "c", "d"]),
    ("length", "length([])", 0),
    ("length", 'length(["a", "b"])', 2),
    ("length", 'length({"a" = "b"})', 1),
    ("length", 'length("hello")', 5),
    ("length", 'length("👾🕹️")', 2),  # grapheme clusters, not code points
    ("lookup", 'lookup({a="ay", b="bee"}, "a", "what?")', "ay"),
    ("lookup", 'lookup({a="ay", b="bee"}, "c", "what?")', "what?"),
    (
        "matchkeys",
        'matchkeys(["i-123", "i-abc", "i-def"], ["us-west", "us-east", "us-east"], ["us-east"])',
        ["i-abc", "i-def"],
    ),  # fmt: skip
    ("matchkeys", 'matchkeys(["a", "b"], ["x"], ["x"])', Error),  # "must be the same length"
    ("merge", 'merge({a="b", c="d"}, {e="f", c="z"})', {"a": "b", "c": "z", "e": "f"}),
    ("merge", 'merge({a="b"}, {a=[1,2], c="z"}, {d=3})', {"a": [1, 2], "c": "z", "d": 3}),
    ("merge", 'merge([{a="b", c="d"}, {}, {e="f", c="z"}]...)', {"a": "b", "c": "z", "e": "f"}),
    ("one", "one([])", None),
    ("one", 'one(["hello"])', "hello"),
    ("one", 'one(["hello", "goodbye"])', Error),
    ("one", "one(toset([]))", None),
    ("one", 'one(toset(["hello"]))', "hello"),
    ("one", 'one(toset(["hello","goodbye"]))', Error),
    ("range", "range(3)", [0, 1, 2]),
    ("range", "range(1, 4)", [1, 2, 3]),
    ("range", "range(1, 8, 2)", [1, 3, 5, 7]),
    ("range", "range(1, 4, 0.5)", [1, 1.5, 2, 2.5, 3, 3.5]),
    ("range", "range(4, 1)", [4, 3, 2]),
    ("range", "range(10, 5, -2)", [10, 8, 6]),
    ("range", "length(range(1024))", 1024),
    ("range", "range(1025)", Error),  # "would append the 1025th number … exits with an error"
    ("reverse", "reverse([1, 2, 3])", [3, 2, 1]),
    ("setintersection", 'setintersection(["a", "b"], ["b", "c"], ["b", "d"])', Unordered(["b"])),
    ("setintersection", "setintersection([3,3.3,4], [4,3.3,65,99], [4.0,3.3])", Unordered([3.3, 4])),
    (
        "setintersection",
        'setintersection(["bob","jane",3], ["jane",3,"ajax",10], ["3","jane",26,"nomad"])',
        Unordered(["3", "jane"]),
    ),  # fmt: skip
    (
        "setproduct",
        'setproduct(["development", "staging", "production"], ["app1", "app2"])',
        [
            ["development", "app1"],
            ["development", "app2"],
            ["staging", "app1"],
            ["staging", "app2"],
            ["production", "app1"],
            ["production", "app2"],
        ],
    ),  # fmt: skip
    ("setproduct", 'setproduct(["development", "staging", "production"], [])', []),
    ("setproduct", 'setproduct(["a"], ["b"])', [["a", "b"]]),
    (
        "setproduct",
        'setproduct(["staging", "production"], ["a", 2])',
        [["staging", "a"], ["staging", "2"], ["production", "a"], ["production", "2"]],
    ),  # fmt: skip
    ("setproduct", 'setproduct(["a"])', Error),  # "You must pass at least two arguments"
    ("setsubtract", 'setsubtract(["a", "b", "c"], ["a", "c"])', Unordered(["b"])),
    (
        "setsubtract",
        'setunion(setsubtract(["a", "b", "c"], ["a", "c", "d"]), setsubtract(["a", "c", "d"], ["a", "b", "c"]))',
        Unordered(["b", "d"]),
    ),  # fmt: skip
    ("setunion", 'setunion(["a", "b"], ["b", "c"], ["d"])', Unordered(["d", "b", "c", "a"])),
    ("slice", 'slice(["a", "b", "c", "d"], 1, 3)', ["b", "c"]),
    ("slice", 'slice(["a", "b"], 1, 3)', Error),  # "an error if either index is outside the bounds"
    ("sort", 'sort(["e", "d", "a", "x"])', ["a", "d", "e", "x"]),
    ("transpose", 'transpose({"a" = ["1", "2"], "b" = ["2", "3"]})', {"1": ["a"], "2": ["a", "b"], "3": ["b"]}),
    ("values", "values({a=3, c=2, d=1})", [3, 2, 1]),
    ("zipmap", 'zipmap(["a", "b"], [1, 2])', {"a": 1, "b": 2}),
    ("zipmap", 'zipmap(["a", "a"], [1, 2])', {"a": 2}),  # "the value with the highest index is used"
    ("zipmap", 'zipmap(["a"], [1, 2])', Error),  # "must be of the same length"
    # encodings and hashes
    ("base64decode", 'base64decode("SGVsbG8gV29ybGQ=")', "Hello World"),
    ("base64decode", 'base64decode("/w==")', Error),  # "If the bytes … are not valid UTF-8, … an error"
    ("base64encode", 'base64encode("Hello World")', "SGVsbG8gV29ybGQ="),
    ("base64sha256", 'base64sha256("hello world")', "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="),
    (
        "base64sha512",
        'base64sha512("hello world")',
        "MJ7MSJwS1utMxA9QyQLytNDtd+5RGnx6m808qG1M2G+YndNbxf9JlnDaNCVbRbDP2DDoH2Bdz33FVC6TrpzXbw==",
    ),  # fmt: skip
    (
        "csvdecode",
        'csvdecode("a,b,c\\n1,2,3\\n4,5,6")',
        [{"a": "1", "b": "2", "c": "3"}, {"a": "4", "b": "5", "c": "6"}],
    ),  # fmt: skip
    ("csvdecode", 'csvdecode("a,b\\n1,2,3\\n")', Error),  # "must contain the same number of fields"
    ("jsondecode", 'jsondecode("{\\"hello\\": \\"world\\"}")', {"hello": "world"}),
    ("jsondecode", 'jsondecode("true")', True),
    ("jsonencode", 'jsonencode({"hello"="world"})', '{"hello":"world"}'),
    ("jsonencode", 'jsonencode("<a & b>\\u2028")', '"\\u003ca \\u0026 b\\u003e\\u2028"'),  # the escapes it lists
    ("md5", 'md5("hello world")', "5eb63bbbe01eeed093cb22bb8f5acdc3"),
    ("sha1", 'sha1("hello world")', "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"),
    ("sha256", 'sha256("hello world")', "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"),
    (
        "sha512",
        'sha512("hello world")',
        "309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f",
    ),  # fmt: skip
    ("urlencode", 'urlencode("Hello World!")', "Hello+World%21"),
    ("urlencode", 'urlencode("☃")', "%E2%98%83"),
    (
        "urlencode",
        '"http://example.com/search?q=${urlencode("terraform urlencode")}"',
        "http://example.com/search?q=terraform+urlencode",
    ),  # fmt: skip
    ("uuidv5", 'uuidv5("dns", "www.terraform.io")', "a5008fae-b28c-5ba5-96cd-82b4c53552d6"),
    ("uuidv5", 'uuidv5("url", "https://www.terraform.io/")', "9db6f67c-dd95-5ea0-aa5b-e70e5c5f7cf5"),
    ("uuidv5", 'uuidv5("oid", "1.3.6.1.4")', "af9d40a5-7a36-5c07-b23a-851cd99fbfa5"),
    ("uuidv5", 'uuidv5("x500", "CN=Example,C=GB")', "84e09961-4aa4-57f8-95b7-03edb1073253"),
    (
        "uuidv5",
        'uuidv5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.terraform.io")',
        "a5008fae-b28c-5ba5-96cd-82b4c53552d6",
    ),  # fmt: skip
    (
        "uuidv5",
        'uuidv5("743ac3c0-3bf7-4a5b-9e6c-59360447c757", "LIBS:diskfont.library")',
        "ede1a974-df7e-5f17-84b9-76208818b2c8",
    ),  # fmt: skip
    ("yamldecode", 'yamldecode("hello: world")', {"hello": "world"}),
    ("yamldecode", 'yamldecode("true")', True),
    ("yamldecode", 'yamldecode("{a: &foo [1, 2, 3], b: *foo}")', {"a": [1, 2, 3], "b": [1, 2, 3]}),
    ("yamldecode", 'yamldecode("{a: &foo [1, *foo, 3]}")', Error),  # cyclic: an error
    ("yamldecode", 'yamldecode("{a: !not-supported foo}")', Error),
    ("yamldecode", 'yamldecode("a: 1\\n---\\nb: 2\\n")', Error),  # "Only one YAML document is permitted"
    ("yamldecode", 'yamldecode("[yes, on, 0o17, 017, 1:20]")', ["yes", "on", 15, 17, "1:20"]),  # YAML 1.2
    # filesystem paths (the functions that only read the path string)
    ("basename", 'basename("foo/bar/baz.txt")', "baz.txt"),
    ("basename", 'basename("")', "."),  # "If the path is empty then the result is ".""
    ("dirname", 'dirname("foo/bar/baz.txt")', "foo/bar"),
    ("dirname", 'dirname("")', "."),
    # IP network
    ("cidrhost", 'cidrhost("10.12.112.0/20", 16)', "10.12.112.16"),
    ("cidrhost", 'cidrhost("10.12.112.0/20", 268)', "10.12.113.12"),
    ("cidrhost", 'cidrhost("fd00:fd12:3456:7890:00a2::/72", 34)', "fd00:fd12:3456:7890::22"),
    ("cidrhost", 'cidrhost("10.0.0.0/8", 2)', "10.0.0.2"),
    ("cidrhost", 'cidrhost("10.0.0.0/8", -2)', "10.255.255.254"),
    ("cidrhost", 'cidrhost("10.1.2.240/28", 1)', "10.1.2.241"),
    ("cidrhost", 'cidrhost("10.1.2.240/28", 14)', "10.1.2.254"),
    ("cidrhost", 'cidrhost("010.1.2.0/24", 1)', "10.1.2.1"),  # octets with leading zeros are decimal
    ("cidrnetmask", 'cidrnetmask("172.16.0.0/12")', "255.240.0.0"),
    ("cidrnetmask", 'cidrnetmask("fd00::/8")', Error),  # "If you use an IPv6 address, … returns an error"
    ("cidrsubnet", 'cidrsubnet("172.16.0.0/12", 4, 2)', "172.18.0.0/16"),
    ("cidrsubnet", 'cidrsubnet("10.1.2.0/24", 4, 15)', "10.1.2.240/28"),
    ("cidrsubnet", 'cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162)', "fd00:fd12:3456:7800:a200::/72"),
    (
        "cidrsubnets",
        'cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)',
        ["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"],
    ),
    (
        "cidrsubnets",
        'cidrsubnets("fd00:fd12:3456:7890::/56", 16, 16, 16, 32)',
        [
            "fd00:fd12:3456:7800::/72",
            "fd00:fd12:3456:7800:100::/72",
            "fd00:fd12:3456:7800:200::/72",
            "fd00:fd12:3456:7800:300::/88",
        ],
    ),  # fmt: skip
    (
        "cidrsubnets",
        '[for cidr_block in cidrsubnets("10.0.0.0/8", 8, 8, 8, 8) : cidrsubnets(cidr_block, 4, 4)]',
        [
            ["10.0.0.0/20", "10.0.16.0/20"],
            ["10.1.0.0/20", "10.1.16.0/20"],
            ["10.2.0.0/20", "10.2.16.0/20"],
            ["10.3.0.0/20", "10.3.16.0/20"],
        ],
    ),  # fmt: skip
    # type conversions
    ("tobool", "tobool(true)", True),
    ("tobool", 'tobool("true")', True),
    ("tobool", "tobool(null)", None),
    ("tobool", 'tobool("no")', Error),
    ("tobool", "tobool(1)", Error),
    ("tolist", 'tolist(["a", "b", "c"])', ["a", "b", "c"]),
    ("tolist", 'tolist(["a", "b", 3])', ["a", "b", "3"]),
    ("tomap", 'tomap({"a" = 1, "b" = 2})', {"a": 1, "b": 2}),
    ("tomap", 'tomap({"a" = "foo", "b" = true})', {"a": "foo", "b": "true"}),
    ("tonumber", "tonumber(1)", 1),
    ("tonumber", 'tonumber("1")', 1),
    ("tonumber", "tonumber(null)", None),
    ("tonumber", 'tonumber("no")', Error),
    ("toset", 'toset(["a", "b", "c"])', Unordered(["a", "b", "c"])),
    ("toset", 'toset(["a", "b", 3])', Unordered(["3", "a", "b"])),
    ("toset", 'toset(["c", "b", "b"])', Unordered(["b", "c"])),
    ("tostring", 'tostring("hello")', "hello"),
    ("tostring", "tostring(1)", "1"),
    ("tostring", "tostring(true)", "true"),
    ("tostring", "tostring(null)", None),
    ("tostring", "tostring([])", Error),
    ("convert", "convert([], list(string))", []),
    (
        "convert",
        'convert({test = {}}, map(object({attr = optional(string), with_default = optional(string, "default")})))',
        {"test": {"attr": None, "with_default": "default"}},
    ),  # fmt: skip
    ("sensitive", "sensitive(1)", 1),  # the value, marked sensitive (palette-policy keeps no marks)
    ("sensitive", 'sensitive("hello")', "hello"),
    ("nonsensitive", 'nonsensitive("clear")', "clear"),  # "no changes to values that aren't marked"
    ("type", "type([])", Error),  # "only available in the terraform console command"
    ("list", "list(1, 2)", Error),  # "no longer available"
    ("map", 'map("a", "b")', Error),
    # try and can (the documented local.foo = {bar = "baz"} written out)
    ("try", 'try({bar = "baz"}.bar, "fallback")', "baz"),
    ("try", 'try({bar = "baz"}.boop, "fallback")', "fallback"),
    ("can", 'can({bar = "baz"}.bar)', True),
    ("can", 'can({bar = "baz"}.boop)', False),
    ("can", 'can(regex("^[a-z]+$", "abc"))', True),
]


def _same(value: Any, expected: Any) -> bool:
    if isinstance(expected, Unordered):
        return isinstance(value, list) and sorted(map(repr, value)) == sorted(map(repr, expected))
    if isinstance(expected, float) or isinstance(value, float):
        return isinstance(value, (int, float)) and value == pytest.approx(expected, rel=1e-15)
    return bool(value == expected and type(value) is type(expected))


@pytest.mark.parametrize(("page", "text", "expected"), DOCUMENTED, ids=[f"{p}: {t}" for p, t, _ in DOCUMENTED])
def test_function_as_documented(page: str, text: str, expected: Any) -> None:
    if expected is Error:
        with pytest.raises(EvalError):
            ev(text)
        assert ev(f"try({text}, 7)") == 7 and ev(f"can({text})") is False  # a Terraform error: try catches it
        return
    value = ev(text)
    assert _same(value, expected), f"{DOCS}{page}: {text} gave {value!r}, the page documents {expected!r}"


def test_every_implemented_function_has_a_documented_case() -> None:
    tested = {page.removesuffix("_function") for page, _, _ in DOCUMENTED}
    assert set(FUNCS) - tested == set(), "functions without a case from their documentation page"
    assert set(FUNCS) <= set(TERRAFORM_FUNCTIONS), "only Terraform's functions are implemented"


class _Unknown:
    """A scope where every reference is a value Terraform knows only after apply."""

    def lookup(self, node: Any, sc: Any) -> tuple[Any, int]:
        return Pending(node.dotted, "known only after apply"), len(node.steps)


UNKNOWN = Scope(_Unknown(), {})


@pytest.mark.parametrize(
    "text",
    [
        "abs(u.n)", "upper(u.s)", 'join(",", [u.s, "b"])', 'format("%s", u.s)', "jsonencode({a = u.s})",
        'cidrsubnet(u.cidr, 4, 1)', "tostring(u.s)", "flatten([[u.x], [1]])", 'lookup({a = 1}, u.k, 2)',
        'contains(["a"], u.s)', "merge(u.m, {a = 1})", 'regex("a", u.s)', "element(u.l, 0)", "sum([1, u.n])",
        "coalesce(u.s, \"x\")", "try(u.s, \"fallback\")", "can(u.s)", "convert(u.s, string)", "keys(u.m)",
    ],
)  # fmt: skip
def test_a_call_on_an_unknown_is_unknown(text: str) -> None:
    """A result that depends on a value known only after apply is unknown (try and can included: they
    cannot tell yet whether it fails), never a guess."""
    assert isinstance(ev(text, UNKNOWN), Pending), text


def test_unknown_elements_keep_what_is_known() -> None:
    assert ev("length([u.a, u.b])", UNKNOWN) == 2  # the list's length is known
    assert ev("concat([u.a], [1])", UNKNOWN)[1] == 1
    assert ev("true || u.a", UNKNOWN) is True


NOT_EVALUATED = sorted(set(TERRAFORM_FUNCTIONS) - set(FUNCS) - set(BY_DESIGN) - {"try", "can", "convert"})


@pytest.mark.parametrize("name", NOT_EVALUATED)
def test_a_function_not_evaluated_is_an_explicit_unknown(name: str) -> None:
    """Terraform's functions palette-policy does not implement: an unknown with that reason, located at the
    call, which try() returns and can() does not turn into false."""
    value = ev(f'{name}("a", "b")')
    assert isinstance(value, Pending)
    assert value.reason == f"function {name} is not evaluated by palette-policy"
    assert value.offset == 0
    assert isinstance(ev(f'try({name}("a"), "fallback")'), Pending)
    assert isinstance(ev(f'can({name}("a"))'), Pending)
    assert isinstance(ev(f'core::{name}("a")'), Pending) if "::" not in name else True


@pytest.mark.parametrize("name", sorted(BY_DESIGN))
def test_a_function_of_the_machine_or_the_clock_is_unknown_by_design(name: str) -> None:
    value = ev(f'try({name}("x"), "fallback")')
    assert isinstance(value, Pending) and value.reason.startswith(f"{name}() ")
    assert "its value is not in the repository" in value.reason


def test_the_lists_of_functions_are_terraforms() -> None:
    """Terraform's function list (the navigation of its functions pages, 1.x) is complete here; every name
    is implemented, unknown by design, or not evaluated."""
    assert len(TERRAFORM_FUNCTIONS) == len(set(TERRAFORM_FUNCTIONS)) == 125
    assert set(BY_DESIGN) <= set(TERRAFORM_FUNCTIONS)
    assert {"templatestring", "formatdate", "timeadd", "yamlencode", "issensitive"} <= set(NOT_EVALUATED)


def test_unknown_names_and_provider_functions_are_unknown() -> None:
    assert ev('nosuchfunction("a")').reason == "function nosuchfunction is not evaluated by palette-policy"
    provided = ev('provider::aws::arn_parse("arn:aws:iam::1:role/x")')
    assert isinstance(provided, Pending) and "provider-defined" in provided.reason
    assert ev('core::upper("a")') == "A"  # every built-in is also core::NAME


def test_regular_expressions_are_re2s() -> None:
    """The regex page's syntax is RE2's (tests/test_terraform_regexp_go.py holds the evaluator to Go's
    regexp on thousands of cases): Unicode classes, flags anywhere in the pattern, POSIX classes; what RE2
    rejects (backreferences, look-arounds) is an error, as in Terraform."""
    assert ev('regex("\\\\pL+", "12abc3")') == "abc"
    assert ev('regex("\\\\p{Greek}+", "abc ΓΕΙΑ")') == "ΓΕΙΑ"
    assert ev('regex("(?U)a+", "aaa")') == "a"
    assert ev('regex("a(?i)b", "xaB")') == "aB"
    assert ev('regex("[[:^alpha:]]+", "ab12")') == "12"
    for pattern in ("(a)\\\\1", "a(?=b)", "(?<!a)b"):
        assert ev(f'can(regex("{pattern}", "ab"))') is False, pattern


def test_undeclared_references_are_not_caught_by_try_or_can() -> None:
    """try and can "will not catch errors relating to expressions that can be proven to be invalid for any
    input, such as a malformed resource reference" (the try and can pages): local.nonexist stays an error."""
    import tempfile
    from pathlib import Path

    from validator.ingest.loaders.terraform.evaluate import load_root

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "main.tf").write_text(
            'resource "aws_security_group" "a" {\n  name = "a"\n  ingress {\n'
            "    from_port = try(local.nonexist, 22)\n    to_port = can(local.nonexist) ? 1 : 22\n"
            '    protocol = "tcp"\n    cidr_blocks = ["10.0.0.0/8"]\n  }\n}\n'
        )
        root = load_root(Path(folder), ".", ["main.tf"])
    (rule,) = next(iter(root.inventory.points.values())).rules
    reasons = {u.field: u.reason for u in rule.unknowns}
    assert "local.nonexist is not declared" in reasons["from_port"]
    assert "local.nonexist is not declared" in reasons["to_port"]
