"""Lambda entry of the registry API: the same ASGI app, adapted by mangum (API Gateway v1/v2),
logging through Powertools with the Lambda context.

Its own few lines rather than the services' handler factory: the registry is a distribution
apart from the demo services (pyproject.toml) and depends on the gateway's only. Copies
restored by SnapStart reseed `random` (`bff.snapstart`).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from mangum import Mangum

from bff.snapstart import register_restore_hooks
from discovery.api import create_app

# Built once per process; settings come from the environment on the first request.
app = create_app()
logger = Logger(service="registry")
adapter = Mangum(app, lifespan="off")
register_restore_hooks()


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return adapter(event, context)  # type: ignore[arg-type]
