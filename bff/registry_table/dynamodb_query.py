"""A small DynamoDB client that only reads: the BFF's registry reads without botocore's client.

Creating botocore's DynamoDB client costs ~250 ms (its import, the service model, the endpoint
rules), most of a Lambda cold start's budget, for what the gateway does with it: `Query` and
`GetItem` on the registry table. This client sends those two itself, over DynamoDB's JSON
protocol (`X-Amz-Target: DynamoDB_20120810.Query`), signed with Signature Version 4 from the
credentials in the environment (a Lambda function always has them there). It answers like
botocore's client: the same response dictionaries (binary attributes as bytes) and botocore's
exceptions (`ClientError` for a refused request, `BotoCoreError` subclasses when no answer
came), so the store's readers take either.

`from_environ()` returns None when the environment lacks credentials or a region: the caller
then uses botocore's client, which also resolves profiles, container and instance roles.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import http.client
import os
import threading
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

SERVICE = "dynamodb"
TARGET_PREFIX = "DynamoDB_20120810."
CONTENT_TYPE = "application/x-amz-json-1.0"
ALGORITHM = "AWS4-HMAC-SHA256"
# As botocore's standard retry mode with max_attempts=2: one more try after a failure that a
# retry can cure (no answer, throttling, a server error).
ATTEMPTS = 2
RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
    }
)


class DynamoDBQueryClient:
    """`query(**params)` and `get_item(**params)` as botocore's DynamoDB client takes and
    answers them (one connection, kept alive; safe to share between threads)."""

    def __init__(
        self,
        *,
        region: str,
        access_key_id: str,
        secret_access_key: str,
        session_token: str | None = None,
        endpoint_url: str | None = None,
        timeout_seconds: float = 3.0,
        clock: Callable[[], datetime.datetime] = lambda: datetime.datetime.now(datetime.UTC),
    ) -> None:
        self.endpoint_url = endpoint_url or f"https://dynamodb.{region}.amazonaws.com"
        parts = urllib.parse.urlsplit(self.endpoint_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) endpoint URL: {self.endpoint_url!r}")
        self._scheme = parts.scheme
        self._host = parts.netloc
        self._path = parts.path or "/"
        self._region = region
        self._access_key_id = access_key_id
        self._secret_access_key = secret_access_key
        self._session_token = session_token
        self._timeout = timeout_seconds
        self._clock = clock
        self._connection: http.client.HTTPConnection | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_environ(
        cls, environ: Mapping[str, str] | None = None, **options: Any
    ) -> DynamoDBQueryClient | None:
        """A client from the environment's region, credentials and endpoint (as botocore reads
        them), or None when the region or the credentials are not there."""
        env = os.environ if environ is None else environ
        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
        access_key_id = env.get("AWS_ACCESS_KEY_ID")
        secret_access_key = env.get("AWS_SECRET_ACCESS_KEY")
        if not (region and access_key_id and secret_access_key):
            return None
        return cls(
            region=region,
            access_key_id=access_key_id,
            secret_access_key=secret_access_key,
            session_token=env.get("AWS_SESSION_TOKEN") or None,
            endpoint_url=env.get("AWS_ENDPOINT_URL_DYNAMODB") or env.get("AWS_ENDPOINT_URL"),
            **options,
        )

    def query(self, **params: Any) -> dict[str, Any]:
        return self._call("Query", params)

    def get_item(self, **params: Any) -> dict[str, Any]:
        return self._call("GetItem", params)

    def _call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        body = orjson.dumps(_encode_binary(params))
        for attempt in range(1, ATTEMPTS + 1):
            try:
                status, answer = self._send(operation, body)
            except (OSError, http.client.HTTPException) as error:
                self._drop_connection()
                if attempt == ATTEMPTS:
                    raise _no_answer(error, self.endpoint_url) from error
                continue
            if status == 200:
                decoded: dict[str, Any] = _decode_binary(orjson.loads(answer))
                return decoded
            error_response = _error_response(status, answer)
            code = error_response["Error"]["Code"]
            if attempt == ATTEMPTS or not (status >= 500 or code in RETRYABLE_CODES):
                raise ClientError(error_response, operation)  # type: ignore[arg-type]
        raise AssertionError("unreachable")  # pragma: no cover

    def signed_headers(self, operation: str, body: bytes) -> dict[str, str]:
        """The request's headers with its SigV4 `Authorization` (public for its test)."""
        now = self._clock()
        amz_date = now.strftime("%Y%m%dT%H%M%SZ")
        day = amz_date[:8]
        headers = {
            "content-type": CONTENT_TYPE,
            "host": self._host,
            "x-amz-date": amz_date,
            "x-amz-target": TARGET_PREFIX + operation,
        }
        if self._session_token:
            headers["x-amz-security-token"] = self._session_token
        names = sorted(headers)
        canonical_request = "\n".join(
            [
                "POST",
                urllib.parse.quote(self._path, safe="/~"),
                "",  # no query string
                "".join(f"{name}:{headers[name].strip()}\n" for name in names),
                ";".join(names),
                hashlib.sha256(body).hexdigest(),
            ]
        )
        scope = f"{day}/{self._region}/{SERVICE}/aws4_request"
        string_to_sign = "\n".join(
            [ALGORITHM, amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
        )
        key = f"AWS4{self._secret_access_key}".encode()
        for part in (day, self._region, SERVICE, "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
        headers["authorization"] = (
            f"{ALGORITHM} Credential={self._access_key_id}/{scope}, "
            f"SignedHeaders={';'.join(names)}, Signature={signature}"
        )
        return headers

    def close(self) -> None:
        self._drop_connection()

    def _send(self, operation: str, body: bytes) -> tuple[int, bytes]:
        with self._lock:
            connection = self._connection or self._connect()
            headers = self.signed_headers(operation, body)
            headers["content-length"] = str(len(body))
            connection.request("POST", self._path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()

    def _connect(self) -> http.client.HTTPConnection:
        kind = (
            http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
        )
        self._connection = kind(self._host, timeout=self._timeout)
        return self._connection

    def _drop_connection(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


def _no_answer(error: Exception, endpoint_url: str) -> Exception:
    """botocore's exception for a request that got no answer."""
    if isinstance(error, TimeoutError):
        return ReadTimeoutError(endpoint_url=endpoint_url)
    return EndpointConnectionError(endpoint_url=endpoint_url)


def _error_response(status: int, answer: bytes) -> dict[str, Any]:
    """botocore's error dictionary from DynamoDB's JSON error (`__type`, `message`)."""
    try:
        document = orjson.loads(answer)
    except orjson.JSONDecodeError:
        document = {}
    if not isinstance(document, dict):
        document = {}
    code = str(document.get("__type") or f"HTTP{status}").rpartition("#")[2]
    message = str(document.get("message") or document.get("Message") or "")
    return {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }


def _encode_binary(value: Any) -> Any:
    """Bytes become base64 text, as the JSON protocol carries binary attributes."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {key: _encode_binary(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_encode_binary(item) for item in value]
    return value


def _decode_binary(value: Any) -> Any:
    """Binary attribute values (`B`, `BS`) back to bytes, anywhere in an answer."""
    if isinstance(value, dict):
        decoded = {}
        for key, item in value.items():
            if key == "B" and isinstance(item, str) and len(value) == 1:
                decoded[key] = base64.b64decode(item)
            elif key == "BS" and isinstance(item, list) and len(value) == 1:
                decoded[key] = [base64.b64decode(entry) for entry in item]
            else:
                decoded[key] = _decode_binary(item)
        return decoded
    if isinstance(value, list):
        return [_decode_binary(item) for item in value]
    return value
