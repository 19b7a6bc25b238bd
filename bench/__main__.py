"""Run every benchmark module in turn, each in its own process so their CPU figures stay apart."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import bench


def modules() -> list[str]:
    """The benchmark modules: every module of the package not starting with an underscore."""
    found = pkgutil.iter_modules(bench.__path__)
    return sorted(m.name for m in found if not m.name.startswith("_"))


def main() -> int:
    """Run them all; the exit status is the first failure's, or 0."""
    status = 0
    for name in modules():
        print(f"# bench.{name}", file=sys.stderr, flush=True)
        code = subprocess.call([sys.executable, "-m", f"bench.{name}"])
        status = status or code
    return status


if __name__ == "__main__":
    sys.exit(main())
