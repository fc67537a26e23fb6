"""The garbage collector's settings for a long-lived gateway process (`bff serve`, a Lambda).

The gateway allocates many small containers per request (decoded subgraph answers, merged and
shaped results) that reference counting frees without cycles; with CPython's default thresholds
(700, 10, 10) the cyclic collector still runs every few hundred allocations and re-scans
everything that survived, the supergraph and the imported modules included. Measured on the deep
query under load (bench/results/report.md, "Where the CPU goes"), that was ~12% of the process's
CPU.
"""

from __future__ import annotations

import gc

# Collect the young generation after this many net container allocations (default 700); the
# older ones after 10 younger collections each, as by default. Of 700 (default), 10_000, 50_000
# and 200_000, 10_000 cost the least CPU per request (bench/results/tuning.md).
THRESHOLDS = (10_000, 10, 10)


def tune_garbage_collector(*, collect_first: bool = True) -> None:
    """Freeze what is alive now (modules, settings, a loaded supergraph) out of every future
    collection, then collect far less often. Call once, after the process's setup.

    `collect_first` frees setup garbage before freezing it; the Lambda handler skips it, as a
    full collection costs ~15 ms of the cold start for a few kilobytes.
    """
    if collect_first:
        gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
