"""register_service against a real registry (uvicorn + moto server) and a real strawberry
subgraph behind its API key: SDL fetch, backoff while the registry starts, no retry on 4xx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import strawberry
import strawberry.federation

from bff.devstack.moto_server import free_port
from bff.tables import REGISTRY, create_table
from discovery.api import RegistrySettings, create_app
from discovery.registration import (
    Backoff,
    RegistrationFailed,
    RegistrationRejected,
    fetch_service_sdl,
    register_service,
)
from discovery.store import RegistryStore
from services.toolkit.api_keys import ApiKeys
from services.toolkit.app import create_app as create_subgraph_app
from services.toolkit.serving import BackgroundServer
from tests.discovery.api.conftest import ADMIN_TOKEN, subgraph_sdl

CATALOG_KEY = "catalog-key"


@strawberry.federation.type(keys=["id"])
class Course:
    id: strawberry.ID
    title: str


@strawberry.type
class Query:
    @strawberry.field
    def course(self, id: strawberry.ID) -> Course | None:
        return Course(id=id, title="GraphQL")


CATALOG_SCHEMA = strawberry.federation.Schema(query=Query)


@pytest.fixture(scope="module")
def catalog_url() -> Iterator[str]:
    app = create_subgraph_app(CATALOG_SCHEMA, "catalog", api_keys=ApiKeys.of(CATALOG_KEY))
    with BackgroundServer(app) as server:
        yield f"{server.url}/graphql"


@pytest.fixture
def registry(registry_table: str, dynamodb_client: Any) -> Iterator[str]:
    settings = RegistrySettings(registry_table, admin_token=ADMIN_TOKEN)
    with BackgroundServer(create_app(settings, dynamodb_client=dynamodb_client)) as server:
        yield server.url


class RecordedSleep:
    def __init__(self, on_sleep: Any = None) -> None:
        self.delays: list[float] = []
        self.on_sleep = on_sleep

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        if self.on_sleep is not None:
            self.on_sleep()


def test_fetches_its_own_sdl_and_registers(
    registry: str, catalog_url: str, registry_table: str, dynamodb_client: Any
) -> None:
    result = register_service(
        registry, ADMIN_TOKEN, "catalog", catalog_url, api_key=CATALOG_KEY, api_key_ref="ref/c"
    )

    assert (result.name, result.version, result.supergraph_version, result.changed) == (
        "catalog",
        1,
        1,
        True,
    )
    record = RegistryStore(registry_table, client=dynamodb_client).service("catalog")
    assert record.sdl == fetch_service_sdl(catalog_url, CATALOG_KEY)
    assert 'type Course @key(fields: "id")' in record.sdl
    assert record.api_key_ref == "ref/c"
    assert not register_service(
        registry, ADMIN_TOKEN, "catalog", catalog_url, api_key=CATALOG_KEY
    ).changed


def test_the_service_key_is_needed_to_read_the_sdl(registry: str, catalog_url: str) -> None:
    sleep = RecordedSleep()

    with pytest.raises(RegistrationFailed, match="HTTP 401"):
        register_service(
            registry, ADMIN_TOKEN, "catalog", catalog_url, api_key="wrong", sleep=sleep
        )
    assert sleep.delays == []


def test_retries_with_backoff_until_the_registry_is_up(
    registry_table: str, dynamodb_client: Any
) -> None:
    port = free_port()
    app = create_app(
        RegistrySettings(registry_table, admin_token=ADMIN_TOKEN), dynamodb_client=dynamodb_client
    )
    server = BackgroundServer(app, port=port)
    sleep = RecordedSleep()
    # The registry comes up during the third wait.
    sleep.on_sleep = lambda: server.start() if len(sleep.delays) == 3 else None

    try:
        result = register_service(
            f"http://127.0.0.1:{port}",
            ADMIN_TOKEN,
            "students",
            "http://students.test/graphql",
            sdl=subgraph_sdl("students"),
            sleep=sleep,
        )
    finally:
        server.stop()

    assert result.supergraph_version == 1
    assert sleep.delays == [0.25, 0.5, 1.0]


def test_retries_while_the_registry_answers_5xx(dynamodb_client: Any, registry_table: str) -> None:
    missing_table = f"{registry_table}-later"
    settings = RegistrySettings(missing_table, admin_token=ADMIN_TOKEN)
    sleep = RecordedSleep(lambda: create_table(dynamodb_client, REGISTRY, missing_table))

    with BackgroundServer(create_app(settings, dynamodb_client=dynamodb_client)) as server:
        result = register_service(
            server.url,
            ADMIN_TOKEN,
            "students",
            "http://students.test/graphql",
            sdl=subgraph_sdl("students"),
            sleep=sleep,
        )

    assert result.supergraph_version == 1
    assert sleep.delays == [0.25]


def test_a_graph_that_does_not_compose_is_rejected_at_once(registry: str) -> None:
    register_service(
        registry,
        ADMIN_TOKEN,
        "students",
        "http://students.test/graphql",
        sdl=subgraph_sdl("students"),
    )
    sleep = RecordedSleep()

    with pytest.raises(RegistrationRejected) as rejected:
        register_service(
            registry,
            ADMIN_TOKEN,
            "lessons",
            "http://lessons.test/graphql",
            sdl=subgraph_sdl("lessons-conflicting"),
            sleep=sleep,
        )

    assert sleep.delays == []
    assert "FIELD_TYPE_MISMATCH" in [error["code"] for error in rejected.value.errors]
    assert "the registry refused lessons: the graph would not compose" in str(rejected.value)
    assert "(lessons:5:3)" in str(rejected.value)


def test_a_wrong_admin_token_is_final(registry: str) -> None:
    sleep = RecordedSleep()

    with pytest.raises(RegistrationFailed, match="401"):
        register_service(
            registry,
            "wrong",
            "students",
            "http://s.test/graphql",
            sdl="type Query { a: Int }",
            sleep=sleep,
        )
    assert sleep.delays == []


def test_gives_up_after_the_last_attempt() -> None:
    sleep = RecordedSleep()

    with pytest.raises(RegistrationFailed, match=r"gave up after 3 attempts: .*unreachable"):
        register_service(
            f"http://127.0.0.1:{free_port()}",
            ADMIN_TOKEN,
            "students",
            "http://s.test/graphql",
            sdl="type Query { a: Int }",
            backoff=Backoff(attempts=3, base=1, maximum=1.5),
            sleep=sleep,
        )
    assert sleep.delays == [1, 1.5]
