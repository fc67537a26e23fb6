"""Lambda entry of the registry API: the same ASGI app, adapted by mangum (API Gateway v1/v2)
through the handler factory the services use (Powertools logging with the Lambda context)."""

from __future__ import annotations

from discovery.api import create_app
from services.toolkit.handler import create_handler

# Built once per process; settings come from the environment on the first request.
app = create_app()
handler = create_handler(app, "registry")
