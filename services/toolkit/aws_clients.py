"""boto3 clients created once per process (cold start), reused by every warm invocation.

Callers that need a different client (tests, another endpoint) pass their own instead.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3


@cache
def dynamodb_client() -> Any:
    """The process-wide DynamoDB client; honours AWS_ENDPOINT_URL_DYNAMODB locally."""
    return boto3.client("dynamodb")


@cache
def secretsmanager_client() -> Any:
    """The process-wide Secrets Manager client; honours AWS_ENDPOINT_URL_SECRETS_MANAGER."""
    return boto3.client("secretsmanager")
