"""``palette-policy explain PATH --from X --to Y --port N``: one path, hop by hop, layer by layer.

X and Y are endpoint names (prod, prod/api, management), roles (workload, registry, …), addresses
(10.20.1.5) or host names (api.spectrocloud.com). An address is explained as the part of the topology that
holds it, narrowed to that address; a host name as the endpoint that lists it. One the topology does not
place is explained on its own: the network ACLs of the declared subnets that hold it, the other end's
controls and the firewalls on the way apply to it.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from validator.cli import app, guarded
from validator.cli.options import NetworkReading, reads_network
from validator.cli.outputs import format_option
from validator.model.errors import InputError

if TYPE_CHECKING:  # imported lazily below: the CLI starts fast whatever the command
    from validator.cli.pipeline import Network
    from validator.model.sets import AddressSet
    from validator.model.topology import Endpoint, Topology


def _address(text: str) -> AddressSet | None:
    from validator.model.sets import AddressSet

    try:
        return AddressSet.parse(text)
    except ValueError:
        return None


class Resolver:
    """Turns --from/--to into endpoints once the topology is read, before the graph is built: an address
    narrows the endpoint that holds it (in place, so the graph sees it), an unplaced one becomes its own."""

    def __init__(self, source: str, destination: str) -> None:
        self.wanted = {"from": source, "to": destination}
        self.names: dict[str, list[str]] = {}
        self.notes: list[str] = []
        self.unplaced: list[str] = []  # addresses the topology does not place, each its own endpoint

    def __call__(self, topology: Topology) -> None:
        for side, text in self.wanted.items():
            self.names[side] = [e.name for e in self._resolve(topology, side, text)]

    def endpoints(self, topology: Topology, side: str) -> list[Endpoint]:
        return [e for name in self.names[side] for e in topology.endpoints if e.name == name]

    def _resolve(self, topology: Topology, side: str, text: str) -> list[Endpoint]:
        from validator.ingest.topology import is_host_name
        from validator.model.rules import SourceRef
        from validator.model.topology import INTERNET, Endpoint

        found = [e for e in topology.endpoints if e.name == text] or topology.role(text)
        if found:
            return found
        addresses = _address(text)
        if addresses is not None:
            holders = [e for e in topology.endpoints if not e.external and e.addresses.covers(addresses)]
            if holders:
                holder = min(holders, key=lambda e: e.addresses.size())  # the most specific; first declared on a tie
                narrowed = dataclasses.replace(holder, addresses=addresses, hosts=())
                topology.endpoints[topology.endpoints.index(holder)] = narrowed
                self.notes.append(f"--{side} {text}: in {holder.name} ({holder.role}, {holder.source.location()})")
                return [narrowed]
            external = INTERNET.covers(addresses)
            endpoint = Endpoint(text, "address", addresses, SourceRef("(command line)"), external=external)
        elif "." in text and is_host_name(text):  # a single word is a mistyped name or role, not a host
            holders = [e for e in topology.endpoints if text.lower() in (h.lower() for h in e.hosts)]
            if holders:
                holder = holders[0]
                narrowed = dataclasses.replace(holder, hosts=(text,))
                topology.endpoints[topology.endpoints.index(holder)] = narrowed
                self.notes.append(f"--{side} {text}: a host name of {holder.name} ({holder.source.location()})")
                return [narrowed]
            endpoint = Endpoint(text, "host", INTERNET, SourceRef("(command line)"), hosts=(text,), external=True)
        else:
            known = sorted({e.name for e in topology.endpoints} | {e.role for e in topology.endpoints})
            raise InputError(
                f"--{side} {text!r} is no endpoint, role, address or host name of {topology.path}",
                hint=f"choose from {', '.join(known)}, or give an address or a host name",
            )
        self.notes.append(
            f"--{side} {text}: not in the topology; only the other end's controls and the firewalls on the way apply"
            + (" (taken as a service on the internet)" if endpoint.role == "host" else "")
        )
        topology.endpoints.append(endpoint)
        self.unplaced.append(endpoint.name)
        return [endpoint]

    def place_in_subnets(self, network: Network) -> Network:
        """An unplaced address inside subnets the scanned files declare is behind their network ACLs whoever
        binds it (N1, N4): it is given those subnets, and the graph is built again with them."""
        from validator.analysis.graph import build_graph

        topology, changed = network.topology, False
        for name in self.unplaced:
            index, endpoint = next((i, e) for i, e in enumerate(topology.endpoints) if e.name == name)
            subnets = [s for s in network.inventory.subnets.values() if s.addresses & endpoint.addresses]
            if endpoint.role != "address" or not subnets:
                continue
            topology.endpoints[index] = dataclasses.replace(endpoint, subnets=tuple(s.key for s in subnets))
            lead = f"--{next(k for k, v in self.wanted.items() if v == name)} {name}: not in the topology"
            self.notes = [
                f"{lead}; in subnet {', '.join(sorted(s.key for s in subnets))}: its network ACL, the other end's "
                "controls and the firewalls on the way apply"
                if note.startswith(lead)
                else note
                for note in self.notes
            ]
            changed = True
        if not changed:
            return network
        pods = {
            name: (model, list(workloads), folder) for name, (model, workloads, folder) in network.graph.pods.items()
        }
        graph = build_graph(network.inventory, topology, pods)
        return dataclasses.replace(network, graph=graph)


@app.command()
@reads_network
def explain(
    path: Path = typer.Argument(..., help="Folder with the network configs (as for validate)."),
    source: str = typer.Option(
        ..., "--from", help="Source: endpoint, role, address or host name (e.g. prod, workload, 10.20.1.5)."
    ),
    destination: str = typer.Option(
        ..., "--to", help="Destination: endpoint, role, address or host name (e.g. management, api.spectrocloud.com)."
    ),
    port: str = typer.Option(..., "--port", help="Destination port or range, e.g. 4222 or 30000-32767."),
    protocol: str = typer.Option("tcp", "--protocol", help="tcp or udp."),
    direct: bool = typer.Option(False, "--direct", help="Ignore the clients' proxy settings."),
    topology: Path | None = typer.Option(None, "--topology", "-t", help="Topology file."),
    output_format: str = format_option(("table", "json"), "table", "Output format (table: hop by hop)."),
    *,
    reading_options: NetworkReading,
) -> None:
    """Show how one flow crosses the network: every hop, every layer, the rules that decide."""

    def body() -> int:
        from validator.analysis.reach import evaluate_binding
        from validator.cli.pipeline import Options, load_network
        from validator.model.requirements import Requirement
        from validator.model.rules import SourceRef
        from validator.model.sets import PortSet
        from validator.report.explain import render

        if protocol not in ("tcp", "udp"):
            raise InputError(f"--protocol must be tcp or udp, not {protocol!r}")
        lo, _, hi = port.partition("-")
        if not (lo.isdigit() and (not hi or hi.isdigit())) or not 0 <= int(lo) <= int(hi or lo) <= 65535:
            raise InputError(f"--port {port!r} is not a port or a range such as 30000-32767")
        resolver = Resolver(source, destination)
        network = load_network(
            Options(path=path, topology=topology, amend_topology=resolver, **reading_options.settings())
        )
        network = resolver.place_in_subnets(network)
        froms, tos = resolver.endpoints(network.topology, "from"), resolver.endpoints(network.topology, "to")
        pairs = [(src, dst) for src in froms for dst in tos]
        if len(froms) > 1 and len(tos) > 1:  # role to role (workload -> workload-api): each cluster to its own
            own = [(s, d) for s, d in pairs if not (s.cluster and d.cluster and s.cluster != d.cluster)]
            pairs = own or pairs
        results = []
        for src, dst in pairs:
            req = Requirement(
                "explain",
                "explain",
                src.role,
                dst.role,
                protocol,
                PortSet.range(int(lo), int(hi or lo)),
                f"{protocol}/{port}",
                True,
                {},
                SourceRef("(command line)"),
                via_proxy=not direct,
            )
            results.append(evaluate_binding(network.graph, req, src, dst))
        if output_format == "json":
            typer.echo(json.dumps([r.to_json() for r in results], indent=2))
        else:
            typer.echo("\n".join(f"note: {n}" for n in resolver.notes) + ("\n" if resolver.notes else ""), nl=False)
            typer.echo("\n\n".join(render(r) for r in results))
        return 0 if results and all(r.verdict == "reachable" for r in results) else 1

    guarded(body)
