"""Shared fixtures: a moto server on loopback that every DynamoDB call in the tests goes to."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from bff.devstack.moto_server import MotoServer
from bff.tables import TableSpec, create_table


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    """One moto server process for the session; boto3 reaches it over HTTP on 127.0.0.1."""
    server = MotoServer().start()
    saved = {key: os.environ.get(key) for key in server.env()}
    os.environ.update(server.env())
    try:
        yield server
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def dynamodb_client(moto_server: MotoServer) -> Any:
    return boto3.client("dynamodb", endpoint_url=moto_server.endpoint, region_name="us-east-1")


@pytest.fixture
def make_table(dynamodb_client: Any, monkeypatch: pytest.MonkeyPatch) -> Callable[[TableSpec], str]:
    """Create a fresh table for `spec` with a unique name and export it in `spec.env_var`."""

    def make(spec: TableSpec) -> str:
        name = f"{spec.logical_name}-{uuid.uuid4().hex[:12]}"
        create_table(dynamodb_client, spec, name)
        monkeypatch.setenv(spec.env_var, name)
        return name

    return make


@pytest.fixture
def secrets_manager(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A Secrets Manager client on the moto server; so is any `boto3.client("secretsmanager")`
    made during the test (as the gateway and Powertools make theirs)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto_server.endpoint)
    return boto3.client("secretsmanager")
