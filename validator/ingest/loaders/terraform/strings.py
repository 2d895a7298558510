"""Terraform's string functions, registered in ``functions.FUNCS``, as Terraform's documentation and the Go
functions it names define them: characters are grapheme clusters (``length``, ``substr``, ``strrev``), case
mappings are one character to one, spaces are Go's, paths are cleaned as Go's ``filepath`` cleans them,
patterns are RE2's, matched by RE2 (``regexps``)."""

from __future__ import annotations

import posixpath
import re
import unicodedata
from typing import Any

from validator.ingest.loaders.terraform import printf as _printf  # noqa: F401  (registers format, formatlist)
from validator.ingest.loaders.terraform.budget import METER
from validator.ingest.loaders.terraform.functions import _fail, _int, _list, fn
from validator.ingest.loaders.terraform.regexps import compile_re2, find_all, group_names
from validator.ingest.loaders.terraform.values import EvalError, NotEvaluated, to_string

GO_SPACES = "\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B)))


def graphemes(text: str) -> list[str]:
    """``text`` split into user-perceived characters (Unicode's grapheme clusters, UAX #29): a character with
    the combining marks, variation selectors, emoji modifiers and tags after it, ``\\r\\n``, Hangul syllable
    sequences, pairs of regional indicators (flags) and emoji joined by a zero-width joiner are one each."""
    if text.isascii() and "\r\n" not in text:
        return list(text)
    out: list[str] = []
    for char in text:
        if out and _joins(out[-1], char):
            out[-1] += char
        else:
            out.append(char)
    return out


def _joins(cluster: str, char: str) -> bool:
    last, code = cluster[-1], ord(char)
    if last == "\r":
        return char == "\n"
    if char in "\r\n" or unicodedata.category(char) in ("Cc", "Zl", "Zp"):
        return False
    if unicodedata.category(char) in ("Mn", "Me", "Mc") or char in "\u200c\u200d" or 0xFE00 <= code <= 0xFE0F:
        return True
    if 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F:  # emoji modifiers, tag characters
        return True
    if last == "\u200d" and _pictographic(cluster[0]) and _pictographic(char):
        return True
    if 0x1F1E6 <= code <= 0x1F1FF:  # regional indicators pair up (a flag)
        return len(cluster) == 1 and 0x1F1E6 <= ord(cluster) <= 0x1F1FF
    return _hangul(last, char)


def _pictographic(char: str) -> bool:
    code = ord(char)
    return unicodedata.category(char) == "So" or 0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF


def _hangul(last: str, char: str) -> bool:
    def kind(c: str) -> str:
        code = ord(c)
        if 0x1100 <= code <= 0x115F or 0xA960 <= code <= 0xA97C:
            return "L"
        if 0x1160 <= code <= 0x11A7 or 0xD7B0 <= code <= 0xD7C6:
            return "V"
        if 0x11A8 <= code <= 0x11FF or 0xD7CB <= code <= 0xD7FB:
            return "T"
        if 0xAC00 <= code <= 0xD7A3:
            return "LV" if (code - 0xAC00) % 28 == 0 else "LVT"
        return ""

    a, b = kind(last), kind(char)
    return (
        (a == "L" and b in ("L", "V", "LV", "LVT"))
        or (a in ("LV", "V") and b in ("V", "T"))
        or (a in ("LVT", "T") and b == "T")
    )


def _simple_case(text: str, mapping: str) -> str:
    """Go's per-character case mapping: a character whose full mapping is several (``ß`` → ``SS``) takes
    its one-character mapping where Unicode has one, else stays as it is."""
    if text.isascii():
        return text.upper() if mapping == "upper" else text.lower()
    return "".join(_one_case(char, mapping) for char in text)


def _one_case(char: str, mapping: str) -> str:
    mapped = getattr(char, mapping)()
    if len(mapped) == 1:
        return mapped
    if char == "İ":
        return "i"
    return char.title() if mapping == "upper" and len(char.title()) == 1 else char


def _title(text: str) -> str:
    """Go's strings.Title: each character after a separator (a space, or ASCII other than letters, digits
    and ``_``) in title case."""
    out, separated = [], True
    for char in text:
        out.append(_one_case(char, "title") if separated else char)
        if char.isascii():
            separated = not (char.isalnum() or char == "_")
        else:
            separated = not (char.isalpha() or unicodedata.category(char) == "Nd") and char in GO_SPACES
    return "".join(out)


