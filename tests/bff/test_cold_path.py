"""The Lambda handler's cold path does not import what it defers or avoids: importing
`bff.handler` and answering the first request (supergraph read from the registry table on the
moto server) in a fresh interpreter leaves botocore's client machinery, boto3 and the packages
only other entry points use out of `sys.modules`."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

from bff.devstack.moto_server import MotoServer, free_port
from discovery.store import RegistryStore
from services.toolkit.tables import REGISTRY, TableSpec
from tests.support.api_gateway import http_api_v2_event

# What the cold path must not load, and why each is kept off it.
DEFERRED = (
    "boto3",  # the registry read uses discovery.store.dynamodb_query, not a boto3 client
    "botocore.session",
    "botocore.client",
    "botocore.loaders",  # botocore's service models: ~250 ms with the client
    "s3transfer",
    "pydantic",  # the settings are a plain dataclass
    "strawberry",  # subgraphs only
    "fastapi",  # the registry's API only
    "uvicorn",  # `bff serve` only
    "uvloop",  # measured no cheaper per warm invocation; an import on the cold path
    "jwt",  # the edge's authorizer verifies tokens, not the handler
    "bff.devstack",
    "bff.commands",
    "discovery.api",
    "discovery.composition",
)

PROBE = """
import json, sys
event = json.loads(sys.argv[1])
import bff.handler
imported = set(sys.modules)
class Context:
    aws_request_id = "cold"
    function_name = "bff"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bff"
    memory_limit_in_mb = 1024
answer = bff.handler.handler(event, Context())
print(json.dumps({"imported": sorted(imported), "answered": sorted(sys.modules),
                  "statusCode": answer["statusCode"], "body": json.loads(answer["body"])}))
"""


def test_first_answer_from_the_registry_without_the_deferred_imports(
    moto_server: MotoServer,
    make_table: Callable[[TableSpec], str],
    dynamodb_client: object,
) -> None:
    registry_table = make_table(REGISTRY)
    store = RegistryStore(registry_table, client=dynamodb_client)
    sdl = (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])'
        "\ntype Query { ping: String }"
    )
    store.register("pings", f"http://127.0.0.1:{free_port()}/graphql", sdl)
    event = http_api_v2_event(
        "POST",
        "/graphql",
        headers={"content-type": "application/json"},
        body=json.dumps({"query": "{ __typename }"}).encode(),
    )
    env = {
        "PATH": "",
        **moto_server.env(),
        "REGISTRY_TABLE": registry_table,
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "GRAPHIQL_ENABLED": "false",
    }
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(event)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["statusCode"] == 200
    assert result["body"] == {"data": {"__typename": "Query"}}
    for phase in ("imported", "answered"):
        loaded = set(result[phase])
        assert not [name for name in DEFERRED if name in loaded], phase
    # What the first request does need is there, so the check above looked at the right process.
    assert {"graphql", "aiohttp", "discovery.store.dynamodb_query"} <= set(result["answered"])
