"""Progressive @override: each request draws its labels; plans are cached per label set."""

from __future__ import annotations

from collections.abc import Iterator

from bff.config import GatewaySettings
from bff.gateway import ServedSupergraph
from bff.planning import print_plan
from bff.progressive_override import OverrideLabelSampler
from bff.supergraph import load_supergraph
from tests.bff.planning.golden import FIXTURES

HALF = (
    (FIXTURES / "progressive-override" / "supergraph.graphql")
    .read_text()
    .replace("percent(100)", "percent(50)")
)
QUERY = "{ products { name price } }"


def _chances(*values: float) -> Iterator[float]:
    yield from values


def test_each_request_enables_a_percent_label_with_its_probability() -> None:
    draws = _chances(0.49, 0.5, 0.99, 0.0)
    sampler = OverrideLabelSampler(["percent(50)", "beta-users"], chance=lambda: next(draws))

    assert [sampler.sample() for _ in range(4)] == [
        frozenset({"percent(50)"}),
        frozenset(),
        frozenset(),
        frozenset({"percent(50)"}),
    ]
    # Labels that are not percentages are never enabled by the gateway.
    assert sampler.percentages == {"percent(50)": 50.0}


def test_plans_are_cached_per_label_set() -> None:
    served = ServedSupergraph(load_supergraph(HALF), GatewaySettings(), api_keys={})
    assert served.override_labels.percentages == {"percent(50)": 50.0, "percent(0)": 0.0}
    enabled = frozenset({"percent(50)"})

    moved = served.operation(QUERY, None, enabled)
    stayed = served.operation(QUERY, None)

    assert served.operation(QUERY, None, enabled) is moved
    assert served.operation(QUERY, None) is stayed
    assert len(served.operations) == 2
    assert moved.plan is not None and stayed.plan is not None
    assert 'Fetch(service: "b")' in print_plan(moved.plan)
    assert 'Fetch(service: "b")' not in print_plan(stayed.plan)
    assert served.planner_for(enabled) is served.planner_for(frozenset({"percent(50)"}))
