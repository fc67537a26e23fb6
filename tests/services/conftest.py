"""Fixtures shared by the services' tests."""

from __future__ import annotations

from typing import Any

import boto3
import pytest


@pytest.fixture
def private_client(moto_server: Any) -> Any:
    """A DynamoDB client of the test's own, so hooks a test registers on it (call recorders,
    throttling) never leak into other tests."""
    return boto3.client("dynamodb", endpoint_url=moto_server.endpoint)
