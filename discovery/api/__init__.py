"""The registry HTTP API: `create_app(settings)` gives the ASGI app (run it under uvicorn, e.g.
`bff registry serve --port 4010`, or in Lambda through `discovery.handler.handler`)."""

from discovery.api.app import create_app
from discovery.api.settings import RegistryConfigurationError, RegistrySettings

__all__ = ["RegistryConfigurationError", "RegistrySettings", "create_app"]
