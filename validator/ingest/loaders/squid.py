"""squid.conf → the model's ``SquidConfig``: ACLs, http_access, http_port, ssl_bump, include.

Parsing follows squid-cache/squid ``src/cf.data.pre`` (acl, http_access); what Squid decides for a request
is ``analysis/squid.py`` (docs/semantics.md S1–S4). Parsing facts:

- Several ``acl`` lines with one name add values.
- Predefined ACLs: all, manager, localhost, to_localhost and the method ACL CONNECT (Squid ≥4), and
  to_linklocal (Squid ≥6; Squid 5 rejects a config that uses it undefined — we accept it). A config may
  redefine them; a same-type redefinition adds values (as for any ACL), a different type replaces the
  predefined one (old configs have ``acl manager proto cache_object``).
- An http_access line without ACLs is ignored, also for the implicit default (observed with Squid 5.7).
  Method values and ACL names compare case-insensitively (also observed; Squid's ACL::FindByName uses
  strcasecmp).
- ACL values are compiled to sets by ``squid_acls``; host names in ``src``/``dst`` ACLs are kept unresolved
  (Squid resolves them once, at startup).

Unknown directives are ignored (Squid has hundreds). ``include`` paths and ``acl … "file"`` lists are
resolved relative to the file that names them (falling back to the main config's directory); include
takes globs.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

from validator.ingest.loaders.squid_acls import PREDEFINED, compile_values
from validator.ingest.reader import current_scope, read_text
from validator.model.errors import InputError
from validator.model.proxy import AccessLine, Acl, AclLine, AclRef, Listener, SquidConfig
from validator.model.rules import SourceRef

MAX_INCLUDE_DEPTH = 16  # Squid's own limit for nested include


def looks_like_squid(text: str) -> bool:
    """A .conf file is read as squid.conf only when it has Squid's access or port directives."""
    return any(
        line.lstrip().startswith(("http_access", "http_port", "https_port", "acl ")) for line in text.splitlines()
    )


def load_squid(path: str | os.PathLike[str]) -> SquidConfig:
    """Parse a squid.conf file and everything it includes; InputError(file, line) on bad syntax."""
    path = os.fspath(path)
    config = _new_config(path)
    _parse_file(config, path, depth=0, stack=())
    return config


def parse_squid_text(text: str, file: str = "squid.conf") -> SquidConfig:
    """Parse squid.conf text (includes and ACL files are resolved relative to ``file``)."""
    config = _new_config(file)
    _parse_lines(config, file, text, depth=0, stack=(os.path.abspath(file),))
    return config


def _new_config(path: str) -> SquidConfig:
    config = SquidConfig(path=path)
    for name, (typ, values) in PREDEFINED.items():
        acl = Acl(name=name, type=typ, predefined=True)
        compile_values(acl, values, (), SourceRef("(predefined)"))
        config.acls[name.lower()] = acl
    return config


def _read(path: str, ref_file: str | None = None, ref_line: int | None = None) -> str:
    """An included file or ACL list, through the one reader: inside the repository, a regular file,
    within the size limit (``include /dev/zero`` or a FIFO is refused, not read)."""
    try:
        return read_text(Path(path), path, root=current_scope().root)
    except InputError as exc:
        if ref_file is None:
            raise
        reason = exc.message.removeprefix("cannot read file: ")
        raise InputError(
            f"cannot read {path}: {reason}",
            file=ref_file,
            line=ref_line,
            hint=exc.hint
            or "check the path (relative paths are resolved from the directory of the file that names them)",
        ) from None


def _parse_file(
    config: SquidConfig, path: str, depth: int, stack: tuple[str, ...], ref: SourceRef | None = None
) -> None:
    real = os.path.abspath(path)
    if real in stack:
        raise InputError(
            f"include cycle: {path} includes itself",
            file=ref.file if ref else path,
            line=ref.line if ref else None,
            hint="remove the circular include",
        )
    text = _read(path, ref.file if ref else None, ref.line if ref else None)
    _parse_lines(config, path, text, depth, (*stack, real))


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Join backslash continuations; return (first line number, text) without comments."""
    out: list[tuple[int, str]] = []
    buf = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r\n")
        if not buf:
            start = number
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        out.append((start, buf))
        buf = ""
    if buf:
        out.append((start, buf))
    return out


def _tokens(text: str, file: str, line: int) -> list[str]:
    """Split on white space; a token starting with '#' begins a comment; "quoted" stays one token."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n or text[i] == "#":
            break
        if text[i] == '"':
            j = text.find('"', i + 1)
            if j < 0:
                raise InputError(
                    "unterminated quoted value",
                    file=file,
                    line=line,
                    hint='close the quote: acl NAME TYPE "/path/to/list"',
                )
            out.append(text[i : j + 1])
            i = j + 1
            continue
        j = i
        while j < n and not text[j].isspace():
            j += 1
        out.append(text[i:j])
        i = j
    return out


def _parse_lines(config: SquidConfig, file: str, text: str, depth: int, stack: tuple[str, ...]) -> None:
    config.files.append(file)
    base = os.path.dirname(file)
    for number, logical in _logical_lines(text):
        toks = _tokens(logical, file, number)
        if not toks:
            continue
        ref = SourceRef(file, number)
        directive = toks[0]
        args = toks[1:]
        if directive == "acl":
            _parse_acl(config, args, ref, base)
        elif directive in ("http_access", "ssl_bump"):
            _parse_access(config, directive, args, ref)
        elif directive in ("http_port", "https_port"):
            _parse_port(config, directive, args, ref)
        elif directive == "include":
            _parse_include(config, args, ref, base, depth, stack)
        # every other directive is ignored on purpose


