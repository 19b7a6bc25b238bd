"""`csu cluster status`: the cluster as NATS holds it, printed for a person at a terminal."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from nats.errors import Error as NatsError

from csu.cluster.runtime import ClusterView, read_view
from csu.settings import Settings

EXIT_USAGE = 2


def add_cluster_commands(sub: Any) -> None:
    """Add `cluster status` to the `csu` command line."""
    cluster = sub.add_parser("cluster", help="see the cluster's nodes and camera owners")
    actions = cluster.add_subparsers(dest="cluster_command", required=True, metavar="ACTION")
    status = actions.add_parser("status", help="nodes, camera owners, engine leader")
    status.set_defaults(run=_run_status)


def render(view: ClusterView, cameras: list[str]) -> list[str]:
    """The view as lines of text: nodes, then every camera and who serves it, then the leader."""
    lines = ["nodes:"]
    for node in view.nodes:
        seen = node.last_seen.strftime("%Y-%m-%d %H:%M:%S UTC")
        lines.append(f"  {node.role:<6} {node.name:<20} {node.url or '-':<32} last seen {seen}")
    if not view.nodes:
        lines.append("  (none alive)")
    states = {c: s for n in view.nodes for c, s in n.cameras.items()}
    lines.append("cameras:")
    for camera_id in sorted(set(cameras) | set(view.owners)):
        owner = view.owners.get(camera_id)
        report = states.get(camera_id)
        state = (report.state if report else "starting") if owner else "offline"
        lines.append(f"  {camera_id:<24} {owner or '(no worker)':<20} {state}")
    lines.append("stream lag:")
    for lag in view.lag:
        lines.append(f"  {lag.stream:<12} {lag.consumer:<28} {lag.pending} pending")
    if not view.lag:
        lines.append("  (no durable consumer)")
    lines.append(f"engine leader: {view.leader or '(none)'}")
    return lines


def _run_status(args: argparse.Namespace) -> int:
    settings = Settings()
    if not settings.nats_url:
        print("CSU_NATS_URL is not set: this is not a cluster", file=sys.stderr)
        return EXIT_USAGE
    try:
        view = asyncio.run(asyncio.wait_for(read_view(settings.nats_url), timeout=15))
    except (NatsError, OSError, TimeoutError) as exc:
        why = str(exc) or type(exc).__name__
        print(f"cannot read the cluster from {settings.nats_url}: {why}", file=sys.stderr)
        return 1
    for line in render(view, []):
        print(line)
    return 0
