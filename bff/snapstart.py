"""Lambda SnapStart restore hooks: what copies restored from one snapshot must not share.

With SnapStart, Lambda runs the init phase once per published version, snapshots the process and
starts every later execution environment from that snapshot. Everything created during init is
then shared by all of them: the `random` module's state (each copy would draw the same numbers)
and any open socket (a pooled keep-alive connection whose peer has long closed it). The hooks run
after each restore: reseed `random` from the OS, then each `reopen` callback (closing a
connection pool so the next request opens its own).

`snapshot_restore_py` exists only in Lambda's Python 3.12+ runtimes; elsewhere nothing is
registered.
"""

from __future__ import annotations

import random
from collections.abc import Callable


def after_restore(*reopen: Callable[[], None]) -> None:
    """What a restored copy runs first: a fresh random seed, then each `reopen`."""
    random.seed()
    for callback in reopen:
        callback()


def register_restore_hooks(*reopen: Callable[[], None]) -> bool:
    """Register `after_restore(*reopen)` with the runtime; False outside Lambda's runtime."""
    try:
        from snapshot_restore_py import register_after_restore
    except ImportError:
        return False
    register_after_restore(after_restore, *reopen)
    return True
