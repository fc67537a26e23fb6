"""Run in a fresh interpreter by bench/coldstart.py: import the BFF's Lambda entry point as the
Lambda runtime does, invoke it once with an API Gateway v2 event, print one JSON line at once.

Usage: python lambda_first_answer.py QUERY
"""

import json
import sys
import time
from dataclasses import dataclass

started = time.perf_counter()
import bff.handler as entry  # noqa: E402 - the import itself is what is timed

imported = time.perf_counter()


@dataclass
class LambdaContext:
    aws_request_id: str = "cold-start"
    function_name: str = "bff"
    function_version: str = "$LATEST"
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:bff"
    memory_limit_in_mb: int = 1024


event = {
    "version": "2.0",
    "routeKey": "$default",
    "rawPath": "/graphql",
    "rawQueryString": "",
    "headers": {"content-type": "application/json", "accept": "application/json"},
    "requestContext": {
        "http": {"method": "POST", "path": "/graphql", "sourceIp": "127.0.0.1"},
        "requestId": "cold-start",
        "stage": "$default",
        "authorizer": {"jwt": {"claims": {"sub": "bench"}, "scopes": None}},
    },
    "body": json.dumps({"query": sys.argv[1]}),
    "isBase64Encoded": False,
}
result = entry.handler(event, LambdaContext())
answered = time.perf_counter()
line = {
    "statusCode": result["statusCode"],
    "body": json.loads(result["body"]),
    "importMs": (imported - started) * 1000,
    "invocationMs": (answered - imported) * 1000,
}
sys.stdout.write(json.dumps({"firstAnswer": line}) + "\n")
sys.stdout.flush()
