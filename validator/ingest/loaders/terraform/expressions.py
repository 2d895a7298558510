"""HCL native syntax: expressions, by recursive descent over the lexer's tokens.

Operator precedence as the HCL native syntax specification gives it (``?:`` < ``||`` < ``&&`` < ``== !=`` <
``< > <= >=`` < ``+ -`` < ``* / %`` < unary), postfix attribute/index/splat access, calls, tuples, objects and
``for`` expressions; constant tuples, objects and negated numbers are folded into literals unless ``fold`` is off.
Bodies and blocks are the config parser's (``parser``); template directives the template parser's.
"""

from __future__ import annotations

from typing import Any

from validator.ingest.loaders.terraform import expr as x
from validator.ingest.loaders.terraform import forms as f
from validator.ingest.loaders.terraform.lexer import Token, number_value
from validator.ingest.loaders.terraform.templates import TemplateParser
from validator.ingest.loaders.terraform.values import is_number

_BINARY = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, ">": 4, "<=": 4, ">=": 4, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6}
_KEYWORDS = {"true": True, "false": False, "null": None}
_ENDS = frozenset({",", "]", "}", ")", ":", "=>", "=", "eof", "tclose"})  # tokens no expression continues with
MAX_DEPTH = 100  # nested expressions; deeper is no real configuration (and would exhaust Python's stack)


