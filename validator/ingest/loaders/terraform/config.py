"""A module's configuration: the blocks of every ``.tf`` / ``.tf.json`` file of one folder, by kind.

Each folder is parsed once per run and shared by every instance of the module (``ConfigCache``).
``override.tf`` and ``*_override.tf`` files are merged into the blocks they override, as Terraform does.
Module sources resolve as ``terraform init`` installs them: a local path (``./``, ``../``) is read from
the repository; any other source is read from ``.terraform/modules`` when ``terraform init`` was run
(``modules.json`` maps module keys to folders), else the module cannot be expanded.

Every file is read through the one reader (``ingest/reader.py``), under the run's read scope: a module
folder must stay inside the repository or an ``--allow-outside`` folder (else a located error), a local
module's files must be ones the scan admitted (not ignored, not skipped), and evidence hashes what was read.
"""

from __future__ import annotations

import json
import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from validator.ingest.loaders.terraform import expr as x
from validator.ingest.loaders.terraform.lexer import decode
from validator.ingest.loaders.terraform.parser import Attribute, Block, Body, SourceFile, parse_expression, parse_hcl
from validator.ingest.reader import current_scope, read_bytes
from validator.model.errors import InputError

JSON_BLOCKS = {"ingress", "egress", "entry", "dynamic", "content", "lifecycle", "filter", "timeouts", "validation"}


@dataclass
class ModuleConfig:
    """One folder's blocks. ``display`` is the folder's path as reports show it."""

    directory: Path
    display: str
    variables: dict[str, Block] = field(default_factory=dict)
    locals: dict[str, Attribute] = field(default_factory=dict)
    outputs: dict[str, Block] = field(default_factory=dict)
    resources: dict[tuple[str, str], Block] = field(default_factory=dict)
    data: dict[tuple[str, str], Block] = field(default_factory=dict)
    modules: dict[str, Block] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    types: dict[str, Any] = field(default_factory=dict)  # variables' parsed type constraints (shared by instances)


def display_path(folder: str, name: str) -> str:
    joined = f"{folder}/{name}" if folder not in ("", ".") else name
    return posixpath.normpath(joined)


def _is_override(name: str) -> bool:
    stem = name.removesuffix(".json").removesuffix(".tf")
    return stem == "override" or stem.endswith("_override")


def read_config(directory: Path, display: str, names: list[str] | None = None) -> ModuleConfig:
    """Parse the Terraform files of ``directory`` (``names``: the admitted file names; default all)."""
    if names is None:
        names = sorted(p.name for p in directory.iterdir() if p.name.endswith((".tf", ".tf.json")) and p.is_file())
    config = ModuleConfig(directory, display)
    overrides: list[Body] = []
    for name in sorted(names):
        path = display_path(display, name)
        data = read_bytes(directory / name, path, root=current_scope().root)
        text = decode(data, path, hcl=not name.endswith(".json"))
        body = parse_json_config(text, path) if name.endswith(".json") else parse_hcl(text, path)
        config.files.append(path)
        if _is_override(name):
            overrides.append(body)
        else:
            _add(config, body, path)
    for body in overrides:
        _override(config, body)
    _check_types(config)
    return config


def _check_types(config: ModuleConfig) -> None:
    """Every variable's type constraint, parsed once; Terraform rejects an unknown type before planning."""
    from validator.ingest.loaders.terraform.types import ANY, parse_type
    from validator.ingest.loaders.terraform.values import EvalError

    for name, block in config.variables.items():
        attr = block.body.attributes.get("type")
        try:
            config.types[name] = parse_type(attr.expr) if attr is not None else ANY
        except EvalError as exc:
            assert attr is not None
            raise InputError(
                f"variable {name!r}: invalid type {attr.text()!r} ({exc})",
                file=attr.file.path,
                line=attr.line,
                hint="use string, number, bool, list(…), set(…), map(…), object({…}), tuple([…]) or any",
            ) from None


