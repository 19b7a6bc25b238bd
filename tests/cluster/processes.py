"""csu nodes as real processes for the cluster tests: the harness the benchmarks use too."""

from bench._cluster import Cluster, Node, cluster, free_port, wait_healthy

__all__ = ["Cluster", "Node", "cluster", "free_port", "wait_healthy"]
