"""HashiCorp's HCL parser (hashicorp/hcl v2, the one Terraform uses, through the pygohcl binding) as the
oracle of the product's HCL parser.

pygohcl turns a file into JSON (hcl_to_json.go, adapted from tmccombs/hcl2json): literal values as
values (numbers, bools, null, strings with escapes resolved, heredoc text), tuples and objects item by
item, blocks nested by type and labels (repeated ones as lists), template interpolations of a name as
``${name}`` and any other expression as its source text (comments stripped, whitespace collapsed).
``render`` produces that JSON from the product's parse tree, so that comparing the two compares both
parsers' view of the file: which text each expression covers, every literal value, every template part
after strip markers and ``<<-`` indentation, the block structure.
"""

from __future__ import annotations

import math
from typing import Any

import pygohcl

from validator.ingest.loaders.terraform import expr as x
from validator.ingest.loaders.terraform import forms as f
from validator.ingest.loaders.terraform.parser import parse_hcl
from validator.ingest.loaders.terraform.syntax import Block, Body
from validator.ingest.loaders.terraform.values import number_text
from validator.model.errors import InputError

# Go's unicode.IsSpace (strings.Fields and strings.TrimSpace split on these)
GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"


class Incomparable(Exception):
    """pygohcl cannot turn this (valid) file into JSON: only acceptance is compared."""


def oracle(data: bytes) -> tuple[str, Any]:
    """("ok", json) when HCL parses the file, ("error", message) when it rejects it, ("incomparable",
    message) when it parses but pygohcl cannot convert it to JSON."""
    try:
        return "ok", pygohcl.loadb(data, keep_interpolations=True)
    except pygohcl.HCLParseError as exc:
        return "error", str(exc)
    except pygohcl.HCLInternalError as exc:
        return "incomparable", str(exc)


def ours(text: str) -> tuple[str, Any]:
    """("ok", rendered json) or ("error", message), from the product's parser."""
    try:
        body = parse_hcl(text, "t.tf", fold=False)
    except InputError as exc:
        return "error", str(exc)
    try:
        return "ok", Renderer(text).body(body)
    except Incomparable as exc:
        return "incomparable", str(exc)


def _strip_comments(text: str) -> str:
    """hcl_to_json.go's stripComments, byte for byte (it treats ' as a string quote too)."""
    out = []
    in_block = False
    for line in text.split("\n"):
        in_string, quote, in_inline = False, "", False
        kept = []
        i = 0
        while i < len(line):
            char = line[i]
            if char in "\"'":
                if not in_string:
                    in_string, quote = True, char
                elif quote == char:
                    in_string = False
            if not in_string:
                if not in_inline and not in_block:
                    if char == "#":
                        in_inline = True
                    elif char == "/" and i + 1 < len(line) and line[i + 1] == "/":
                        in_inline = True
                        i += 1
                if not in_inline:
                    if not in_block and char == "/" and i + 1 < len(line) and line[i + 1] == "*":
                        in_block = True
                        i += 2
                        continue
                    if in_block and char == "*" and i + 1 < len(line) and line[i + 1] == "/":
                        in_block = False
                        i += 2
                        continue
            if not in_block and not in_inline:
                kept.append(char)
            i += 1
        out.append("".join(kept) + "\n")
    return "".join(out)


def _fields(text: str) -> list[str]:
    """Go's strings.Fields."""
    words, word = [], []
    for char in text:
        if char in GO_SPACE:
            if word:
                words.append("".join(word))
                word = []
        else:
            word.append(char)
    if word:
        words.append("".join(word))
    return words


def _cty_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if value is None:
        raise Incomparable("null converted to a string")
    return number_text(value)


