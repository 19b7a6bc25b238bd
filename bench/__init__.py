"""Benchmarks: each module runs with `python -m bench.NAME` and prints one JSON line per figure."""
