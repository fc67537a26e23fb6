"""The BFF's Lambda entry point (`bff.handler.handler`): mangum around the ASGI app.

Everything is built once per process, at import (Lambda's init phase, which runs with a full
CPU): settings, the gateway with its subgraph transport, the app, and ONE event loop. mangum
0.22 runs each invocation with `asyncio.get_event_loop().run_until_complete(...)`, so keeping
our loop set (never closed, no `asyncio.run`) keeps the transport's aiohttp session and its
keep-alive connections to the subgraphs alive across warm invocations
(see `bff/execution/transport.py`).
"""

from __future__ import annotations

import asyncio

from aws_lambda_powertools import Logger

from bff.config import settings
from bff.http.app import create_app
from bff.http.lambda_adapter import build_handler

logger = Logger(service="bff")

loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)

app = create_app(settings())
handler = logger.inject_lambda_context(build_handler(app, base_path=settings().api_base_path))