class Renderer:
    def __init__(self, text: str) -> None:
        self.text = text

    def source(self, node: x.Expr) -> str:
        data = _strip_comments(self.text[node.start : node.end]).replace("\n", " ")
        return " ".join(_fields(data))

    def parenthesized(self, node: x.Expr) -> bool:
        """Whether the parser wrapped this node in parentheses (they widen its range to include them)."""
        if self.text[node.start : node.start + 1] != "(":
            return False
        first = {f.Binary: "left", f.Conditional: "cond", x.GetAttr: "source", x.Index: "source", x.Splat: "source"}
        child = first.get(type(node))  # type: ignore[call-overload]
        return child is None or getattr(node, child).start > node.start

    def body(self, body: Body) -> dict[str, Any]:
        out: dict[str, Any] = {name: self.expr(attr.expr) for name, attr in body.attributes.items()}
        for block in body.blocks:
            self.block(block, out)
        return out

    def block(self, block: Block, out: dict[str, Any]) -> None:
        value = self.body(block.body)
        key = block.type
        for label in block.labels:
            inner = out.get(key)
            if inner is None:
                inner = out[key] = {}
            elif not isinstance(inner, dict):
                raise Incomparable(f"unable to convert Block to JSON: {block.type}")
            out, key = inner, label
        current = out.get(key, _ABSENT)
        if current is _ABSENT:
            out[key] = value
        elif isinstance(current, list):
            current.append(value)
        else:
            out[key] = [current, value]

    def expr(self, node: x.Expr) -> Any:
        if self.parenthesized(node):
            return self.source(node)
        if isinstance(node, x.Literal):
            return self.literal(node.value)
        if isinstance(node, f.Unary):
            return self.unary(node)
        if isinstance(node, f.Template):
            parts = node.parts
            if len(parts) == 1 and isinstance(parts[0], x.Expr) and not isinstance(parts[0], f.TemplateJoin):
                return self.expr(parts[0])  # a lone interpolation (TemplateWrapExpr)
            return "".join(self.string_part(p) for p in parts)
        if isinstance(node, x.Tuple):
            return [self.expr(i) for i in node.items]
        if isinstance(node, x.Object):
            out: dict[str, Any] = {}
            for key, value in node.items:
                out[self.key(key)] = self.expr(value)
            return out
        return self.source(node)

    def literal(self, value: Any) -> Any:
        if isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
            raise Incomparable("a number beyond a float")
        return value

    def unary(self, node: f.Unary) -> Any:
        operand = node.operand
        if not isinstance(operand, x.Literal) or self.parenthesized(operand) or isinstance(operand.value, str):
            return self.source(node)
        value = operand.value
        if node.op == "-" and isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value
        if node.op == "!" and isinstance(value, bool):
            return not value
        raise Incomparable("an operator on a literal of the wrong type")

    def key(self, node: x.Expr) -> str:
        if isinstance(node, x.Literal) and not self.parenthesized(node):
            if node.text(self.text)[:1] not in ('"', "<") and isinstance(node.value, str):
                return node.value  # a bare name
            return _cty_string(node.value)
        if isinstance(node, x.Traversal) and not self.parenthesized(node):
            return self.source(node)
        return self.string_part(node)

    def string_part(self, part: Any) -> str:
        if isinstance(part, str):
            return part
        if self.parenthesized(part):
            return self.source(part)
        if isinstance(part, x.Literal):
            return _cty_string(part.value)
        if isinstance(part, f.Template):
            return "".join(self.string_part(p) for p in part.parts)
        if isinstance(part, x.Traversal):
            return "${" + self.source(part) + "}"
        if isinstance(part, f.Conditional):
            return self.if_part(self.source(part.cond), self.string_part(part.yes), self.string_part(part.no))
        if isinstance(part, f.TemplateJoin):
            if part.kind == "if":
                no = "" if part.otherwise is None else self.string_part(part.otherwise)
                return self.if_part(self.source(part.collection), self.string_part(part.body), no)
            names = ", ".join(part.names)
            return f"%{{for {names} in {self.source(part.collection)}}}{self.string_part(part.body)}%{{endfor}}"
        return self.source(part)

    @staticmethod
    def if_part(cond: str, yes: str, no: str) -> str:
        return f"%{{if {cond}}}{yes}" + (f"%{{else}}{no}" if no else "") + "%{endif}"


_ABSENT = object()
