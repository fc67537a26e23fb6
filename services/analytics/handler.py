"""Lambda entry point of the analytics subgraph (API Gateway REST v1 and HTTP API v2 events)."""

from __future__ import annotations

from services.analytics.app import create_app
from services.analytics.schema import SERVICE_NAME
from services.toolkit.handler import create_handler

# Built once per process: warm invocations reuse the app, its boto3 client and its keys.
handler = create_handler(create_app(), SERVICE_NAME)
