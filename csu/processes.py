"""Child processes for work that must not share the web process's interpreter lock.

csu's processes have threads (the event loop, the engine, video workers), and forking a process
with threads can copy a lock some other thread held. A fork server, started clean, forks the
children instead: each starts in milliseconds with the heavy modules already imported, which
`spawn` would import again for every child (a test suite starts hundreds).
"""

from __future__ import annotations

import multiprocessing
import threading
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
            context.set_forkserver_preload(sorted(_preload))
    return context
