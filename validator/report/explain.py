"""``explain``'s text: one path, hop by hop and layer by layer, with the rules that decide, then every layer
that blocks it (each layer is judged on its own, so all of them are real and all must change)."""

from __future__ import annotations

from validator.model.results import PathResult

MARK = {"allow": "pass", "deny": "BLOCK", "partial": "PARTIAL", "unknown": "UNKNOWN"}


def render(result: PathResult) -> str:
    lines = [
        f"{result.source.name} -> {result.destination.name} {result.requirement.protocol}/{result.ports}: "
        f"{result.verdict.upper()}"
    ]
    routes = len({hop.route for hop in result.hops})
    for number, hop in enumerate(result.hops, start=1):
        port = f" (port {hop.port})" if hop.port else ""
        which = f" [route {hop.route} of {routes}, ports {hop.ports}]" if routes > 1 else ""
        lines.append(f"  hop {number}: {hop.source} -> {hop.destination}{port}{which}: {hop.verdict}")
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
    blocking = result.blocking()
    if blocking:
        lines.append(f"  blocking ({len(blocking)}, each must change for the flow to get through):")
        for item in blocking:
            where = ", ".join(
                f"{loc['file']}:{loc['line']}" if loc.get("line") else str(loc["file"]) for loc in item["locations"][:3]
            )
            lines.append(f"    hop {item['hop']}: [{MARK[item['decision']]}] {item['message']} ({where})")
    elif not result.enforced:
        lines.append("  not enforced: no enforcement point on the way checks this flow")
    if result.verdict == "partial" and (result.uncovered.sources or result.uncovered.destinations):
        lines.append(
            f"  not covered: sources {', '.join(result.uncovered.sources.ranges()) or '-'}; "
            f"destinations {', '.join(result.uncovered.destinations.ranges()) or '-'}; "
            f"ports {result.uncovered.ports or '-'}"
        )
    return "\n".join(lines)
