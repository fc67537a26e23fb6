"""Fixtures of the infrastructure tests: the Lambda packages, built once, and the moto server
their handlers read from."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from tests.infra.lambda_packages import PackageCache

PLACEHOLDER_SECRET = "placeholder-secret"


@pytest.fixture(scope="module")
def aws_endpoint(moto_server: Any) -> str:
    """The moto server, holding the secret every placeholder secret id names.

    Handlers may read their secrets during Lambda's init phase (the BFF reads its subgraph
    keys at import), so the probe gives them a Secrets Manager to read from.
    """
    import boto3

    secrets = boto3.client("secretsmanager", endpoint_url=moto_server.endpoint)
    with contextlib.suppress(secrets.exceptions.ResourceExistsException):
        secrets.create_secret(Name=PLACEHOLDER_SECRET, SecretString="placeholder-key-value")
    return str(moto_server.endpoint)


@pytest.fixture(scope="session")
def packages(tmp_path_factory: pytest.TempPathFactory) -> PackageCache:
    return PackageCache(tmp_path_factory.mktemp("lambda-packages"))