fn("chomp")(lambda s: re.sub(r"(?:\r\n|\r|\n)+\Z", "", to_string(s)))
fn("lower")(lambda s: _simple_case(to_string(s), "lower"))
fn("upper")(lambda s: _simple_case(to_string(s), "upper"))
fn("title")(lambda s: _title(to_string(s)))
fn("strrev")(lambda s: "".join(reversed(graphemes(to_string(s)))))
fn("trimspace")(lambda s: to_string(s).strip(GO_SPACES))
fn("trim")(lambda s, chars: to_string(s).strip(to_string(chars)))
fn("trimprefix")(lambda s, p: to_string(s).removeprefix(to_string(p)))
fn("trimsuffix")(lambda s, p: to_string(s).removesuffix(to_string(p)))
fn("startswith")(lambda s, p: to_string(s).startswith(to_string(p)))
fn("endswith")(lambda s, p: to_string(s).endswith(to_string(p)))
fn("strcontains")(lambda s, p: to_string(p) in to_string(s))


@fn("indent")
def _indent(spaces: Any, text: Any) -> str:
    count, s = _int(spaces), to_string(text)
    if count < 0:
        raise EvalError("indent(): the number of spaces must not be negative")
    METER.spend(1, len(s) + s.count("\n") * count)  # before building it
    return s.replace("\n", "\n" + " " * count)


@fn("split")
def _split(sep: Any, text: Any) -> list[str]:
    s, separator = to_string(text), to_string(sep)
    return list(s) if separator == "" else s.split(separator)


def _clean(path: str) -> str:
    """Go's filepath.Clean on Unix."""
    cleaned = posixpath.normpath(path) if path else "."
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


@fn("basename")
def _basename(path: Any) -> str:
    s = to_string(path).rstrip("/")
    if not s:
        return "/" if to_string(path) else "."
    return s.rsplit("/", 1)[-1]


@fn("dirname")
def _dirname(path: Any) -> str:
    s = to_string(path)
    return _clean(s[: s.rfind("/") + 1])


@fn("substr")
def _substr(text: Any, offset: Any, length: Any) -> str:
    """Offsets and lengths count grapheme clusters; a negative offset counts from the end, a negative length
    means to the end (cty's substr, which Terraform calls)."""
    chars, start, count = graphemes(to_string(text)), _int(offset), _int(length)
    if start < 0:
        start += len(chars)  # still negative: from the start
    elif count == 0:
        return ""
    rest = chars[start:] if start > 0 else chars  # an offset past the end gives ""
    return "".join(rest if count <= 0 else rest[:count])  # (a length of 0 after a negative offset: the rest)


@fn("join", whole=True)
def _join(sep: Any, *lists: Any) -> str:
    if not lists:
        raise EvalError("join() needs at least one list")
    items = [to_string(i) for lst in lists for i in _list(lst) if i is not None or _fail("join of a null element")]
    separator = to_string(sep)
    METER.spend(len(items), sum(map(len, items)) + len(separator) * len(items))  # before building it
    return separator.join(items)


@fn("replace")
def _replace(s: Any, old: Any, new: Any) -> str:
    text, pattern, replacement = to_string(s), to_string(old), to_string(new)
    if len(pattern) > 1 and pattern.startswith("/") and pattern.endswith("/"):
        matches = list(find_all(compile_re2(pattern[1:-1]), text))
        METER.spend(len(matches), len(text) + len(matches) * len(replacement) * (1 + replacement.count("$")))
        out, done = [], 0
        for m in matches:
            out += [text[done : m.start()], _expand(replacement, m)]
            done = m.end()
        return "".join(out) + text[done:]
    METER.spend(1, len(text) + text.count(pattern) * len(replacement))
    return text.replace(pattern, replacement)


_TEMPLATE = re.compile(r"\$(?:\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))")


def _expand(template: str, match: Any) -> str:
    """Go's Regexp.Expand: ``$1``, ``${1}``, ``$name``, ``${name}``, ``$$``; a name that is no group is empty."""

    def one(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group(1) if m.group(1) is not None else m.group(2)
        try:
            return match.group(int(name) if name.isdigit() else name) or ""
        except IndexError:  # no such group
            return ""

    return _TEMPLATE.sub(one, template)


@fn("regex")
def _regex(pattern: Any, s: Any) -> Any:
    m = compile_re2(to_string(pattern)).search(to_string(s))
    if m is None:
        raise EvalError("pattern did not match any part of the given string")
    return _captures(m)


@fn("regexall")
def _regexall(pattern: Any, s: Any) -> list[Any]:
    return [_captures(m) for m in find_all(compile_re2(to_string(pattern)), to_string(s))]


def _captures(m: Any) -> Any:
    """The whole match, the list of groups, or the map of named groups (regex's documented result; a name
    given twice is the later group's, as in Terraform)."""
    names = group_names(m.re.pattern)
    if len(names) != m.re.groups:
        raise NotEvaluated("has groups palette-policy could not tell apart")
    if any(names) and not all(names):
        raise EvalError("invalid regexp pattern: cannot mix both named and unnamed capture groups")
    if any(names):
        return {name: m.group(i) for i, name in enumerate(names, start=1)}
    if names:
        return list(m.groups())
    return m.group(0)
