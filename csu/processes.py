"""Child processes for work that must not share the web process's interpreter lock.

csu's processes have threads (the event loop, the engine, video workers), and forking a process
with threads can copy a lock some other thread held. A fork server, started clean, forks the
children instead: each starts in milliseconds with the heavy modules already imported, which
`spawn` would import again for every child (a test suite starts hundreds).
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
import types
from collections.abc import Sequence
from multiprocessing.context import ForkServerContext

_lock = threading.Lock()
_preload: set[str] = set()


def process_context(preload: Sequence[str] = ()) -> ForkServerContext:
    """The fork-server context; `preload` names modules the server imports once, if not started.

    Modules named after the server started are imported by each child instead (still correct).
    """
    context = multiprocessing.get_context("forkserver")
    assert isinstance(context, ForkServerContext)
    with _lock:
        if not set(preload) <= _preload:
            _preload.update(preload)
            context.set_forkserver_preload(sorted(_preload | set(_main_imports())))
    return context


def _main_imports() -> list[str]:
    """The modules the parent's main module imports from, already loaded here.

    Every child runs the parent's main module again (as __mp_main__); Python 3.11's forkserver
    never preloads "__main__" as it means to, so without these a child started from the `csu`
    script would import the whole web application again (about 2 s) before doing its work.
    """
    main = sys.modules.get("__main__")
    name = getattr(getattr(main, "__spec__", None), "name", None)
    if main is None or (name is not None and name.endswith("__main__")):
        return []  # `python -m package`: the child does not run it again
    found = set()
    for value in list(vars(main).values()):
        module = value.__name__ if isinstance(value, types.ModuleType) else None
        if module is None:
            try:
                module = getattr(value, "__module__", None)
            except Exception:
                continue
        if isinstance(module, str) and module in sys.modules and not module.startswith("__"):
            found.add(module)
    return sorted(found)


# How long a thread may hold the interpreter lock while another waits for it (Python's default:
# 5 ms). A pipeline process hands each batch from one thread to the next (socket reader, store,
# pipe, writer); at 5 ms each hand-over could wait that long behind a busy thread. At 1 ms the
# MQTT intake at 10,000 alarms a second pushed in 76 ms at the 99th percentile instead of 87
# (bench.alarms, four runs each), for no more CPU.
SWITCH_INTERVAL_S = 0.001


def quick_thread_switches() -> None:
    """Let a waiting thread take the interpreter lock within `SWITCH_INTERVAL_S`."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)
