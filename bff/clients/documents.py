"""The query text a request runs, by its client's policy: trusted documents by id, automatic
persisted queries (Apollo's `extensions.persistedQuery`), and the safelist. Runs before any
parsing or planning, so a refused request costs nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bff.clients import errors
from bff.clients.directory import APQ, SAFELIST, ClientProfile
from bff.clients.persisted_queries import PersistedQueryStore
from bff.document_hash import document_hash


@dataclass(frozen=True, slots=True)
class ResolvedDocument:
    """The text to run; `persist_as` is the APQ hash to store once the operation is valid."""

    query: str
    persist_as: str | None = None


def requested_id(extensions: Mapping[str, Any] | None, document_id: str | None) -> str | None:
    """The document id a request names: `documentId`, or `extensions.persistedQuery`'s hash."""
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is not None:
        if (
            not isinstance(persisted, Mapping)
            or persisted.get("version") != 1
            or not isinstance(persisted.get("sha256Hash"), str)
            or not persisted["sha256Hash"]
        ):
            raise errors.bad_extension(
                "extensions.persistedQuery must be {version: 1, sha256Hash: <hex string>}."
            )
        hash_ = persisted["sha256Hash"]
        if document_id is not None and document_id != hash_:
            raise errors.bad_extension("documentId and persistedQuery.sha256Hash differ.")
        return hash_
    return document_id


async def resolve_document(
    query: str | None,
    document_id: str | None,
    profile: ClientProfile,
    store: PersistedQueryStore,
) -> ResolvedDocument:
    """Raises `errors.DocumentRefused` when the client may not run this (or it is unknown)."""
    if document_id is None:
        assert query is not None, "the edge requires a query or a document id"
        if profile.policy == SAFELIST and document_hash(query) not in profile.bodies:
            raise errors.not_in_list(profile.name)
        return ResolvedDocument(query)
    published = profile.documents.get(document_id)
    if published is not None:
        if query is not None and query != published.body:
            raise errors.hash_mismatch()
        return ResolvedDocument(published.body)
    if profile.policy == SAFELIST:
        if query is not None and document_hash(query) in profile.bodies:
            return ResolvedDocument(query)
        raise errors.not_found() if query is None else errors.not_in_list(profile.name)
    if profile.policy != APQ:
        if query is None:
            raise errors.not_supported()
        # APQ is not allowed for this client: the hash is ignored and the query runs.
        return ResolvedDocument(query)
    if query is None:
        stored = await store.get(document_id.lower())
        if stored is None:
            raise errors.not_found()
        return ResolvedDocument(stored)
    if document_hash(query) != document_id.lower():
        raise errors.hash_mismatch()
    return ResolvedDocument(query, persist_as=document_id.lower())