def _locate(config: SquidConfig, name: str, base: str) -> str:
    """A relative path from the directory of the file that names it, else from the main config's."""
    if os.path.isabs(name):
        return name
    first = os.path.join(base, name)
    if glob.has_magic(name) and glob.glob(first) or os.path.exists(first):
        return first
    second = os.path.join(os.path.dirname(config.path), name)
    if glob.has_magic(name) and glob.glob(second) or os.path.exists(second):
        return second
    return first


def _parse_include(
    config: SquidConfig, args: list[str], ref: SourceRef, base: str, depth: int, stack: tuple[str, ...]
) -> None:
    if not args:
        raise InputError("include needs a file name or glob", file=ref.file, line=ref.line)
    if depth + 1 > MAX_INCLUDE_DEPTH:
        raise InputError(
            f"includes nested deeper than {MAX_INCLUDE_DEPTH} levels",
            file=ref.file,
            line=ref.line,
            hint="Squid refuses this too; check for an include loop",
        )
    for pattern in args:
        pattern = pattern.strip('"')
        full = _locate(config, pattern, base)
        if glob.has_magic(full):
            for match in sorted(glob.glob(full)):
                _parse_file(config, match, depth + 1, stack, ref)
        else:
            if not os.path.exists(full):
                raise InputError(
                    f"included file {pattern} does not exist", file=ref.file, line=ref.line, hint=f"looked for {full}"
                )
            _parse_file(config, full, depth + 1, stack, ref)


def _parse_port(config: SquidConfig, directive: str, args: list[str], ref: SourceRef) -> None:
    if not args:
        raise InputError(
            f"{directive} needs a port",
            file=ref.file,
            line=ref.line,
            hint=f"e.g. {directive} 3128 or {directive} 10.0.0.5:3128",
        )
    spec = args[0]
    address: str | None = None
    port_text = spec
    if spec.startswith("["):  # [ipv6]:port
        end = spec.find("]")
        if end < 0 or not spec[end + 1 :].startswith(":"):
            raise InputError(f"bad {directive} address {spec!r}", file=ref.file, line=ref.line, hint="use [ipv6]:port")
        address, port_text = spec[1:end], spec[end + 2 :]
    elif ":" in spec:
        address, port_text = spec.rsplit(":", 1)
    if not port_text.isdigit() or not 0 < int(port_text) <= 65535:
        raise InputError(
            f"bad {directive} port {spec!r}", file=ref.file, line=ref.line, hint="a port is a number 1-65535"
        )
    config.listeners.append(Listener(directive, address, int(port_text), tuple(args[1:]), ref))


def _parse_access(config: SquidConfig, directive: str, args: list[str], ref: SourceRef) -> None:
    if not args:
        raise InputError(f"{directive} needs an action", file=ref.file, line=ref.line)
    action = args[0]
    if directive == "http_access" and action not in ("allow", "deny"):
        raise InputError(
            f"http_access action must be allow or deny, not {action!r}",
            file=ref.file,
            line=ref.line,
            hint="http_access allow|deny [!]acl …",
        )
    items: list[AclRef] = []
    for tok in args[1:]:
        negated = tok.startswith("!")
        name = tok[1:] if negated else tok
        if not name:
            raise InputError(f"empty ACL name in {directive}", file=ref.file, line=ref.line)
        if name.lower() not in config.acls:
            raise InputError(
                f"{directive} uses ACL {name!r}, which is not defined above",
                file=ref.file,
                line=ref.line,
                hint=f"define it first: acl {name} TYPE VALUES",
            )
        items.append(AclRef(config.acls[name.lower()].name, negated))
    if not items:
        # Squid (checked with 5.7) skips such a line entirely: it neither matches nor counts as the last
        # line for the implicit default
        config.notes.append(f"{ref.location()}: {directive} {action} without ACLs is ignored by Squid")
        return
    line = AccessLine(directive, action, tuple(items), ref)
    (config.http_access if directive == "http_access" else config.ssl_bump).append(line)


def _parse_acl(config: SquidConfig, args: list[str], ref: SourceRef, base: str) -> None:
    if len(args) < 2:
        raise InputError("acl needs a name and a type", file=ref.file, line=ref.line, hint="acl NAME TYPE VALUE …")
    name, typ = args[0], args[1]
    rest = args[2:]
    flags: list[str] = []
    while rest and rest[0].startswith("-") and len(rest[0]) > 1 and not rest[0][1].isdigit():
        if rest[0] == "--":
            rest = rest[1:]
            break
        flags.append(rest[0])
        rest = rest[1:]
    values: list[str] = []
    files: list[str] = []
    for tok in rest:
        if len(tok) >= 2 and tok.startswith('"') and tok.endswith('"'):
            listed = tok[1:-1]
            full = _locate(config, listed, base)
            files.append(full)
            content = _read(full, ref.file, ref.line)
            for raw in content.splitlines():
                stripped = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
                values.extend(stripped.split())
        else:
            values.append(tok)
    key = name.lower()
    existing = config.acls.get(key)
    if existing is not None and existing.type != typ:
        if existing.predefined and not existing.lines:
            config.notes.append(f"{ref.location()}: acl {name} redefines the predefined {existing.type} ACL as {typ}")
            existing = None
        else:
            raise InputError(
                f"acl {name} was defined as type {existing.type} at {existing.where()}, cannot add type {typ}",
                file=ref.file,
                line=ref.line,
                hint="use a different ACL name for a different type",
            )
    if existing is None:
        existing = Acl(name=name, type=typ)
        config.acls[key] = existing
    line = AclLine(name, typ, tuple(flags), tuple(values), ref, tuple(files))
    existing.lines.append(line)
    compile_values(existing, values, tuple(flags), ref)
