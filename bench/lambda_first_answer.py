"""Run in a fresh interpreter by bench/coldstart.py: import the BFF's Lambda entry point as the
Lambda runtime does, invoke it once with an API Gateway v2 event, print one JSON line at once.

Usage: python lambda_first_answer.py EVENT_JSON

The event is built by the caller with the local API Gateway's builder: importing that here would
load aiohttp and PyJWT before the timed import and first invocation.
"""

import json
import sys
import time
from dataclasses import dataclass

event = json.loads(sys.argv[1])
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


result = entry.handler(event, LambdaContext())
answered = time.perf_counter()
line = {
    "statusCode": result["statusCode"],
    "body": json.loads(result["body"]),
    "importMs": (imported - started) * 1000,
    "invocationMs": (answered - imported) * 1000,
    # CPU of the whole process so far, interpreter start included: on a loaded machine the wall
    # time also counts waiting for a core.
    "cpuMs": time.process_time() * 1000,
}
sys.stdout.write(json.dumps({"firstAnswer": line}) + "\n")
sys.stdout.flush()
