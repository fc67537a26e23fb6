"""The sample subgraph behind each transport (uvicorn over HTTP, Lambda v1, Lambda v2)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.toolkit.api_keys import ApiKeys
from tests.services.toolkit.sample_subgraph import create_sample_app
from tests.services.toolkit.transports import TRANSPORT_NAMES, Transport, open_transport

CURRENT_KEY = "sample-key-current-7d1f"
PREVIOUS_KEY = "sample-key-previous-93ab"


@pytest.fixture(scope="module", params=TRANSPORT_NAMES)
def sample(request: pytest.FixtureRequest) -> Iterator[Transport]:
    app = create_sample_app(ApiKeys.of(CURRENT_KEY, PREVIOUS_KEY))
    with open_transport(request.param, app, "sample") as transport:
        yield transport
