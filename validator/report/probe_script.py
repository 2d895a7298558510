"""Live probes as a POSIX shell script: run it on a node of a location, it prints PASS or FAIL per requirement.

A direct flow is a TCP connect (``nc -z -w``, or curl when nc is missing); a flow the location's HTTPS_PROXY
carries is a CONNECT through that proxy (``curl --proxy --proxytunnel``), which a proxy answers 200 only
once it has reached the destination. Neither needs TLS, so non-TLS ports (NATS 4222, SSH) are proven too.
"""

from __future__ import annotations

import re
import shlex

from validator.model.probes import ProbeLocation, ProbePlan

PRELUDE = r"""set -u
TIMEOUT="${PALETTE_PROBE_TIMEOUT:-5}"
failed=0

# connect HOST PORT: a TCP connection opens (nc, else curl's telnet:// which reports its connects)
connect() {
  if command -v nc >/dev/null 2>&1; then
    nc -z -w "$TIMEOUT" "$1" "$2" >/dev/null 2>&1
    return
  fi
  case "$1" in *:*) target="[$1]" ;; *) target="$1" ;; esac
  n=$(curl -s -o /dev/null -w '%{num_connects}' --connect-timeout "$TIMEOUT" -m "$TIMEOUT" \
    "telnet://$target:$2" </dev/null 2>/dev/null)
  [ "${n:-0}" -ge 1 ] 2>/dev/null
}

# tunnel PROXY HOST PORT: the proxy accepts CONNECT HOST:PORT and reaches it (it answers 200)
tunnel() {
  case "$2" in *:*) target="[$2]" ;; *) target="$2" ;; esac
  code=$(curl -s -o /dev/null -w '%{http_connect}' --connect-timeout "$TIMEOUT" -m "$TIMEOUT" \
    --proxy "$1" --proxytunnel "http://$target:$3/" </dev/null 2>/dev/null)
  [ "$code" = "200" ]
}

# requirement ID required|optional: start one requirement's probes; probe HOST PORT [PROXY]; verdict
requirement() { req="$1"; need="$2"; good=""; bad=""; }
probe() {
  if [ -n "${3:-}" ]; then
    tunnel "$3" "$1" "$2" && good="$good $1:$2" || bad="$bad $1:$2(via $3)"
  else
    connect "$1" "$2" && good="$good $1:$2" || bad="$bad $1:$2"
  fi
}
verdict() {
  if [ -z "$bad" ]; then
    echo "PASS $req$good"
  elif [ "$need" = required ]; then
    echo "FAIL $req$bad"
    failed=$((failed + 1))
  else
    echo "FAIL $req$bad (optional)"
  fi
}
"""


def _function(location: ProbeLocation) -> str:
    return "location_" + re.sub(r"[^A-Za-z0-9_]", "_", location.name)


def render(plan: ProbePlan, scanned: str) -> str:
    names = [loc.name for loc in plan.locations]
    lines = [
        "#!/bin/sh",
        f"# Palette's required flows from {scanned} as live probes, written by `palette-policy export`.",
        "# Run it on a node of one location: sh palette-probes.sh LOCATION  (locations: "
        + (", ".join(names) or "none")
        + ")",
        "# One line per requirement: PASS, or FAIL with the targets that did not answer; exit 1 when a required",
        "# one fails. A flow the topology sends through an HTTPS proxy is a CONNECT through it (curl); one that",
        "# goes direct is a TCP connect (nc -z -w, or curl). PALETTE_PROBE_TIMEOUT sets the seconds (default 5).",
        "# Proxy credentials are not written here: add user:password@ to a proxy URL that needs them.",
        PRELUDE,
    ]
    for note in plan.elsewhere:
        lines.append(f"# not probed: {note.requirement} {note.what}: {note.reason} (no probe location)")
    for location in plan.locations:
        lines.append("")
        lines.append(
            f"# {location.kind} {location.name}" + (f", HTTPS_PROXY {location.proxy}" if location.proxy else "")
        )
        lines.extend(f"# not probed: {u.requirement} {u.what}: {u.reason}" for u in location.unprobed)
        lines.append(f"{_function(location)}() {{")
        order = list(dict.fromkeys(p.requirement for p in location.probes))
        for requirement in order:
            mine = [p for p in location.probes if p.requirement == requirement]
            need = "required" if mine[0].required else "optional"
            lines.append(f"  requirement {shlex.quote(requirement)} {need}  # {mine[0].purpose}")
            for probe in mine:
                for port in probe.ports:
                    proxy = f" {shlex.quote(probe.proxy)}" if probe.proxy else ""
                    lines.append(f"  probe {shlex.quote(probe.host)} {port}{proxy}")
            lines.append("  verdict")
        if not order:
            lines.append("  :  # nothing a connect probe can prove here")
        lines.append("}")
    lines.append("")
    lines.append('case "${1:-}" in')
    for location in plan.locations:
        lines.append(f"  {shlex.quote(location.name)}) {_function(location)} ;;")
    usage = "usage: sh palette-probes.sh LOCATION (" + (", ".join(names) or "no location") + ")"
    lines.append(f"  *) echo {shlex.quote(usage)} >&2; exit 2 ;;")
    lines.append("esac")
    lines.append('[ "$failed" -eq 0 ]')
    return "\n".join(lines) + "\n"
