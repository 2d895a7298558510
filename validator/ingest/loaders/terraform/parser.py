"""HCL native syntax → bodies of attributes and blocks, with expression trees (``expr``) and lines.

A recursive-descent parser over the lexer's tokens, following the HCL native syntax specification:
operator precedence (``?:`` < ``||`` < ``&&`` < ``== !=`` < ``< > <= >=`` < ``+ -`` < ``* / %`` <
unary), newlines ending attributes except inside brackets, splats, ``for`` expressions and template
directives. Errors are InputErrors with file, line and column.
"""

from __future__ import annotations

from typing import Any

from validator.ingest.loaders.terraform import expr as x
from validator.ingest.loaders.terraform import forms as f
from validator.ingest.loaders.terraform.lexer import Token, tokenize
from validator.ingest.loaders.terraform.syntax import Attribute, Block, Body, SourceFile
from validator.ingest.loaders.terraform.templates import TemplateParser, _flush

_BINARY = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, ">": 4, "<=": 4, ">=": 4, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6}
_KEYWORDS = {"true": True, "false": False, "null": None}
MAX_DEPTH = 100  # nested expressions; deeper is no real configuration (and would exhaust Python's stack)


class _Parser(TemplateParser):
    def body(self, closing: str | None) -> Body:
        body = Body()
        while True:
            tok = self.tokens[self.i]
            kind = tok[0]
            if kind == "nl":
                self.i += 1
                continue
            if kind == "eof" or kind == closing:
                if kind != (closing or "eof"):
                    raise self.error("unexpected end of file: a block is not closed", tok[2])
                return body
            if kind != "ident":
                raise self.error(f"expected an attribute or a block, found {self.describe(tok)}", tok[2])
            self.i += 1
            nxt = self.tokens[self.i]
            if nxt[0] == "=":
                self.i += 1
                if tok[1] in body.attributes:
                    raise self.error(f"attribute {tok[1]!r} is set twice in this block", tok[2])
                value = self.expression()
                body.attributes[str(tok[1])] = Attribute(str(tok[1]), value, self.file, tok[2])
                self.end_item(closing)
            else:
                body.blocks.append(self.block(tok))

    def end_item(self, closing: str | None) -> None:
        tok = self.tokens[self.i]
        if tok[0] == "nl":
            self.i += 1
        elif tok[0] not in ("eof", closing):
            raise self.error(f"expected the end of the line, found {self.describe(tok)}", tok[2])

    def block(self, head: Token) -> Block:
        labels: list[str] = []
        while True:
            tok = self.tokens[self.i]
            if tok[0] == "ident":
                labels.append(str(tok[1]))
                self.i += 1
            elif tok[0] == "oquote":
                self.i += 1
                text = ""
                if self.tokens[self.i][0] == "lit":
                    text = str(self.tokens[self.i][1])
                    self.i += 1
                if self.tokens[self.i][0] != "cquote":
                    raise self.error("a block label must be a plain string", tok[2])
                self.i += 1
                labels.append(text)
            elif tok[0] == "{":
                self.i += 1
                break
            else:
                raise self.error(f"expected a block label or '{{', found {self.describe(tok)}", tok[2])
        saved, self.nesting = self.nesting, 0
        body = self.body("}")
        self.nesting = saved
        self.i += 1  # the closing brace
        self.end_item(None)
        return Block(str(head[1]), labels, body, self.file, head[2])

    # --- expressions --------------------------------------------------------------------------
    def expression(self) -> x.Expr:
        start = self.peek()[2]
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"expression nested more than {MAX_DEPTH} deep", start)
        try:
            return self._conditional(start)
        finally:
            self.depth -= 1

    def _conditional(self, start: int) -> x.Expr:
        cond = self.binary(1)
        if self.peek()[0] != "?":
            return cond
        self.take()
        yes = self.expression()
        self.expect(":", "':' of a conditional")
        no = self.expression()
        return f.Conditional(cond, yes, no, start, no.end)

    def binary(self, lowest: int) -> x.Expr:
        """Precedence climbing: operators binding at least as tightly as ``lowest``."""
        left = self.unary()
        while True:
            op = self.peek()[0]
            level = _BINARY.get(op)
            if level is None or level < lowest:
                return left
            self.take()
            right = self.binary(level + 1)
            left = f.Binary(op, left, right, left.start, right.end)

    def unary(self) -> x.Expr:
        tok = self.peek()
        if tok[0] in ("!", "-"):
            self.take()
            operand = self.unary()
            if tok[0] == "-" and isinstance(operand, x.Literal) and isinstance(operand.value, (int, float)):
                return x.Literal(-operand.value, tok[2], operand.end)
            return f.Unary(tok[0], operand, tok[2], operand.end)
        return self.postfix(self.primary())

    def postfix(self, node: x.Expr) -> x.Expr:
        while True:
            tok = self.tokens[self.i]  # no newline skipping at top level: a new line ends the expression
            if tok[0] == "nl" and self.nesting:
                tok = self.peek()
            if tok[0] == ".":
                self.i += 1
                nxt = self.take()
                if nxt[0] == "*":
                    return self.splat(node, attrs_only=True)
                if nxt[0] not in ("ident", "number"):
                    raise self.error("expected an attribute name after '.'", nxt[2])
                name = str(nxt[1])
                if isinstance(node, x.Traversal):
                    step = ("attr", name) if nxt[0] == "ident" else ("index", int(name))
                    node = x.Traversal(node.root, [*node.steps, step], node.start, self.end_of())
                elif nxt[0] == "number":
                    node = x.Index(node, x.Literal(int(name), nxt[2], self.end_of()), node.start, self.end_of())
                else:
                    node = x.GetAttr(node, name, node.start, self.end_of())
            elif tok[0] == "[":
                self.i += 1
                self.nesting += 1
                if self.peek()[0] == "*":
                    self.take()
                    self.expect("]")
                    self.nesting -= 1
                    return self.splat(node, attrs_only=False)
                key = self.expression()
                self.expect("]", "']'")
                self.nesting -= 1
                if isinstance(node, x.Traversal) and isinstance(key, x.Literal) and isinstance(key.value, (str, int)):
                    node = x.Traversal(node.root, [*node.steps, ("index", key.value)], node.start, self.end_of())
                else:
                    node = x.Index(node, key, node.start, self.end_of())
            else:
                return node

    def splat(self, source: x.Expr, attrs_only: bool) -> x.Expr:
        each: x.Expr = x.SplatItem(self.end_of())
        while True:
            tok = self.peek() if self.nesting else self.tokens[self.i]
            if tok[0] == "." and self.tokens[self.i + 1][0] in ("ident", "number"):
                self.i += 1
                nxt = self.take()
                if nxt[0] == "number":
                    each = x.Index(each, x.Literal(int(str(nxt[1])), nxt[2], self.end_of()), each.start, self.end_of())
                else:
                    each = x.GetAttr(each, str(nxt[1]), each.start, self.end_of())
            elif tok[0] == "[" and not attrs_only:
                self.i += 1
                self.nesting += 1
                if self.peek()[0] == "*":  # a splat inside a splat: it takes the rest of the steps
                    self.take()
                    self.expect("]")
                    self.nesting -= 1
                    each = self.splat(each, attrs_only=False)
                    break
                key = self.expression()
                self.expect("]", "']'")
                self.nesting -= 1
                each = x.Index(each, key, each.start, self.end_of())
            else:
                break
        return self.postfix(x.Splat(source, each, source.start, self.end_of()))

    def primary(self) -> x.Expr:
        tok = self.take()
        kind, start = tok[0], tok[2]
        if kind == "number":
            text = str(tok[1])
            value: Any = float(text) if any(c in text for c in ".eE") else int(text)
            return x.Literal(value, start, self.end_of())
        if kind == "ident":
            name = str(tok[1])
            nxt = self.tokens[self.i]
            if nxt[0] == "(":
                return self.call(name, start)
            if name in _KEYWORDS:
                return x.Literal(_KEYWORDS[name], start, self.end_of())
            return x.Traversal(name, [], start, self.end_of())
        if kind == "oquote":
            return self.template("cquote", start)
        if kind == "oheredoc":
            node = self.template("cheredoc", start)
            if tok[1] and isinstance(node, f.Template):
                _flush(node)
            elif tok[1] and isinstance(node, x.Literal):
                folded = f.Template([node.value], node.start, node.end)
                _flush(folded)
                node = x.Literal(folded.parts[0], node.start, node.end)
            return node
        if kind == "(":
            self.nesting += 1
            inner = self.expression()
            self.expect(")", "')'")
            self.nesting -= 1
            inner.start, inner.end = start, self.end_of()
            return inner
        if kind == "[":
            return self.tuple_expr(start)
        if kind == "{":
            return self.object_expr(start)
        raise self.error(f"expected an expression, found {self.describe(tok)}", start)

    def call(self, name: str, start: int) -> x.Expr:
        self.i += 1
        self.nesting += 1
        args: list[x.Expr] = []
        expand = False
        while self.peek()[0] != ")":
            args.append(self.expression())
            if self.peek()[0] == "...":
                self.take()
                expand = True
            if self.peek()[0] == ",":
                self.take()
            elif self.peek()[0] != ")":
                raise self.error(f"expected ',' or ')' in the call of {name}", self.peek()[2])
        self.take()
        self.nesting -= 1
        return x.Call(name, args, expand, start, self.end_of())

    def tuple_expr(self, start: int) -> x.Expr:
        self.nesting += 1
        if self.peek()[0] == "ident" and self.peek()[1] == "for":
            node = self.for_expr(start, "]")
            self.nesting -= 1
            return node
        items: list[x.Expr] = []
        while self.peek()[0] != "]":
            items.append(self.expression())
            if self.peek()[0] == ",":
                self.take()
            elif self.peek()[0] != "]":
                raise self.error("expected ',' or ']' in a list", self.peek()[2])
        self.take()
        self.nesting -= 1
        if all(type(i) is x.Literal for i in items):  # perf: constant lists are values already
            return x.Literal([i.value for i in items], start, self.end_of())  # type: ignore[attr-defined]
        return x.Tuple(items, start, self.end_of())

    def object_expr(self, start: int) -> x.Expr:
        self.nesting += 1
        if self.peek()[0] == "ident" and self.peek()[1] == "for":
            node = self.for_expr(start, "}")
            self.nesting -= 1
            return node
        items: list[tuple[x.Expr, x.Expr]] = []
        while self.peek()[0] != "}":
            parenthesized = self.peek()[0] == "("
            key = self.expression()
            if isinstance(key, x.Traversal) and not key.steps and not parenthesized:
                key = x.Literal(key.root, key.start, key.end)  # a bare name is the key itself
            sep = self.take()
            if sep[0] not in ("=", ":"):
                raise self.error(f"expected '=' after an object key, found {self.describe(sep)}", sep[2])
            items.append((key, self.expression()))
            if self.peek()[0] == ",":
                self.take()
        self.take()
        self.nesting -= 1
        if all(type(k) is x.Literal and type(v) is x.Literal for k, v in items):  # perf: constant objects
            values = {str(k.value): v.value for k, v in items}  # type: ignore[attr-defined]
            if len(values) == len(items):
                return x.Literal(values, start, self.end_of())
        return x.Object(items, start, self.end_of())

    def for_expr(self, start: int, closing: str) -> x.Expr:
        self.take()  # for
        first = str(self.expect("ident", "a variable name")[1])
        second = None
        if self.peek()[0] == ",":
            self.take()
            second = str(self.expect("ident", "a variable name")[1])
        kw = self.take()
        if kw[0] != "ident" or kw[1] != "in":
            raise self.error("expected 'in' in a for expression", kw[2])
        collection = self.expression()
        self.expect(":", "':' in a for expression")
        key = None
        value = self.expression()
        group = False
        if closing == "}":
            self.expect("=>", "'=>' in an object for expression")
            key, value = value, self.expression()
            if self.peek()[0] == "...":
                self.take()
                group = True
        cond = None
        if self.peek()[0] == "ident" and self.peek()[1] == "if":
            self.take()
            cond = self.expression()
        self.expect(closing, repr(closing))
        key_var, value_var = (first, second) if second is not None else (None, first)
        return f.For(key_var, value_var, collection, key, value, cond, group, start, self.end_of())

    # --- templates ----------------------------------------------------------------------------


def parse_hcl(text: str, path: str) -> Body:
    """Parse one .tf / .tfvars file; InputError with file:line:column when it is not valid HCL."""
    tokens, lexer = tokenize(text, path)
    file = SourceFile(path, text, lexer)
    return _Parser(tokens, file).body(None)


def parse_expression(text: str, path: str) -> tuple[x.Expr, SourceFile]:
    """One expression (a ``-var`` / ``TF_VAR_`` value of a complex type)."""
    tokens, lexer = tokenize(text, path)
    file = SourceFile(path, text, lexer)
    parser = _Parser(tokens, file)
    node = parser.expression()
    while parser.tokens[parser.i][0] == "nl":
        parser.i += 1
    if parser.tokens[parser.i][0] != "eof":
        raise parser.error("expected one expression", parser.tokens[parser.i][2])
    return node, file


__all__ = ["Attribute", "Block", "Body", "SourceFile", "parse_expression", "parse_hcl"]