def _add(config: ModuleConfig, body: Body, path: str) -> None:
    for block in body.blocks:
        kind, labels = block.type, block.labels
        if kind == "locals":
            for name, attr in block.body.attributes.items():
                _unique(config.locals, name, attr, f"local.{name}")
        elif kind == "resource" and len(labels) == 2:
            _unique(config.resources, (labels[0], labels[1]), block, f"{labels[0]}.{labels[1]}")
        elif kind == "data" and len(labels) == 2:
            _unique(config.data, (labels[0], labels[1]), block, f"data.{labels[0]}.{labels[1]}")
        elif kind == "variable" and len(labels) == 1:
            _unique(config.variables, labels[0], block, f"var.{labels[0]}")
        elif kind == "output" and len(labels) == 1:
            _unique(config.outputs, labels[0], block, f"output.{labels[0]}")
        elif kind == "module" and len(labels) == 1:
            _unique(config.modules, labels[0], block, f"module.{labels[0]}")


def _unique(table: dict[Any, Any], key: object, item: Attribute | Block, what: str) -> None:
    if key in table:
        raise InputError(
            f"{what} is declared twice (also at {table[key].file.path}:{table[key].line})",
            file=item.file.path,
            line=item.line,
            hint="Terraform rejects duplicate declarations; remove one",
        )
    table[key] = item


def _override(config: ModuleConfig, body: Body) -> None:
    """Merge an override file: its attributes replace the original's, its nested blocks replace those
    of the same type (Terraform's override rules, locals by name)."""
    for block in body.blocks:
        labels = block.labels
        target: Block | None = None
        if block.type == "locals":
            config.locals.update(block.body.attributes)
            continue
        if block.type == "resource" and len(labels) == 2:
            target = config.resources.get((labels[0], labels[1]))
        elif block.type == "data" and len(labels) == 2:
            target = config.data.get((labels[0], labels[1]))
        elif block.type in ("variable", "output", "module") and len(labels) == 1:
            target = {"variable": config.variables, "output": config.outputs, "module": config.modules}[block.type].get(
                labels[0]
            )
        if target is None:
            continue
        target.body.attributes.update(block.body.attributes)
        replaced = {b.type for b in block.body.blocks}
        target.body.blocks = [b for b in target.body.blocks if b.type not in replaced] + block.body.blocks


# --- JSON syntax -------------------------------------------------------------------------------
def parse_json_config(text: str, path: str) -> Body:
    """Terraform's JSON syntax → the same bodies as HCL: strings are templates, nested objects of the
    known block types are blocks."""
    from validator.ingest.documents import line_of, load_document

    doc = load_document(text, path)
    if not isinstance(doc, dict):
        raise InputError("a .tf.json file must hold an object", file=path, line=1)
    file = SourceFile(path, text)
    body = Body()
    label_depth = {"resource": 2, "data": 2, "variable": 1, "output": 1, "module": 1, "provider": 1}
    for kind, value in doc.items():
        for item in value if isinstance(value, list) else [value]:
            if kind == "locals":
                body.blocks.append(Block("locals", [], _json_body(item, file, path), file, 0, line_of(item) or 1))
            elif kind in label_depth:
                _json_labelled(body, kind, item, label_depth[kind], [], file, path)
    return body


def _json_labelled(body: Body, kind: str, item: object, depth: int, labels: list[str], file: SourceFile,
                   path: str) -> None:  # fmt: skip
    from validator.ingest.documents import line_of

    if not isinstance(item, dict):
        raise InputError(f"a {kind} entry must be an object", file=path, line=line_of(item))
    if depth == 0:
        body.blocks.append(Block(kind, labels, _json_body(item, file, path), file, 0, line_of(item) or 1))
        return
    for label, inner in item.items():
        for one in inner if isinstance(inner, list) else [inner]:
            _json_labelled(body, kind, one, depth - 1, [*labels, str(label)], file, path)


def _json_body(obj: object, file: SourceFile, path: str) -> Body:
    from validator.ingest.documents import child_line, line_of

    body = Body()
    if not isinstance(obj, dict):
        raise InputError("a block must be an object", file=path, line=line_of(obj))
    for name, value in obj.items():
        line = child_line(obj, name) or line_of(obj) or 1
        items = value if isinstance(value, list) else [value]
        if name in JSON_BLOCKS and items and all(isinstance(i, dict) for i in items):
            for item in items:
                labels: list[str] = []
                if name == "dynamic":
                    for label, inner in item.items():
                        body.blocks.append(Block("dynamic", [str(label)], _json_body(inner, file, path), file, 0, line))
                    continue
                body.blocks.append(Block(str(name), labels, _json_body(item, file, path), file, 0, line))
        else:
            expression, source = _json_expr(value, path)
            body.attributes[str(name)] = Attribute(str(name), expression, source, 0, line)
    return body


