"""The local stack's event delivery as its own process: lessons stream -> analytics consumer.

It runs `services.events.local_path` (the same publisher and consumer handlers as in AWS) until
SIGTERM or SIGINT. Tables come from LESSONS_TABLE and ANALYTICS_TABLE, DynamoDB from the usual
AWS settings (the local stack points them at the moto server).

The stack starts it before seeding, so the demo data's stream backlog drains while the other
parts start. `--ready-file` is touched once a poll that began after `--seeded-file` existed
found nothing left: from then on a new completion reaches analytics within a poll or two.
"""

from __future__ import annotations

import argparse
import signal
import threading
import time
from pathlib import Path

POLL_INTERVAL_SECONDS = 0.2


def main(argv: list[str] | None = None) -> int:
    from services.events.local_path import build_local_event_path

    parser = argparse.ArgumentParser(prog="python -m bff.devstack.event_path")
    parser.add_argument("--seeded-file", type=Path)
    parser.add_argument("--ready-file", type=Path)
    args = parser.parse_args(argv)

    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    poller = build_local_event_path()
    print("events: lessons stream -> LessonCompleted -> analytics (local delivery)", flush=True)
    ready = args.ready_file is None
    while not stopped.is_set():
        began = time.time()
        try:
            delivered = poller.poll_once()
        except Exception as error:  # the endpoint may be briefly unavailable; poll again
            print(f"events: poll failed ({type(error).__name__}); retrying", flush=True)
            delivered = -1
        if not ready and delivered == 0 and _seeded_before(args.seeded_file, began):
            args.ready_file.touch()
            ready = True
        if delivered <= 0:
            stopped.wait(POLL_INTERVAL_SECONDS)
    return 0


def _seeded_before(seeded_file: Path | None, moment: float) -> bool:
    return seeded_file is None or (seeded_file.exists() and seeded_file.stat().st_mtime < moment)


if __name__ == "__main__":
    raise SystemExit(main())
