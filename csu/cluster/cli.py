"""`csu cluster status`: the cluster as NATS holds it, printed for a person at a terminal."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from nats.errors import Error as NatsError

from csu.cli_words import cli_words
from csu.cluster.runtime import ClusterView, read_view
from csu.i18n import Translator
from csu.settings import Settings

EXIT_USAGE = 2


def add_cluster_commands(sub: Any) -> None:
    """Add `cluster status` to the `csu` command line."""
    cluster = sub.add_parser("cluster", help="see the cluster's nodes and camera owners")
    actions = cluster.add_subparsers(dest="cluster_command", required=True, metavar="ACTION")
    status = actions.add_parser("status", help="nodes, camera owners, engine leader")
    status.set_defaults(run=_run_status)


def render(view: ClusterView, cameras: list[str], t: Translator | None = None) -> list[str]:
    """The view as lines of text: nodes, then every camera and who serves it, then the leader
    (in French unless told otherwise; times in UTC, a cluster has no one site file to read)."""
    t = t or cli_words()
    lines = [t("cli.cluster.nodes")]
    for node in view.nodes:
        seen = t("cli.cluster.seen", at=f"{node.last_seen:%d/%m/%Y %H:%M:%S} UTC")
        lines.append(f"  {node.role:<6} {node.name:<20} {node.url or '-':<32} {seen}")
    if not view.nodes:
        lines.append(f"  {t('cli.cluster.none_alive')}")
    states = {c: s for n in view.nodes for c, s in n.cameras.items()}
    lines.append(t("cli.cluster.cameras"))
    for camera_id in sorted(set(cameras) | set(view.owners)):
        owner = view.owners.get(camera_id)
        report = states.get(camera_id)
        state = (report.state if report else "starting") if owner else "offline"
        word = t(f"cli.cluster.state.{state}")
        said = state if word.startswith("cli.") else word
        lines.append(f"  {camera_id:<24} {owner or t('cli.cluster.no_worker'):<20} {said}")
    lines.append(t("cli.cluster.lag"))
    for lag in view.lag:
        pending = t("cli.cluster.pending", count=lag.pending)
        lines.append(f"  {lag.stream:<12} {lag.consumer:<28} {pending}")
    if not view.lag:
        lines.append(f"  {t('cli.cluster.no_consumer')}")
    lines.append(t("cli.cluster.leader", leader=view.leader or t("cli.cluster.no_leader")))
    return lines


def _run_status(args: argparse.Namespace) -> int:
    settings = Settings()
    t = cli_words()
    if not settings.nats_url:
        print(t("cli.cluster.no_nats"), file=sys.stderr)
        return EXIT_USAGE
    try:
        view = asyncio.run(asyncio.wait_for(read_view(settings.nats_url), timeout=15))
    except (NatsError, OSError, TimeoutError) as exc:
        why = str(exc) or type(exc).__name__
        print(t("cli.cluster.unreachable", url=settings.nats_url, why=why), file=sys.stderr)
        return 1
    for line in render(view, [], t):
        print(line)
    return 0
