"""The local stack's event delivery as its own process: lessons stream -> analytics consumer.

It runs `services.events.local_path` (the same publisher and consumer handlers as in AWS) until
SIGTERM or SIGINT. Tables come from LESSONS_TABLE and ANALYTICS_TABLE, DynamoDB from the usual
AWS settings (the local stack points them at the moto server).
"""

from __future__ import annotations

import signal
import threading


def main() -> int:
    from services.events.local_path import start_local_event_path

    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    poller = start_local_event_path()
    print("events: lessons stream -> LessonCompleted -> analytics (local delivery)", flush=True)
    try:
        stopped.wait()
    finally:
        poller.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
