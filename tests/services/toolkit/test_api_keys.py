"""API keys: configuration (env, Secrets Manager on the moto server) and the 401 on every route."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from services.toolkit.api_keys import ApiKeyConfigurationError, ApiKeys, parse_key_list
from tests.services.toolkit.conftest import CURRENT_KEY, PREVIOUS_KEY
from tests.services.toolkit.sample_subgraph import SERVICE_NAME, create_sample_app
from tests.services.toolkit.transports import Transport, graphql, open_transport

WRONG_KEY = "sample-key-wrong-0000"


@pytest.mark.parametrize(
    ("raw", "keys"),
    [
        ("k1", ("k1",)),
        (" k1 , k2 ,", ("k1", "k2")),
        ('["k1", "k2"]', ("k1", "k2")),
    ],
)
def test_key_lists_are_json_lists_or_comma_separated(raw: str, keys: tuple[str, ...]) -> None:
    assert parse_key_list(raw) == keys


@pytest.mark.parametrize("raw", ["", " , ", "[]", '["k1", 2]', '{"k": "v"}', "[not json"])
def test_unusable_key_lists_are_configuration_errors(raw: str) -> None:
    with pytest.raises(ApiKeyConfigurationError):
        parse_key_list(raw)


def test_keys_come_from_api_keys_env_var() -> None:
    keys = ApiKeys.from_environment({"API_KEYS": "a,b"})
    assert keys.accepts(b"a") and keys.accepts(b"b")
    assert not keys.accepts(b"c") and not keys.accepts(None) and not keys.accepts(b"")


def test_without_any_key_configuration_the_app_refuses_to_be_built() -> None:
    with pytest.raises(ApiKeyConfigurationError):
        ApiKeys.from_environment({})


@pytest.fixture
def secrets_client(moto_server: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    # The moto server speaks every AWS API on one endpoint; point Secrets Manager at it too.
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto_server.endpoint)
    return boto3.client("secretsmanager")


@pytest.mark.parametrize("secret", ['["s1", "s2"]', "s1,s2"])
def test_keys_come_from_secrets_manager_read_once_per_ttl(secrets_client: Any, secret: str) -> None:
    name = f"sample/api-keys/{uuid.uuid4().hex}"
    arn = secrets_client.create_secret(Name=name, SecretString=secret)["ARN"]
    calls: list[str] = []
    secrets_client.meta.events.register(
        "before-call.secrets-manager.GetSecretValue", lambda **_: calls.append("get")
    )
    keys = ApiKeys.from_secret(arn, client=secrets_client)
    for _ in range(3):
        assert keys.accepts(b"s1") and keys.accepts(b"s2") and not keys.accepts(b"s3")
    assert calls == ["get"]


def test_secret_id_from_environment_is_used(
    secrets_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = f"sample/api-keys/{uuid.uuid4().hex}"
    secrets_client.create_secret(Name=name, SecretString='["from-secret"]')
    monkeypatch.delenv("API_KEYS", raising=False)
    monkeypatch.setenv("API_KEY_SECRET_ID", name)
    keys = ApiKeys.from_environment()
    assert keys.accepts(b"from-secret")


def test_an_unreadable_secret_fails_closed_with_500(secrets_client: Any) -> None:
    app = create_sample_app(ApiKeys.from_secret("sample/does-not-exist", client=secrets_client))
    with open_transport("http_api_v2", app) as transport:
        reply = graphql(transport, "{ greeting }", api_key=CURRENT_KEY)
    assert reply.status == 500
    assert reply.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "does-not-exist" not in reply.body.decode()


ROUTES = [
    ("POST", "/graphql", {"Content-Type": "application/json"}, b'{"query": "{ greeting }"}', {}),
    ("GET", "/graphql", {}, None, {"query": "{ greeting }"}),
    ("GET", "/", {}, None, {}),
    ("POST", "/somewhere/else", {"Content-Type": "application/json"}, b"{}", {}),
]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r[0]} {r[1]}")
@pytest.mark.parametrize("presented", [None, WRONG_KEY, ""], ids=["missing", "wrong", "empty"])
def test_every_route_answers_401_without_a_valid_key(
    sample: Transport, route: tuple[Any, ...], presented: str | None
) -> None:
    method, path, headers, body, query = route
    if presented is not None:
        headers = {**headers, "X-API-Key": presented}
    reply = sample.request(method, path, headers=headers, body=body, query=query)
    assert reply.status == 401
    assert reply.headers["content-type"] == "application/json"
    [error] = reply.json()["errors"]
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}
    assert WRONG_KEY not in reply.body.decode()


@pytest.mark.parametrize("key", [CURRENT_KEY, PREVIOUS_KEY], ids=["current", "previous"])
def test_both_rotated_keys_are_accepted_for_post_and_get(sample: Transport, key: str) -> None:
    reply = graphql(sample, "{ greeting }", api_key=key)
    assert (reply.status, reply.json()) == (200, {"data": {"greeting": "hello"}})
    reply = sample.request(
        "GET", "/graphql", headers={"X-API-Key": key}, query={"query": '{ echo(text: "hi") }'}
    )
    assert (reply.status, reply.json()) == (200, {"data": {"echo": "hi"}})


def test_with_a_valid_key_an_unknown_path_is_a_graphql_shaped_404(sample: Transport) -> None:
    reply = sample.request("GET", "/nowhere", headers={"X-API-Key": CURRENT_KEY})
    assert reply.status == 404
    assert reply.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


class RecordingHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def service_log() -> Iterator[RecordingHandler]:
    handler = RecordingHandler()
    logger = logging.getLogger(SERVICE_NAME)  # Powertools names its logger after the service
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def test_rejections_are_logged_without_the_presented_key(
    sample: Transport, service_log: RecordingHandler
) -> None:
    graphql(sample, "{ greeting }", api_key=WRONG_KEY)
    graphql(sample, "{ greeting }", api_key=CURRENT_KEY)
    assert service_log.records, "the rejection is logged"
    logged = json.dumps([vars(r) for r in service_log.records], default=str)
    assert "invalid API key" in logged
    assert WRONG_KEY not in logged and CURRENT_KEY not in logged
