"""``explain``'s text: one path, hop by hop and layer by layer, with the rules that decide."""

from __future__ import annotations

from validator.model.results import PathResult

MARK = {"allow": "pass", "deny": "BLOCK", "partial": "PARTIAL", "unknown": "UNKNOWN"}


def render(result: PathResult) -> str:
    lines = [
        f"{result.source.name} -> {result.destination.name} {result.requirement.protocol}/{result.ports}: "
        f"{result.verdict.upper()}"
    ]
    for number, hop in enumerate(result.hops, start=1):
        port = f" (port {hop.port})" if hop.port else ""
        lines.append(f"  hop {number}: {hop.source} -> {hop.destination}{port}: {hop.verdict}")
        if hop.note:
            lines.append(f"    route: {hop.note}")
        for layer in hop.layers:
            lines.append(f"    [{MARK.get(layer.decision, layer.decision)}] {layer.message}")
            for rule in layer.allowed_by:
                lines.append(f"        allowed by {rule.source.location()}: {rule.text}")
            for rule in layer.blocked_by:
                lines.append(f"        blocked by {rule.source.location()}: {rule.text}")
            for rule in layer.near_misses:
                lines.append(f"        nearest rule {rule.source.location()}: {rule.text}")
            for reason in layer.unknown_because:
                lines.append(f"        unknown: {reason}")
    if result.verdict == "partial" and (result.uncovered.sources or result.uncovered.destinations):
        lines.append(
            f"  not covered: sources {', '.join(result.uncovered.sources.ranges()) or '-'}; "
            f"destinations {', '.join(result.uncovered.destinations.ranges()) or '-'}; "
            f"ports {result.uncovered.ports or '-'}"
        )
    return "\n".join(lines)
