"""A STAND-IN for an OPA server, NOT OPA: the few REST endpoints ``OpaServerEngine`` calls, answered by the
embedded engine (regorus), on 127.0.0.1 with a random port.

No OPA binary can be installed here, so this checks our side of the protocol (URLs, verbs, payloads,
Bearer token, error bodies, JSON round trip), not OPA's evaluation. ``test_opa_backend.py`` also has a test
against a real server, run only when ``PALETTE_POLICY_TEST_OPA_URL`` is set.

The server runs in a forked child process with a single-threaded HTTP server: regorus engines are bound
to the thread that made them (pyo3 "unsendable"), and a real OPA is a separate process anyway. Tests read
the server's state through ``GET /_standin/state``.
"""

from __future__ import annotations

import json
import multiprocessing
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

import regorus

from validator.model.errors import InputError
from validator.policy.engine.regorus_engine import RegorusEngine


class OpaStandIn:
    """Policies and data kept in memory; every decision re-evaluated with a fresh embedded engine."""

    def __init__(self, token: str | None = None, tls: tuple[str, str] | None = None) -> None:
        self.token = token
        self.tls = tls  # (certificate, key) files: serve https
        self.policies: dict[str, str] = {}
        self.data: dict[str, Any] = {}
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self.url = ""
        self._process: Any = None

    def __enter__(self) -> OpaStandIn:
        context: Any = multiprocessing.get_context("fork")
        parent, child = context.Pipe(duplex=False)
        self._process = context.Process(target=self._serve, args=(child,), daemon=True)
        self._process.start()
        child.close()
        scheme = "https" if self.tls else "http"
        self.url = f"{scheme}://{'localhost' if self.tls else '127.0.0.1'}:{parent.recv()}"
        parent.close()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._process is not None and self._process.is_alive():
            self._process.kill()
            self._process.join()

    def state(self) -> dict[str, Any]:
        """The server's policies, data and request log (read over HTTP from the child process)."""
        context = None
        if self.tls is not None:
            import ssl

            context = ssl.create_default_context(cafile=self.tls[0])
        with urllib.request.urlopen(f"{self.url}/_standin/state", timeout=10, context=context) as response:
            return dict(json.load(response))

    def _serve(self, conn: Any) -> None:
        server = HTTPServer(("127.0.0.1", 0), self._handler())
        if self.tls is not None:
            import ssl

            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            server.socket = context.wrap_socket(server.socket, server_side=True)
        conn.send(server.server_address[1])
        conn.close()
        server.serve_forever(poll_interval=0.05)

    def _engine(self) -> RegorusEngine:
        engine = RegorusEngine()
        engine.load(dict(self.policies), self.data)
        return engine

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def _reply(self, status: int, body: Any = None) -> None:
                payload = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _authorized(self) -> bool:
                if standin.token and self.headers.get("Authorization") != f"Bearer {standin.token}":
                    self._reply(401, {"code": "unauthorized", "message": "missing or invalid token"})
                    return False
                return True

            def _route(self, verb: str) -> None:
                path = unquote(urlsplit(self.path).path)
                with standin._lock:
                    standin.requests.append((verb, path))
                if path == "/health":
                    self._reply(200, {})
                    return
                if path == "/_standin/state":
                    self._reply(200, {"policies": standin.policies, "data": standin.data, "requests": standin.requests})
                    return
                if not self._authorized():
                    return
                with standin._lock:
                    self._dispatch(verb, path)

            def _dispatch(self, verb: str, path: str) -> None:
                if path.startswith("/v1/policies"):
                    pid = path[len("/v1/policies/") :]
                    if verb == "GET":
                        listing = [{"id": k, "raw": v} for k, v in standin.policies.items()]
                        self._reply(200, {"result": listing})
                    elif verb == "PUT":
                        source = self._body().decode()
                        try:
                            RegorusEngine().load({pid: source}, {})
                        except InputError as exc:
                            self._reply(
                                400,
                                {
                                    "code": "invalid_parameter",
                                    "message": "error(s) occurred while compiling module(s)",
                                    "errors": [
                                        {
                                            "code": "rego_parse_error",
                                            "message": exc.message,
                                            "location": {"file": pid, "row": exc.line, "col": exc.column},
                                        }
                                    ],
                                },
                            )
                            return
                        standin.policies[pid] = source
                        self._reply(200, {})
                    elif verb == "DELETE":
                        standin.policies.pop(pid, None)
                        self._reply(200, {})
                    return
                if path.startswith("/v1/data"):
                    parts = [p for p in path[len("/v1/data") :].split("/") if p]
                    if verb == "PATCH":
                        for op in json.loads(self._body()):
                            keys = [k.replace("~1", "/").replace("~0", "~") for k in op["path"].split("/")[1:]]
                            node = standin.data
                            for part in [*parts, *keys[:-1]]:
                                node = node.setdefault(part, {})
                            if op["op"] == "remove":
                                node.pop(keys[-1], None)
                            else:
                                node[keys[-1]] = op["value"]
                        self._reply(204)
                        return
                    if verb == "DELETE":  # OPA: 204, or 404 when there is no document there
                        node = standin.data
                        for part in parts[:-1]:
                            node = node.get(part, {})
                        if parts and isinstance(node, dict) and parts[-1] in node:
                            del node[parts[-1]]
                            self._reply(204)
                        else:
                            self._reply(
                                404, {"code": "resource_not_found", "message": f"storage_not_found_error: {path}"}
                            )
                        return
                    if verb == "PUT":
                        node = standin.data
                        for part in parts[:-1]:
                            node = node.setdefault(part, {})
                        node[parts[-1]] = json.loads(self._body())
                        self._reply(204)
                        return
                    body = json.loads(self._body() or b"{}") if verb == "POST" else {}
                    query = ".".join(["data", *parts])
                    try:
                        value = standin._engine().evaluate(query, body.get("input"))
                    except InputError as exc:
                        self._reply(500, {"code": "internal_error", "message": str(exc)})
                        return
                    self._reply(200, {} if value is None else {"result": value})
                    return
                if path == "/v1/query" and verb == "POST":
                    query = json.loads(self._body())["query"]
                    engine = regorus.Engine()  # plain regorus: opa.runtime() answers the version probe
                    rows = json.loads(engine.eval_query_as_json(query)).get("result", [])
                    self._reply(200, {"result": [row.get("bindings", {}) for row in rows]})
                    return
                self._reply(404, {"code": "resource_not_found", "message": path})

            def do_GET(self) -> None:  # noqa: N802
                self._route("GET")

            def do_PUT(self) -> None:  # noqa: N802
                self._route("PUT")

            def do_POST(self) -> None:  # noqa: N802
                self._route("POST")

            def do_PATCH(self) -> None:  # noqa: N802
                self._route("PATCH")

            def do_DELETE(self) -> None:  # noqa: N802
                self._route("DELETE")

        return Handler
