"""Backend for a running OPA server (``--opa-url``) through ``opa-python-client``.

For teams that already run OPA as their policy decision point, which other teams' policies share: a run
never touches the server's root document nor another run. Each run gets an id (``<UTC time>-<random>``) and
everything it sends lives under it: module ``f`` is uploaded as policy ``palette-policy/<run>/f`` with its
package moved to ``palette_policy_runs.<run>.<package>`` and every ``data`` reference to
``data.palette_policy_runs.<run>`` (rewritten on the parsed module's spans, never in strings or comments);
the data document goes to ``PUT /v1/data/palette_policy_runs/<run>``; ``evaluate("data.x")`` reads
``/v1/data/palette_policy_runs/<run>/x``. ``close()`` deletes the run's policies and data (the pipeline
calls it in ``finally``), and a run removes what runs older than a day left behind (a killed process).
The client is built with keyword arguments, Rego v1 is sent as-is (``rego_compat=False``), and its
catch-all exceptions are turned back into one clear InputError.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from validator.model.errors import InputError
from validator.policy.engine.rego_ast import check_sandbox, parse_module

POLICY_PREFIX = "palette-policy"
DATA_ROOT = "palette_policy_runs"
STALE_AFTER = 24 * 3600  # seconds after which another run's leftovers are removed
_DATA_REF = re.compile(r"^data(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_RUN_ID = re.compile(r"^r(\d{8}T\d{6}Z)_[0-9a-f]{8}$")


def new_run_id(now: float | None = None) -> str:
    """``r20260131T120000Z_1a2b3c4d``: sortable, a valid Rego identifier and URL segment."""
    return time.strftime("r%Y%m%dT%H%M%SZ_", time.gmtime(now)) + secrets.token_hex(4)


def policy_id(name: str, run: str) -> str:
    """The OPA policy id a module is uploaded as: ``palette-policy/<run>/<file name>``."""
    return f"{POLICY_PREFIX}/{run}/{quote(name.lstrip('/'), safe='/._-')}"


def relocate(name: str, source: str, run: str) -> tuple[str, dict[int, list[tuple[int, int]]]]:
    """The module with its package and ``data`` references moved under the run's root, and per line the
    (column, characters added) of each insertion, to map the server's error columns back."""
    import regorus

    engine = regorus.Engine()
    engine.add_policy(name, source)  # parsed before (parse_module), so this succeeds
    tree = json.loads(engine.get_ast_as_json())[0]["ast"]
    root = f"{DATA_ROOT}.{run}"
    spans: list[tuple[int, int, int, int, str]] = []  # start, end, line, col, replacement
    package = tree["package"]["refr"]
    first = package
    while isinstance(first, dict) and ("RefDot" in first or "RefBrack" in first):
        first = next(iter(first.values()))["refr"]
    span = next(iter(first.values()))["span"]
    spans.append((span["start"], span["start"], span["line"], span["col"], root + "."))
    for node in _data_vars([tree.get("imports", []), tree.get("rules", [])]):
        span = node["span"]
        spans.append((span["start"], span["end"], span["line"], span["col"], f"data.{root}"))
    raw = source.encode()
    out: list[bytes] = []
    shifts: dict[int, list[tuple[int, int]]] = {}
    last = 0
    for start, end, line, col, text in sorted(spans):
        out += [raw[last:start], text.encode()]
        last = end
        shifts.setdefault(line, []).append((col, len(text) - (end - start)))
    out.append(raw[last:])
    return b"".join(out).decode(), shifts


def _data_vars(node: Any) -> list[dict[str, Any]]:
    found = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            var = item.get("Var")
            if isinstance(var, dict) and var.get("value") == "data" and len(item) == 1:
                found.append(var)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _verify_with(session: Any, ca_file: str) -> None:
    """Verify the server against ``ca_file``, even where REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE are set: requests
    lets those override a session's ``verify`` (they win over everything but a per-request value)."""
    merge = session.merge_environment_settings

    def merged(*args: Any, **kwargs: Any) -> Any:
        settings = merge(*args, **kwargs)
        settings["verify"] = ca_file
        return settings

    session.verify = ca_file
    session.merge_environment_settings = merged


