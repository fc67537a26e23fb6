"""The feature stacks (fixture subgraphs and a gateway over HTTP), started on first use: the
features harness's own fixture."""

from __future__ import annotations

from tests.bff.features.test_features import stacks

__all__ = ["stacks"]