def _json_expr(value: object, path: str) -> tuple[x.Expr, SourceFile]:
    """A JSON value as an expression: strings are templates (``"${var.x}"``), the rest literal."""
    if isinstance(value, str):
        quoted = json.dumps(value)
        return parse_expression(quoted, path)
    if isinstance(value, dict):
        items: list[tuple[x.Expr, x.Expr]] = []
        for k, v in value.items():
            items.append((x.Literal(str(k), 0, 0), _json_expr(v, path)[0]))
        return x.Object(items, 0, 0), SourceFile(path, "")
    if isinstance(value, list):
        return x.Tuple([_json_expr(v, path)[0] for v in value], 0, 0), SourceFile(path, "")
    return x.Literal(value, 0, 0), SourceFile(path, "")


# --- module sources ----------------------------------------------------------------------------
def is_local_source(source: str) -> bool:
    return source.startswith(("./", "../")) or source in (".", "..")


def installed_modules(root: Path, display: str) -> dict[str, Path]:
    """``terraform init``'s record of where each non-local module was installed (key → folder)."""
    manifest = root / ".terraform" / "modules" / "modules.json"
    try:
        data = json.loads(read_bytes(manifest, display_path(display, ".terraform/modules/modules.json"),
                                     root=current_scope().root))  # fmt: skip
    except (InputError, ValueError):
        return {}
    out: dict[str, Path] = {}
    for entry in data.get("Modules") or [] if isinstance(data, dict) else []:
        if isinstance(entry, dict) and entry.get("Key") and isinstance(entry.get("Dir"), str):
            out[str(entry["Key"])] = root / entry["Dir"]
    return out


@dataclass
class Run:
    """What one root's evaluation shares: parsed folders, the root's settings, the files read."""

    root: Path
    workspace: str = "default"
    configs: dict[Path, ModuleConfig] = field(default_factory=dict)
    installed: dict[str, Path] | None = None
    files_read: list[str] = field(default_factory=list)
    root_display: str = ""
    excluded: frozenset[str] = frozenset()  # display paths the scan did not admit (folders end with "/")

    def config(self, directory: Path, display: str, names: list[str] | None = None) -> ModuleConfig:
        key = directory.resolve()
        found = self.configs.get(key)
        if found is None:
            found = self.configs[key] = read_config(directory, display, names)
            self.files_read.extend(found.files)
        return found

    def source(self, source: str, directory: Path, display: str, call: Block, local: bool) -> ModuleConfig | str:
        """The configuration of the module folder ``source`` names, or why it is not read: missing, or (a
        local source) none of its files admitted by the scan. A folder outside the repository and the
        ``--allow-outside`` ones is an error located at the call."""
        real = os.path.realpath(directory)
        if current_scope().root is not None and not current_scope().permits(real):
            raise InputError(
                f"module source {source!r} is outside the repository (at {real}); not read",
                file=call.file.path,
                line=call.line,
                hint="copy the module into the repository, or pass --allow-outside PATH",
            )
        if not directory.is_dir():
            return "is not a folder in the repository"
        names = sorted(p.name for p in directory.iterdir() if p.name.endswith((".tf", ".tf.json")) and p.is_file())
        admitted = [n for n in names if not local or self.admits(display_path(display, n))]
        if names and not admitted:
            return "holds only files the scan does not read (ignored or skipped)"
        return self.config(directory, display, admitted)

    def admits(self, display: str) -> bool:
        """Whether the scan admitted this file: neither it nor a folder above it ignored or skipped."""
        parts = display.split("/")
        folders = ("/".join(parts[:i]) + "/" for i in range(1, len(parts)))
        return display not in self.excluded and not any(f in self.excluded for f in folders)

    def installed_dir(self, key: str) -> Path | None:
        if self.installed is None:
            self.installed = installed_modules(self.root, self.root_display)
        return self.installed.get(key)
