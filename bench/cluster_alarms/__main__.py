"""`python -m bench.cluster_alarms`: parse the options, run the figures on one cluster."""

from __future__ import annotations

import argparse
import os
import tempfile
import uuid
from pathlib import Path

import bench.cluster_alarms
from bench.alarms.measure import load_averages
from bench.alarms.stored import postgres_database, prepare_database
from bench.cluster_alarms.failover import failovers
from bench.cluster_alarms.stack import PASSWORD, USERNAME, emit, running
from bench.cluster_alarms.throughput import drain, throughput


def main() -> None:
    """Parse the options and run: throughput, then failovers, on one cluster."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.cluster_alarms", description=bench.cluster_alarms.__doc__
    )
    parser.add_argument("--nodes", type=int, default=2, help="API nodes")
    parser.add_argument("--rate", type=float, default=10_000.0, help="MQTT alarms a second")
    parser.add_argument("--http-rate", type=float, default=0.0, help="HTTP alarms a second")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured")
    parser.add_argument("--warmup", type=float, default=2.0, help="not measured")
    parser.add_argument("--drain", type=int, default=50_000, help="payloads for the engine")
    parser.add_argument("--failovers", type=int, default=2)
    parser.add_argument("--failover-rate", type=float, default=1000.0)
    parser.add_argument("--failover-seconds", type=float, default=12.0)
    parser.add_argument("--kill-after", type=float, default=3.0)
    default_db = os.environ.get(
        "CSU_TEST_DATABASE_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
    )
    parser.add_argument("--postgres", default=default_db, help="PostgreSQL server URL")
    parser.add_argument("--py-spy", type=Path, help="profile each node: PREFIX-<node>.txt")
    opts = parser.parse_args()
    run = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory() as tmp, postgres_database(opts.postgres, run) as url:
        # The supervisor posts, watches and asks who leads.
        prepare_database(url, USERNAME, PASSWORD, role="supervisor")
        emit(figure="machine", cores=os.cpu_count(), load=load_averages())
        with running(Path(tmp), url, opts.nodes) as stack:
            if opts.rate or opts.http_rate:
                throughput(stack, url, opts)
            if opts.drain:
                drain(stack, url, opts)
            if opts.failovers:
                failovers(stack, url, opts)


if __name__ == "__main__":
    main()
