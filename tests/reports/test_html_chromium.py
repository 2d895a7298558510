"""report.html opened in a real headless Chromium: the verdict table and the inline SVG diagram render.

Skips when Chromium is absent (CI installs it: `apt-get install -y chromium`).
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from report_helpers import FIXTURES, ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-extensions",
        f"--user-data-dir={tmp_path / 'profile'}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90, check=False)


def png_pixels(path: Path) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA PNG (what Chromium writes) into rows of raw pixels, without Pillow."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    height = channels = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        filt, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], prev[i - channels] if i >= channels else 0
            if filt == 1:
                line[i] = (line[i] + a) & 0xFF
            elif filt == 2:
                line[i] = (line[i] + b) & 0xFF
            elif filt == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif filt == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, channels, rows


@needs_chromium
def test_report_html_renders_table_and_diagram(cli, tmp_path: Path) -> None:
    ev = tmp_path / "ev"
    cli("validate", FIXTURES / "self-hosted-no-6443", "--evidence", ev)
    html = (ev / "report.html").read_text(encoding="utf-8")
    # self-contained: nothing to fetch
    assert not re.search(r"<(script|link|img|iframe)\b|\bsrc=|url\((?!#)|https?://(?!www\.w3\.org/2000/svg)", html)
    url = (ev / "report.html").as_uri()
    dom = chromium(tmp_path, "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    text = dom.stdout
    rows = re.findall(r'<tr class="path" data-verdict="(\w+)">', text)
    assert len(rows) == 9 and rows.count("blocked") == 1
    assert re.search(
        r"<td>sh-mgmt-cluster-api</td><td>management -&gt; prod/api</td><td>tcp/6443</td>"
        r'<td class="blocked">blocked</td>',
        text,
    )
    assert '<svg xmlns="http://www.w3.org/2000/svg" id="diagram"' in text
    assert len(re.findall(r'<path class="edge edge-blocked"', text)) == 1
    assert len(re.findall(r'<g class="node"', text)) >= 4
    shot = tmp_path / "shot.png"
    result = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,1100", "--hide-scrollbars", url)
    assert shot.is_file(), result.stderr[-2000:]
    width, channels, rows_px = png_pixels(shot)
    colours = {}
    for row in rows_px:
        for x in range(0, width * channels, channels * 2):
            colours[bytes(row[x : x + 3])] = colours.get(bytes(row[x : x + 3]), 0) + 1

    def near(rgb: tuple[int, int, int]) -> int:
        return sum(n for c, n in colours.items() if all(abs(c[i] - rgb[i]) < 40 for i in range(3)))

    assert near((0xD3, 0x2F, 0x2F)) > 50  # the red blocked edge and verdict are painted
    assert near((0x2E, 0x7D, 0x32)) > 50  # green reachable edges
    assert len(colours) > 20


def test_progress_spinner_only_on_a_terminal(tmp_path: Path) -> None:
    """Under a pseudo-terminal the table run shows the stage spinner on stderr; JSON output never does."""
    import pty
    import select

    if sys.platform == "win32":  # pragma: no cover
        pytest.skip("no pty")

    def run(*args: str) -> tuple[str, str]:
        master, slave = pty.openpty()
        proc = subprocess.Popen(
            [sys.executable, "-m", "validator", "validate", str(FIXTURES / "self-hosted-ok"), *args],
            stdout=subprocess.PIPE,
            stderr=slave,
            cwd=ROOT,
            env={**os.environ, "TERM": "xterm", "COLUMNS": "120"},
        )
        os.close(slave)
        seen = b""
        while True:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
            elif proc.poll() is not None:
                break
        out = proc.communicate(timeout=60)[0]
        os.close(master)
        return out.decode(), seen.decode(errors="replace")

    out, err = run()
    assert "palette-policy: " in err and out.startswith("REQUIREMENT")
    out, err = run("--format", "json")
    assert "palette-policy: " not in err and out.lstrip().startswith("{")


MERMAID_JS = os.environ.get("PALETTE_POLICY_MERMAID_JS")  # path to mermaid.min.js (npm package mermaid, dist/)


@needs_chromium
@pytest.mark.skipif(
    not MERMAID_JS or not Path(MERMAID_JS).is_file(),
    reason="set PALETTE_POLICY_MERMAID_JS to a local mermaid.min.js to render the Markdown diagram",
)
def test_markdown_mermaid_renders_with_real_mermaid(cli, tmp_path: Path) -> None:
    import html

    text = cli("validate", FIXTURES / "self-hosted-no-6443", "-f", "markdown").stdout
    start = text.index("```mermaid") + len("```mermaid")
    block = text[start : text.index("```", start)]
    page = tmp_path / "page.html"
    page.write_text(
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><script src="{Path(MERMAID_JS or "").as_uri()}">'
        f'</script></head><body><pre class="mermaid">{html.escape(block)}</pre><script>'
        "mermaid.initialize({startOnLoad:false});mermaid.run({querySelector:'.mermaid'})"
        ".then(()=>document.body.setAttribute('data-ok','1'))"
        ".catch(e=>document.body.setAttribute('data-err',String(e)));</script></body></html>",
        encoding="utf-8",
    )
    dom = chromium(
        tmp_path, "--virtual-time-budget=5000", "--allow-file-access-from-files", "--dump-dom", page.as_uri()
    ).stdout
    assert 'data-ok="1"' in dom, re.findall(r'data-err="[^"]*"', dom)
    assert "tcp/6443 blocked" in dom
