"""mangum around the ASGI app: API Gateway REST (v1) and HTTP API (v2) events in, responses out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mangum import Mangum

from bff.http.app import GraphQLApp
from bff.http.media_types import GRAPHQL_RESPONSE_JSON

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]

# mangum base64-encodes bodies whose type it does not know as text; ours are JSON, JS and CSS.
TEXT_MIME_TYPES = ["text/", "application/json", "application/javascript", GRAPHQL_RESPONSE_JSON]


def build_handler(app: GraphQLApp, *, base_path: str = "/") -> LambdaHandler:
    """A Lambda handler for `app`, running on the event loop current when it is called.

    Lifespan events are off: mangum would run startup and shutdown around every invocation,
    closing the pooled subgraph connections each time.
    """
    adapter = Mangum(
        app, lifespan="off", api_gateway_base_path=base_path, text_mime_types=TEXT_MIME_TYPES
    )

    def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return adapter(event, context)

    return handle