class ExpressionParser(TemplateParser):
    """The expression half of the parser: everything an attribute's value, a ``-var`` value or an
    interpolation can hold."""

    fold = True  # constant lists, objects and negated numbers become literals (``parse_hcl(fold=False)``: not)

    def expression(self) -> x.Expr:
        if self._lone_primary():  # perf: most values are one string, number or name
            return self.primary()
        start = self.peek()[2]
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"expression nested more than {MAX_DEPTH} deep", start)
        try:
            return self._conditional(start)
        finally:
            self.depth -= 1

    def _lone_primary(self) -> bool:
        """Whether the next expression is one string without interpolation, one number or one name, with
        nothing after it that could continue it (no operator, access, call or ``?``): then it is what
        ``primary`` reads, without the descent through every precedence level."""
        tokens, i = self.tokens, self.i
        kind = tokens[i][0]
        if kind == "oquote":
            i += 1 if tokens[i + 1][0] == "cquote" else 2 if tokens[i + 1][0] == "lit" else len(tokens)
            if i >= len(tokens) or tokens[i][0] != "cquote":
                return False
        elif kind != "number" and kind != "ident":
            return False
        after = tokens[i + 1][0]
        ends = after in _ENDS or (after == "nl" and not self.skip_nl)
        return ends and self.depth < MAX_DEPTH

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
        """Precedence climbing: operators binding at least as tightly as ``lowest``. Each operator of a
        chain counts as one level of nesting (the tree is as deep as the chain is long)."""
        left = self.unary()
        chained = 0
        try:
            while True:
                op = self.peek()[0]
                level = _BINARY.get(op)
                if level is None or level < lowest:
                    return left
                self.take()
                chained += 1
                self.depth += 1
                if self.depth > MAX_DEPTH:
                    raise self.error(f"expression nested more than {MAX_DEPTH} deep", left.start)
                right = self.binary(level + 1)
                left = f.Binary(op, left, right, left.start, right.end)
        finally:
            self.depth -= chained

    def unary(self) -> x.Expr:
        tok = self.peek()
        if tok[0] in ("!", "-"):
            self.take()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.error(f"expression nested more than {MAX_DEPTH} deep", tok[2])
            try:
                operand = self.unary()
            finally:
                self.depth -= 1
            negated = tok[0] == "-" and type(operand) is x.Literal and is_number(operand.value)
            if self.fold and negated and self.file.text[operand.start] != "(":
                return x.Literal(-operand.value, tok[2], operand.end)  # type: ignore[attr-defined]
            return f.Unary(tok[0], operand, tok[2], operand.end)
        return self.postfix(self.primary())

    def postfix(self, node: x.Expr) -> x.Expr:
        while True:
            tok = self.peek()
            if tok[0] == ".":
                self.i += 1
                nxt = self.peek()
                if nxt[0] == "*":
                    self.i += 1
                    return self.splat(node)
                self.i += 1
                if nxt[0] == "number":
                    position = self.legacy_index(nxt)
                    if isinstance(node, x.Traversal):
                        node = x.Traversal(node.root, [*node.steps, ("index", position)], node.start, self.end_of())
                    else:
                        node = x.Index(node, x.Literal(position, nxt[2], self.end_of()), node.start, self.end_of())
                    continue
                if nxt[0] != "ident":
                    raise self.error("expected an attribute name after '.'", nxt[2])
                name = str(nxt[1])
                if isinstance(node, x.Traversal):
                    node = x.Traversal(node.root, [*node.steps, ("attr", name)], node.start, self.end_of())
                else:
                    node = x.GetAttr(node, name, node.start, self.end_of())
            elif tok[0] == "[":
                self.i += 1
                self.push(True)
                if self.peek()[0] == "*":
                    self.take()
                    self.expect("]", "']' after '[*'")
                    self.pop()
                    each = self.postfix(x.SplatItem(self.end_of()))  # a full splat takes every step after it
                    return x.Splat(node, each, node.start, max(each.end, self.end_of()))
                key = self.expression()
                self.expect("]", "']'")
                self.pop()
                if isinstance(node, x.Traversal) and isinstance(key, x.Literal) and self.literal_key(key):
                    node = x.Traversal(node.root, [*node.steps, ("index", key.value)], node.start, self.end_of())
                else:
                    node = x.Index(node, key, node.start, self.end_of())
            else:
                return node

    def literal_key(self, key: x.Expr) -> bool:
        """Whether an index key is a literal as written (``["k"]``, ``[0]``), a step of a traversal."""
        return (
            type(key) is x.Literal and not isinstance(key.value, (list, dict)) and self.file.text[key.start] not in "(-"
        )

    def legacy_index(self, tok: Token) -> Any:
        """``list.0``: HCL's legacy index (``list.0.1`` is a number 0.1, which HCL refuses)."""
        text = str(tok[1])
        if "." in text:
            raise self.error(f"invalid legacy index .{text}: write [{text.replace('.', '][')}]", tok[2])
        value = self.number(tok)
        return int(value) if isinstance(value, float) and value.is_integer() else value

    def number(self, tok: Token) -> int | float:
        value = number_value(str(tok[1]))
        if value is None:
            raise self.error(f"invalid number literal {tok[1]!r}", tok[2])
        return value

    def splat(self, source: x.Expr) -> x.Expr:
        """``source.*.a.b``: an attribute-only splat (names and legacy indexes, no nested splat)."""
        each: x.Expr = x.SplatItem(self.end_of())
        while self.peek()[0] == ".":
            self.i += 1
            nxt = self.take()
            if nxt[0] == "number":
                position = x.Literal(self.legacy_index(nxt), nxt[2], self.end_of())
                each = x.Index(each, position, each.start, self.end_of())
            elif nxt[0] == "ident":
                each = x.GetAttr(each, str(nxt[1]), each.start, self.end_of())
            else:
                what = "a splat cannot follow '.*'" if nxt[0] == "*" else "expected an attribute name after '.'"
                raise self.error(what, nxt[2])
        return self.postfix(x.Splat(source, each, source.start, self.end_of()))

    def primary(self) -> x.Expr:
        tok = self.take()
        kind, start = tok[0], tok[2]
        if kind == "number":
            return x.Literal(self.number(tok), start, self.end_of())
        if kind == "ident":
            name = str(tok[1])
            nxt = self.peek()[0]
            if nxt == "(" or nxt == "::":
                return self.call(name, start)
            if name in _KEYWORDS:
                return x.Literal(_KEYWORDS[name], start, self.end_of())
            return x.Traversal(name, [], start, self.end_of())
        if kind == "oquote":
            return self.template("cquote", start)
        if kind == "oheredoc":
            return self.template("cheredoc", start, flush=bool(tok[1]))
        if kind == "(":
            self.push(True)
            inner = self.expression()
            self.expect(")", "')'")
            self.pop()
            inner.start, inner.end = start, self.end_of()
            return inner
        if kind == "[":
            return self.tuple_expr(start)
        if kind == "{":
            return self.object_expr(start)
        raise self.error(f"expected an expression, found {self.describe(tok)}", start)

    def call(self, name: str, start: int) -> x.Expr:
        while self.peek()[0] == "::":  # provider::aws::arn_parse
            self.take()
            name += "::" + str(self.expect("ident", "a function name after '::'")[1])
        self.expect("(", f"'(' after {name}")
        self.push(True)
        args: list[x.Expr] = []
        expand = False
        while self.peek()[0] != ")":
            args.append(self.expression())
            sep = self.take()
            if sep[0] == ")":
                break
            if sep[0] == "...":
                expand = True
                self.expect(")", "')' after the expanded argument '...'")
                break
            if sep[0] != ",":
                raise self.error(f"expected ',' or ')' in the call of {name}", sep[2])
        else:
            self.take()
        self.pop()
        return x.Call(name, args, expand, start, self.end_of())

    def tuple_expr(self, start: int) -> x.Expr:
        self.push(True)
        try:
            if self.peek()[0] == "ident" and self.peek()[1] == "for":
                return self.for_expr(start, "]")
            items: list[x.Expr] = []
            while self.peek()[0] != "]":
                items.append(self.expression())
                sep = self.peek()[0]
                if sep == ",":
                    self.take()
                elif sep != "]":
                    raise self.error("expected ',' or ']' in a list", self.peek()[2])
            self.take()
        finally:
            self.pop()
        if self.fold and all(type(i) is x.Literal for i in items):  # perf: constant lists are values already
            return x.Literal([i.value for i in items], start, self.end_of())  # type: ignore[attr-defined]
        return x.Tuple(items, start, self.end_of())

    def object_expr(self, start: int) -> x.Expr:
        self.push(True)
        is_for = self.peek()[0] == "ident" and self.peek()[1] == "for"
        self.pop()
        if is_for:
            self.push(True)
            try:
                return self.for_expr(start, "}")
            finally:
                self.pop()
        self.push(False)  # newlines separate the elements of an object
        try:
            items: list[tuple[x.Expr, x.Expr]] = []
            while True:
                tok = self.peek()
                if tok[0] == "nl":
                    self.i += 1
                    continue
                if tok[0] == "}":
                    self.i += 1
                    break
                parenthesized = tok[0] == "("
                key = self.expression()
                if isinstance(key, x.Traversal) and not key.steps and not parenthesized:
                    key = x.Literal(key.root, key.start, key.end)  # a bare name is the key itself
                sep = self.take()
                if sep[0] not in ("=", ":"):
                    raise self.error(f"expected '=' after an object key, found {self.describe(sep)}", sep[2])
                items.append((key, self.expression()))
                nxt = self.take()
                if nxt[0] == "}":
                    break
                if nxt[0] not in (",", "nl"):
                    found = self.describe(nxt)
                    raise self.error(f"expected a new line or ',' after an object element, found {found}", nxt[2])
        finally:
            self.pop()
        if self.fold and all(type(k) is x.Literal and type(v) is x.Literal for k, v in items):  # perf: constant objects
            values = {str(k.value): v.value for k, v in items}  # type: ignore[attr-defined]
            if len(values) == len(items) and all(type(k.value) is str for k, _ in items):  # type: ignore[attr-defined]
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
        if self.peek()[0] == "=>":
            arrow = self.take()
            if closing == "]":
                raise self.error("a key (=>) is only for a for expression that builds an object ({ })", arrow[2])
            key, value = value, self.expression()
        elif closing == "}":
            raise self.error("expected '=>' in an object for expression", self.peek()[2])
        group = False
        if self.peek()[0] == "...":
            dots = self.take()
            if closing == "]":
                raise self.error("grouping (...) is only for a for expression that builds an object", dots[2])
            group = True
        cond = None
        if self.peek()[0] == "ident" and self.peek()[1] == "if":
            self.take()
            cond = self.expression()
        self.expect(closing, repr(closing))
        key_var, value_var = (first, second) if second is not None else (None, first)
        return f.For(key_var, value_var, collection, key, value, cond, group, start, self.end_of())
