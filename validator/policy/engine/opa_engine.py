"""Backend for a running OPA server (``--opa-url``, ``--opa-token``) through ``opa-python-client``.

For teams that already run OPA as their policy decision point. ``load`` uploads each module as policy
``palette-policy/<file>`` (removing ones this tool uploaded earlier that are no longer in the bundle) and
sets each top-level data key with one JSON Patch on ``/v1/data`` (``add /<key>``); ``evaluate`` reads
``data.<path>`` with ``POST /v1/data/<path>`` (``GET`` when there is no input). Known client 3.0.0
defects are avoided: the client is built with keyword arguments, Rego v1 is sent as-is
(``rego_compat=False``), no ad-hoc query carries an input, and its catch-all exceptions are turned back
into one clear InputError.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any
from urllib.parse import quote, urlsplit

from validator.model.errors import InputError
from validator.policy.engine.rego_ast import check_sandbox, parse_module

POLICY_PREFIX = "palette-policy"
_DATA_REF = re.compile(r"^data(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def policy_id(name: str) -> str:
    """The OPA policy id a module is uploaded as: ``palette-policy/<file name>``."""
    return f"{POLICY_PREFIX}/{quote(name.lstrip('/'), safe='/._-')}"


class OpaServerEngine:
    """A remote OPA reached over its REST API; same interface as the embedded engine."""

    name = "opa"

    def __init__(self, url: str, token: str | None = None, timeout: float = 30.0) -> None:
        try:
            from opa_client import OpaClient
        except ImportError:  # pragma: no cover - a declared dependency
            raise InputError("opa-python-client is not installed", hint="pip install opa-python-client") from None
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
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname  # an IPv6 address
        self.url = f"{parts.scheme}://{host}:{port}"
        self._client = OpaClient(
            host=host, port=port, ssl=parts.scheme == "https", token=token, timeout=timeout, retries=1
        )
        self._version: str | None = None
        self._uploaded: set[str] = set()

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
                f"OPA at {self.url} refused {doing}: unauthorized", hint="check --opa-token (sent as a Bearer token)"
            )
        if isinstance(exc, requests.ConnectionError | requests.Timeout):
            return InputError(
                f"cannot reach OPA at {self.url} while {doing}: {type(exc).__name__}",
                hint="check --opa-url and that OPA is running",
            )
        if status is not None:
            try:
                body = response.json()  # type: ignore[union-attr]
                message = f"{body.get('code')}: {body.get('message')}"
            except ValueError:
                message = f"HTTP {status}"
        return InputError(f"OPA at {self.url} failed while {doing}: {code + ': ' if code else ''}{message}")

    def load(self, modules: dict[str, str], data: dict[str, Any]) -> None:
        from opa_client.errors import RegoParseError

        infos = [parse_module(name, source) for name, source in modules.items()]
        check_sandbox(infos)
        wanted = {policy_id(name): name for name in modules}
        try:
            stale = [
                pid
                for pid in self._client.get_policies_list()
                if pid.startswith(POLICY_PREFIX + "/") and pid not in wanted and pid not in self._uploaded
            ]
            for pid in stale:
                self._client.delete_policy(policy_name=pid)
        except Exception as exc:
            raise self._fail(exc, "listing policies") from None
        for pid, name in wanted.items():
            try:
                self._client.update_policy_from_string(new_policy=modules[name], endpoint=pid, rego_compat=False)
            except RegoParseError as exc:
                raise self._compile_error(exc, name, pid) from None
            except Exception as exc:
                raise self._fail(exc, f"uploading {name}") from None
            self._uploaded.add(pid)
        if data:  # one JSON Patch on the root: sets each top-level key, whatever its type, leaves others
            patches = [
                {"op": "add", "path": "/" + str(key).replace("~", "~0").replace("/", "~1"), "value": value}
                for key, value in data.items()
            ]
            try:
                self._client.patch_data(endpoint="", patches=patches)
            except Exception as exc:
                raise self._fail(exc, "uploading data") from None

    def _compile_error(self, exc: Any, name: str, pid: str) -> InputError:
        if exc.expression == "unauthorized":
            return self._fail(exc, f"uploading {name}")
        for err in exc.errors or []:
            location = err.get("location") or {}
            return InputError(
                f"OPA rejected the policy: {err.get('message')}",
                file=name,
                line=location.get("row"),
                column=location.get("col"),
            )
        return InputError(f"OPA rejected the policy: {exc.message}", file=name)

    def evaluate(self, query: str, input_doc: Any = None) -> Any:
        """``query`` must be a data reference (``data`` or ``data.a.b``)."""
        from opa_client.errors import PolicyNotFoundError

        query = query.strip()
        if not _DATA_REF.match(query):
            raise InputError(f"the opa engine evaluates data references only, not {query!r}")
        path = query[len("data") :].lstrip(".")
        try:
            if input_doc is None:
                try:
                    body = self._client.get_data(data_name=path.replace(".", "/"))
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
        """Remove the policies this engine uploaded and close the HTTP session."""
        for pid in sorted(self._uploaded):
            with contextlib.suppress(Exception):  # best effort: the server may be gone
                self._client.delete_policy(policy_name=pid)
        self._uploaded.clear()
        self._client.close_connection()
