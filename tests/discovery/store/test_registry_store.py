"""RegistryStore against the moto server: publishing, no-ops, removal, rollback, refusals."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from discovery.store import (
    CompositionRejected,
    InvalidServiceName,
    PublishContention,
    RegistryStore,
    ServiceNotFound,
    VersionNotFound,
)
from tests.discovery.composers import concatenating_composer
from tests.discovery.conftest import table_items

STUDENTS_SDL = "type Student { id: ID! }\ntype Query { student(id: ID!): Student }"
LESSONS_SDL = "extend type Student { xp: Int }\ntype Query { lessons: [String] }"


def test_first_registration_publishes_version_one(store: RegistryStore) -> None:
    registration = store.register("students", "http://students/graphql", STUDENTS_SDL)

    assert registration.changed
    assert registration.supergraph_version == 1
    assert registration.service.version == 1
    current = store.current()
    assert current is not None
    assert current.version == 1
    assert "student(id: ID!)" in current.sdl
    assert [s.name for s in current.services] == ["students"]
    assert store.service("students").url == "http://students/graphql"


def test_unchanged_registration_is_a_no_op(store: RegistryStore) -> None:
    store.register("students", "http://students/graphql", STUDENTS_SDL, api_key_ref="key-1")

    again = store.register("students", "http://students/graphql", STUDENTS_SDL)

    assert not again.changed
    assert again.supergraph_version == 1
    assert again.service.api_key_ref == "key-1"  # an omitted reference keeps the stored one
    assert [entry.version for entry in store.history()] == [1]


def test_changed_registration_publishes_next_version(store: RegistryStore) -> None:
    store.register("students", "http://students/graphql", STUDENTS_SDL)
    store.register("lessons", "http://lessons/graphql", LESSONS_SDL)

    moved = store.register("students", "http://students-v2/graphql", STUDENTS_SDL)

    assert moved.changed
    assert moved.supergraph_version == 3
    assert moved.service.version == 3
    assert store.service("lessons").version == 2
    assert [entry.version for entry in store.history()] == [3, 2, 1]
    assert store.history()[0].reason == "register students"


def test_changing_only_the_api_key_reference_publishes(store: RegistryStore) -> None:
    store.register("students", "http://students/graphql", STUDENTS_SDL, api_key_ref="key-1")

    rotated = store.register("students", "http://students/graphql", STUDENTS_SDL, api_key_ref="k2")

    assert rotated.changed
    assert store.service("students").api_key_ref == "k2"


def test_registration_that_does_not_compose_stores_nothing(
    store: RegistryStore, dynamodb_client: Any
) -> None:
    store.register("students", "http://students/graphql", STUDENTS_SDL)
    before = table_items(dynamodb_client, store.table_name)

    with pytest.raises(CompositionRejected) as rejected:
        store.register("lessons", "http://lessons/graphql", "type Query {")

    assert rejected.value.errors[0].code == "INVALID_GRAPHQL"
    assert rejected.value.errors[0].service == "lessons"
    assert table_items(dynamodb_client, store.table_name) == before


@pytest.mark.parametrize("name", ["Students", "1st", "a_b", "", "x" * 64, "-a"])
def test_bad_service_names_are_refused(store: RegistryStore, name: str) -> None:
    with pytest.raises(InvalidServiceName):
        store.register(name, "http://x/graphql", STUDENTS_SDL)


def test_remove_publishes_a_version_without_the_service(store: RegistryStore) -> None:
    store.register("students", "http://students/graphql", STUDENTS_SDL)
    store.register("other", "http://other/graphql", "type Query { other: Int }")

    version = store.remove("other")

    assert version == 3
    assert [s.name for s in store.services()] == ["students"]
    with pytest.raises(ServiceNotFound):
        store.service("other")
    with pytest.raises(ServiceNotFound):
        store.remove("other")


def test_remove_that_breaks_the_graph_is_refused(
    store: RegistryStore, dynamodb_client: Any
) -> None:
    store.register("students", "http://students/graphql", STUDENTS_SDL)
    store.register("lessons", "http://lessons/graphql", LESSONS_SDL)
    before = table_items(dynamodb_client, store.table_name)

    with pytest.raises(CompositionRejected) as rejected:
        store.remove("students")

    assert rejected.value.errors[0].code == "EXTENSION_WITH_NO_BASE"
    assert table_items(dynamodb_client, store.table_name) == before


def test_rollback_publishes_a_new_version_with_the_old_content(store: RegistryStore) -> None:
    store.register("students", "http://students/graphql", STUDENTS_SDL)
    old = store.current()
    store.register("lessons", "http://lessons/graphql", LESSONS_SDL)

    version = store.rollback(1)

    current = store.current()
    assert old is not None and current is not None
    assert version == current.version == 3
    assert current.sdl == old.sdl
    assert current.services == old.services
    assert current.reason == "rollback to 1"
    # The next registration starts from the rolled-back state.
    store.register("other", "http://other/graphql", "type Query { other: Int }")
    assert [s.name for s in store.services()] == ["other", "students"]


def test_rollback_to_an_unknown_version_is_refused(store: RegistryStore) -> None:
    store.register("students", "http://students/graphql", STUDENTS_SDL)

    with pytest.raises(VersionNotFound):
        store.rollback(7)


def test_reads_of_an_empty_registry(store: RegistryStore) -> None:
    assert store.current() is None
    assert store.services() == ()
    assert store.history() == []
    with pytest.raises(ServiceNotFound):
        store.service("students")


def test_timestamps_come_from_the_clock(registry_table: str, dynamodb_client: Any) -> None:
    fixed = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    store = RegistryStore(
        registry_table,
        client=dynamodb_client,
        composer=concatenating_composer,
        clock=lambda: fixed,
    )

    registration = store.register("students", "http://students/graphql", STUDENTS_SDL)

    assert registration.service.updated_at == "2026-01-02T03:04:05Z"
    assert store.history()[0].created_at == "2026-01-02T03:04:05Z"


class RacingComposer:
    """Composes like the stand-in, but lets another writer publish first `races` times,
    as a concurrent registration would between our read and our write."""

    def __init__(self, rival: RegistryStore, races: int) -> None:
        self.rival = rival
        self.races = races
        self.seen: list[list[str]] = []

    def __call__(self, subgraphs: Any) -> Any:
        self.seen.append([s.name for s in subgraphs])
        if self.races:
            self.races -= 1
            index = len(self.seen)
            self.rival.register(
                f"rival-{index}", "http://rival/graphql", f"type Query {{ r{index}: Int }}"
            )
        return concatenating_composer(subgraphs)


def test_a_lost_race_recomposes_against_the_fresh_state(
    registry_table: str, dynamodb_client: Any
) -> None:
    rival = RegistryStore(registry_table, client=dynamodb_client, composer=concatenating_composer)
    composer = RacingComposer(rival, races=1)
    store = RegistryStore(registry_table, client=dynamodb_client, composer=composer)

    registration = store.register("students", "http://students/graphql", STUDENTS_SDL)

    assert registration.supergraph_version == 2
    assert composer.seen == [["students"], ["rival-1", "students"]]
    assert [s.name for s in store.services()] == ["rival-1", "students"]


def test_endless_contention_gives_up_and_stores_nothing_of_ours(
    registry_table: str, dynamodb_client: Any
) -> None:
    rival = RegistryStore(registry_table, client=dynamodb_client, composer=concatenating_composer)
    composer = RacingComposer(rival, races=3)
    store = RegistryStore(registry_table, client=dynamodb_client, composer=composer, max_attempts=3)

    with pytest.raises(PublishContention):
        store.register("students", "http://students/graphql", STUDENTS_SDL)

    assert [s.name for s in store.services()] == ["rival-1", "rival-2", "rival-3"]