class OpaServerEngine:
    """A remote OPA reached over its REST API; same interface as the embedded engine."""

    name = "opa"

    def __init__(self, url: str, token: str | None = None, timeout: float = 30.0, ca_file: Path | None = None) -> None:
        from opa_client import OpaClient

        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - parsed lazily: a bad port or bracket is found here
        except ValueError as exc:
            raise InputError(
                f"--opa-url {url!r} is not a valid URL ({exc})", hint="e.g. --opa-url http://localhost:8181"
            ) from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InputError(f"--opa-url {url!r} is not an http(s) URL", hint="e.g. --opa-url http://localhost:8181")
        if parts.path not in ("", "/") or parts.query:
            raise InputError(
                f"--opa-url {url!r} has a path; OPA's API must be served at the root",
                hint="give only scheme, host and port, e.g. https://opa.example.com:8181",
            )
        try:
            port = parts.port or (443 if parts.scheme == "https" else 8181)
        except ValueError:
            raise InputError(f"--opa-url {url!r} has an invalid port") from None
        if ca_file is not None and parts.scheme != "https":
            raise InputError("--opa-ca-file needs an https --opa-url")
        if ca_file is not None and not Path(ca_file).is_file():
            raise InputError(f"--opa-ca-file {ca_file}: no such file")
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname  # an IPv6 address
        self.url = f"{parts.scheme}://{host}:{port}"
        self.run = new_run_id()
        self._client = OpaClient(
            host=host, port=port, ssl=parts.scheme == "https", token=token, timeout=timeout, retries=1
        )
        if ca_file is not None:
            _verify_with(self._client._session, str(ca_file))
        self._version: str | None = None
        self._uploaded: list[str] = []
        self._data_written = False
        self._shifts: dict[str, dict[int, list[tuple[int, int]]]] = {}

    @property
    def version(self) -> str:
        if self._version is None:
            try:
                rows = self._client.ad_hoc_query(query="v := opa.runtime().version").get("result") or []
                self._version = str(rows[0]["v"]) if rows and "v" in rows[0] else "unknown"
            except Exception:
                self._version = "unknown"
        return self._version

    @property
    def description(self) -> str:
        return f"OPA {self.version} at {self.url}"

    def _fail(self, exc: Exception, doing: str) -> InputError:
        """One clear InputError from whatever the client or requests raised."""
        import requests

        code = getattr(exc, "expression", None)
        message = getattr(exc, "message", None) or str(exc)
        response = getattr(exc, "response", None)
        status = getattr(response, "status_code", None)
        if code == "unauthorized" or status in (401, 403):
            return InputError(
                f"OPA at {self.url} refused {doing}: unauthorized",
                hint="check the token (PALETTE_POLICY_OPA_TOKEN or --opa-token-file; sent as a Bearer token)",
            )
        if isinstance(exc, requests.exceptions.SSLError):
            return InputError(
                f"TLS with OPA at {self.url} failed while {doing}: {exc}",
                hint="give the CA that signed the server's certificate with --opa-ca-file",
            )
        if isinstance(exc, requests.ConnectionError | requests.Timeout):
            return InputError(
                f"cannot reach OPA at {self.url} while {doing}: {type(exc).__name__}",
                hint="check --opa-url, --opa-timeout and that OPA is running",
            )
        if status is not None:
            try:
                body = response.json()  # type: ignore[union-attr]
                message = f"{body.get('code')}: {body.get('message')}"
            except ValueError:
                message = f"HTTP {status}"
        message = message.replace(f"{POLICY_PREFIX}/{self.run}/", "").replace(f"{DATA_ROOT}.{self.run}.", "")
        return InputError(f"OPA at {self.url} failed while {doing}: {code + ': ' if code else ''}{message}")

    def load(self, modules: dict[str, str], data: dict[str, Any]) -> None:
        from opa_client.errors import RegoParseError

        infos = [parse_module(name, source) for name, source in modules.items()]
        check_sandbox(infos)
        self._sweep()
        try:
            self._client.update_or_create_data(new_data=data, endpoint=f"{DATA_ROOT}/{self.run}")
        except Exception as exc:
            raise self._fail(exc, "uploading data") from None
        self._data_written = True
        for name, source in modules.items():
            pid = policy_id(name, self.run)
            moved, self._shifts[name] = relocate(name, source, self.run)
            try:
                self._client.update_policy_from_string(new_policy=moved, endpoint=pid, rego_compat=False)
            except RegoParseError as exc:
                raise self._compile_error(exc, name) from None
            except Exception as exc:
                raise self._fail(exc, f"uploading {name}") from None
            self._uploaded.append(pid)

    def _sweep(self) -> None:
        """Remove what runs older than ``STALE_AFTER`` left (their process was killed before ``close``)."""
        try:
            ids = self._client.get_policies_list()
        except Exception as exc:
            raise self._fail(exc, "listing policies") from None
        cutoff = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() - STALE_AFTER))
        stale: dict[str, list[str]] = {}
        for pid in ids:
            prefix, _, rest = pid.partition("/")
            run = rest.partition("/")[0]
            match = _RUN_ID.match(run)
            if prefix == POLICY_PREFIX and match and match.group(1) < cutoff:
                stale.setdefault(run, []).append(pid)
        for run, pids in sorted(stale.items()):
            self._remove(run, pids)

    def _remove(self, run: str, pids: list[str]) -> None:
        """Data first: while any policy is left, a later sweep still sees the run."""
        with contextlib.suppress(Exception):  # best effort: absent already, or the server is gone
            self._client.delete_data(data_name=f"{DATA_ROOT}/{run}")
        for pid in pids:
            with contextlib.suppress(Exception):
                self._client.delete_policy(policy_name=pid)

    def _compile_error(self, exc: Any, name: str) -> InputError:
        if exc.expression == "unauthorized":
            return self._fail(exc, f"uploading {name}")
        for err in exc.errors or []:
            location = err.get("location") or {}
            line, col = location.get("row"), location.get("col")
            if line and col:  # back to the column in the user's file
                col -= sum(added for at, added in self._shifts.get(name, {}).get(line, []) if at < col)
            message = str(err.get("message") or "").replace(f"{DATA_ROOT}.{self.run}.", "")
            return InputError(f"OPA rejected the policy: {message}", file=name, line=line, column=col)
        return InputError(f"OPA rejected the policy: {exc.message}", file=name)

    def evaluate(self, query: str, input_doc: Any = None) -> Any:
        """``query`` must be a data reference (``data`` or ``data.a.b``), read under the run's root."""
        from opa_client.errors import PolicyNotFoundError

        query = query.strip()
        if not _DATA_REF.match(query):
            raise InputError(f"the opa engine evaluates data references only, not {query!r}")
        path = "/".join([DATA_ROOT, self.run, *query.split(".")[1:]])
        try:
            if input_doc is None:
                try:
                    body = self._client.get_data(data_name=path)
                except PolicyNotFoundError as exc:
                    if exc.expression == "PolicyNotFoundError":  # the client's name for "no result"
                        return None
                    raise
            else:
                body = self._client.query_rule(input_data=input_doc, package_path=path)
        except Exception as exc:
            raise self._fail(exc, f"evaluating {query}") from None
        return body.get("result")

    def close(self) -> None:
        """Remove this run's policies and data and close the HTTP session; safe to call twice."""
        if self._data_written or self._uploaded:
            self._remove(self.run, self._uploaded)
        self._uploaded, self._data_written = [], False
        self._client.close_connection()
