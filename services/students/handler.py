"""Lambda entry point of the students subgraph: `services.students.handler.handler`.

The app (and its boto3 client) is built at import, once per execution environment.
"""

from __future__ import annotations

from services.students.app import create_app
from services.students.schema import SERVICE_NAME
from services.toolkit.handler import create_handler

handler = create_handler(create_app(), SERVICE_NAME)
