"""A real Squid as the oracle for http_access decisions (used only when a ``squid`` binary is installed).

Starts ``squid -N`` on a loopback port with the config under test plus the few directives needed to run
unprivileged in a temporary directory, then sends raw CONNECT / GET requests from chosen 127.0.0.x source
addresses. Squid answers an http_access denial with 403 and ``X-Squid-Error: ERR_ACCESS_DENIED``; an
allowed request goes on to connect to its destination (a closed port on 127.0.1.x, so it fails fast with
another error). Host names resolve through a ``hosts_file`` we write, so no DNS is needed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

SQUID = shutil.which("squid") or (("/usr/sbin/squid") if os.path.exists("/usr/sbin/squid") else None)

RUNTIME = """
# --- added by the test harness ---
http_port 127.0.0.1:{port}
pid_filename {dir}/squid.pid
cache_log {dir}/cache.log
access_log {dir}/access.log
cache_store_log none
coredump_dir {dir}
netdb_filename none
logfile_rotate 0
cache deny all
cache_mem 1 MB
shutdown_lifetime 0 seconds
connect_timeout 2 seconds
hosts_file {dir}/hosts
dns_nameservers 127.0.0.1
dns_timeout 2 seconds
"""


DENY_WAIT = 1.0
# Squid < 6 does not predefine to_linklocal; the same definition as Squid 6+ keeps configs portable
COMPAT_PRELUDE = "acl to_linklocal dst 169.254.0.0/16 fe80::/10\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Squid:
    """Context manager: a running Squid for ``config_text`` (its own http_port lines are dropped)."""

    def __init__(self, config_text: str, hosts: dict[str, str]) -> None:
        assert SQUID is not None
        # Squid drops to its own user: the directory must be reachable by it, so not under a 0700 tmp_path
        self.dir = Path(tempfile.mkdtemp(prefix="squid-oracle-"))
        self.port = free_port()
        os.chmod(self.dir, 0o777)
        (self.dir / "hosts").write_text("".join(f"{ip} {name}\n" for name, ip in hosts.items()))
        body = "\n".join(ln for ln in config_text.splitlines() if not ln.strip().startswith("http_port"))
        self.conf = self.dir / "squid.conf"
        self.conf.write_text(body + RUNTIME.format(port=self.port, dir=self.dir))
        for f in self.dir.iterdir():
            os.chmod(f, 0o666)
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Squid:
        check = subprocess.run([str(SQUID), "-k", "parse", "-f", str(self.conf)], capture_output=True, timeout=60)
        if check.returncode != 0:
            raise RuntimeError(f"squid -k parse failed: {check.stderr.decode()[-2000:]}")
        self.proc = subprocess.Popen(
            [str(SQUID), "-N", "-f", str(self.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                log = self.dir / "cache.log"
                raise RuntimeError("squid exited: " + (log.read_text()[-2000:] if log.exists() else ""))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("squid did not start listening")

    def __exit__(self, typ: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()  # our own child, by pid; a graceful shutdown costs ~2 s and saves nothing
            self.proc.wait(timeout=15)
        shutil.rmtree(self.dir, ignore_errors=True)

    def request(self, client: str, host: str, port: int, method: str) -> str:
        """'deny' when Squid refuses by http_access (an immediate 403 ERR_ACCESS_DENIED), else 'allow'.

        An allowed request makes Squid connect to the destination first, so it answers late (or with
        another error): no 403 within ``DENY_WAIT`` seconds means allowed.
        """
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(DENY_WAIT)
            s.bind((client, 0))
            s.connect(("127.0.0.1", self.port))
            if method == "CONNECT":
                msg = f"CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n"
            else:
                msg = f"{method} http://{host}:{port}/ HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n"
            s.sendall(msg.encode())
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except TimeoutError:
                return "allow"
        head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        status = head.split(" ", 2)[1] if " " in head else "?"
        return "deny" if status == "403" and "ERR_ACCESS_DENIED" in head else "allow"

    def requests(self, items: list[tuple[str, str, int, str]]) -> list[str]:
        """Many requests at once (allowed ones each wait DENY_WAIT, so run them concurrently)."""
        with ThreadPoolExecutor(max_workers=128) as pool:
            return list(pool.map(lambda it: self.request(*it), items))
