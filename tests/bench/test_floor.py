"""The floor's replay tree: recorded requests laid out along the plan (pure, no I/O)."""

from __future__ import annotations

from collections import defaultdict, deque

from bench.floor import RecordedRequest, replay_tree, tree_stages
from bff.planning.nodes import Fetch, Flatten, Parallel, RequiredField, RequiredSelection, Sequence

KEYS = (RequiredSelection("User", (RequiredField("id"),)),)
ROOT = Fetch(service="accounts", operation="{ users { id } }")
REVIEWS = Fetch(service="reviews", operation="query($representations:[_Any!]!){r}", requires=KEYS)
PRODUCTS = Fetch(service="products", operation="query($representations:[_Any!]!){p}", requires=KEYS)


def recorded(*requests: RecordedRequest) -> dict[tuple[str, str], deque[RecordedRequest]]:
    pending: dict[tuple[str, str], deque[RecordedRequest]] = defaultdict(deque)
    for request in requests:
        pending[(request.service, request.query)].append(request)
    return pending


def request(fetch: Fetch, body: str) -> RecordedRequest:
    return RecordedRequest(fetch.service, f"http://{fetch.service}", fetch.operation, body, "h")


def test_sequence_and_parallel_stages_keep_the_plan_shape() -> None:
    plan = Sequence(
        (ROOT, Parallel((Flatten(("users", "@"), REVIEWS), Flatten(("users", "@"), PRODUCTS))))
    )
    pending = recorded(request(ROOT, "b1"), request(REVIEWS, "b2"), request(PRODUCTS, "b3"))
    tree = replay_tree(plan, pending)
    assert tree is not None
    assert tree_stages(tree) == "seq(accounts, par(reviews, products))"
    assert [node["body"] for node in tree["nodes"][1]["nodes"]] == ["b2", "b3"]
    assert tree["nodes"][0] == {
        "kind": "fetch",
        "service": "accounts",
        "url": "http://accounts",
        "body": "b1",
        "expectedHash": "h",
    }


def test_a_fetch_the_executor_skipped_is_dropped_and_single_children_collapse() -> None:
    # No products request was recorded (no objects to resolve): the stage has reviews only.
    plan = Sequence((ROOT, Parallel((Flatten(("a",), REVIEWS), Flatten(("b",), PRODUCTS)))))
    tree = replay_tree(plan, recorded(request(ROOT, "b1"), request(REVIEWS, "b2")))
    assert tree is not None
    assert tree_stages(tree) == "seq(accounts, reviews)"


def test_same_document_twice_is_matched_in_recording_order() -> None:
    plan = Sequence((ROOT, Flatten(("a",), REVIEWS), Flatten(("b",), REVIEWS)))
    pending = recorded(request(ROOT, "b1"), request(REVIEWS, "first"), request(REVIEWS, "second"))
    tree = replay_tree(plan, pending)
    assert tree is not None
    assert [node["body"] for node in tree["nodes"]] == ["b1", "first", "second"]


def test_nothing_sent_gives_no_tree() -> None:
    assert replay_tree(Parallel((ROOT,)), recorded()) is None
