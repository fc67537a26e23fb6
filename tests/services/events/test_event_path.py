"""From a stored first completion to analytics XP: stream poller, publisher, local bus, consumer.

The poller reads the lessons table's stream from the moto server over HTTP and invokes the
real publisher handler; the local bus invokes the real consumer handler.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from services.analytics import consumer
from services.analytics.repository import AnalyticsRepository
from services.events.lesson_completed import DETAIL_TYPE, SOURCE, Language
from services.events.local_bus import LocalEventBus, Rule
from services.events.local_path import build_local_event_path
from services.events.stream_poller import StreamPoller
from services.lessons import publisher
from services.lessons.app import create_app
from services.lessons.records import Difficulty, LessonRecord
from services.lessons.repository import LessonsRepository
from services.toolkit.api_keys import ApiKeys
from services.toolkit.serving import BackgroundServer
from tests.services.events.conftest import RecordingPublisher, complete
from tests.services.lessons.conftest import operation
from tests.services.toolkit.transports import LoopbackHttp, graphql
from tests.support.identity import admin_headers, verifier


class FlakyConsumer:
    """The real consumer handler, failing its first `failures` deliveries."""

    def __init__(self, analytics: AnalyticsRepository, failures: int) -> None:
        self.handler = consumer.make_handler(lambda: analytics)
        self.failures = failures
        self.deliveries = 0

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        self.deliveries += 1
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("injected: the consumer is unavailable")
        return self.handler(event, context)


def bus_to(target: Any, attempts: int = 3) -> LocalEventBus:
    return LocalEventBus(
        [Rule(SOURCE, DETAIL_TYPE, target)], attempts=attempts, first_backoff_seconds=0
    )


def poller_for(lessons: LessonsRepository, event_publisher: Any) -> StreamPoller:
    return StreamPoller(lessons.table_name, publisher.make_handler(lambda: event_publisher))


def xp(analytics: AnalyticsRepository, student_id: str) -> int:
    return analytics.xp_of([student_id])[0].total


def test_a_first_completion_reaches_analytics_and_a_repeat_publishes_nothing(
    lessons: LessonsRepository, analytics: AnalyticsRepository
) -> None:
    recorder = RecordingPublisher(forward=bus_to(consumer.make_handler(lambda: analytics)))
    poller = poller_for(lessons, recorder)

    complete(lessons, "s1")
    first_poll = poller.poll_once()
    repeat = complete(lessons, "s1")
    second_poll = poller.poll_once()

    # The lesson's own insert and the completion are the two records; only one is an event.
    assert first_poll == 2
    assert [event.detail() for event in recorder.published] == [
        {
            "eventId": recorder.published[0].event_id,
            "studentId": "s1",
            "lessonId": "loops",
            "language": "PYTHON",
            "xp": 150,
            "completedAt": "2026-11-20T09:30:00.000Z",
        }
    ]
    assert (repeat.awarded_xp, repeat.first_completion) == (0, False)
    assert second_poll == 0  # a refused conditional write leaves no stream record
    assert len(recorder.published) == 1
    assert analytics.xp_of(["s1"])[0].by_language == {Language.PYTHON: 150}


def test_each_completion_of_a_student_is_published_once(
    lessons: LessonsRepository, analytics: AnalyticsRepository
) -> None:
    second = LessonRecord(
        "maps", "Maps", Difficulty.MEDIUM, 200, (Language.GO,), "2026-01-02T00:00:00.000Z"
    )
    lessons.put_lesson(second)
    recorder = RecordingPublisher(forward=bus_to(consumer.make_handler(lambda: analytics)))
    poller = poller_for(lessons, recorder)

    complete(lessons, "s1")  # creates the student's completions item (a stream INSERT)
    poller.poll_once()
    complete(lessons, "s1", "maps")  # adds an entry to it (a stream MODIFY)
    poller.poll_once()

    assert [event.lesson_id for event in recorder.published] == ["loops", "maps"]
    assert xp(analytics, "s1") == 350


def test_a_publish_that_fails_once_is_retried_and_counted_exactly_once(
    lessons: LessonsRepository, analytics: AnalyticsRepository
) -> None:
    recorder = RecordingPublisher(
        forward=bus_to(consumer.make_handler(lambda: analytics)), failures=1
    )
    poller = poller_for(lessons, recorder)
    poller.poll_once()  # the lesson's insert, acknowledged
    complete(lessons, "s1")

    failed_poll = poller.poll_once()
    assert (failed_poll, recorder.published, xp(analytics, "s1")) == (0, [], 0)

    retried_poll = poller.poll_once()
    assert retried_poll == 1
    assert len(recorder.attempts) == 2 and len(recorder.published) == 1
    assert xp(analytics, "s1") == 150
    assert poller.poll_once() == 0  # acknowledged: not delivered again


def test_a_failed_record_is_retried_from_its_position_in_the_batch(
    lessons: LessonsRepository, analytics: AnalyticsRepository
) -> None:
    recorder = RecordingPublisher(forward=bus_to(consumer.make_handler(lambda: analytics)))
    poller = poller_for(lessons, recorder)
    poller.poll_once()
    for student in ("s1", "s2", "s3"):
        complete(lessons, student)

    class FailSecond(RecordingPublisher):
        def publish(self, event: Any) -> None:
            if event.student_id == "s2" and not self.attempts:
                self.attempts.append(event)
                raise RuntimeError("injected")
            recorder.publish(event)

    poller.handler = publisher.make_handler(lambda: FailSecond())
    acknowledged = poller.poll_once()
    retried = poller.poll_once()

    # s1 is checkpointed; s2 and s3 come again (s3 published twice, counted once).
    assert (acknowledged, retried) == (1, 2)
    assert [event.student_id for event in recorder.published] == ["s1", "s3", "s2", "s3"]
    assert [xp(analytics, s) for s in ("s1", "s2", "s3")] == [150, 150, 150]


def test_a_delivery_that_fails_once_is_retried_by_the_bus(
    lessons: LessonsRepository, analytics: AnalyticsRepository
) -> None:
    flaky = FlakyConsumer(analytics, failures=1)
    poller = poller_for(lessons, bus_to(flaky))
    complete(lessons, "s1")

    assert poller.poll_once() == 2
    assert flaky.deliveries == 2
    assert xp(analytics, "s1") == 150


def test_when_every_delivery_attempt_fails_the_record_waits_for_the_next_poll(
    lessons: LessonsRepository, analytics: AnalyticsRepository
) -> None:
    flaky = FlakyConsumer(analytics, failures=2)
    poller = poller_for(lessons, bus_to(flaky, attempts=2))
    poller.poll_once()
    complete(lessons, "s1")

    assert poller.poll_once() == 0
    assert xp(analytics, "s1") == 0
    assert poller.poll_once() == 1
    assert (flaky.deliveries, xp(analytics, "s1")) == (3, 150)


def test_twenty_concurrent_completions_over_http_award_xp_once_and_publish_one_event(
    lessons: LessonsRepository, analytics: AnalyticsRepository
) -> None:
    app = create_app(repository=lessons, api_keys=ApiKeys.of("key"), identity=verifier("lessons"))
    recorder = RecordingPublisher(forward=bus_to(consumer.make_handler(lambda: analytics)))
    variables = {"studentId": "s1", "lessonId": "loops", "language": "PYTHON"}

    with BackgroundServer(app) as server:
        client = LoopbackHttp(server.url)
        with ThreadPoolExecutor(max_workers=20) as pool:
            replies = list(
                pool.map(
                    lambda _: graphql(
                        client,
                        operation("complete_lesson"),
                        variables,
                        api_key="key",
                        headers=admin_headers("lessons"),
                    ),
                    range(20),
                )
            )
    poller_for(lessons, recorder).poll_once()

    results = [reply.json()["data"]["completeLesson"] for reply in replies]
    assert sorted(result["awardedXp"] for result in results) == [0] * 19 + [150]
    assert [result["firstCompletion"] for result in results].count(True) == 1
    assert len({result["completion"]["completedAt"] for result in results}) == 1
    assert len(recorder.published) == 1
    assert xp(analytics, "s1") == 150


def test_the_local_event_path_runs_in_the_background_until_stopped(
    lessons: LessonsRepository, analytics: AnalyticsRepository
) -> None:
    path = build_local_event_path(
        lessons_table=lessons.table_name, analytics_table=analytics.table_name
    )
    path.start(interval_seconds=0.05)
    try:
        complete(lessons, "s1")
        # Wait (bounded) for the background thread; what is asserted is the outcome, not speed.
        for _ in range(200):
            if xp(analytics, "s1"):
                break
            time.sleep(0.05)
    finally:
        path.stop()

    assert xp(analytics, "s1") == 150
