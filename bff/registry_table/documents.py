"""Clients and their trusted documents: policies, manifests, and checking documents against a
client's schema (at publish time, and in `POST /checks` against a proposed supergraph).

A manifest is Apollo's persisted query manifest
(`{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{id, name, type,
body}]}`) or the `{id: body}` map Relay and graphql-codegen emit. Requests name a document by
its id (`extensions.persistedQuery.sha256Hash` or `documentId`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    parse,
    validate,
)

from bff.supergraph.contracts import Contract

# Who may send what: any operation; any operation and automatic persisted queries; only the
# client's published documents.
POLICIES = ("open", "apq", "safelist")
CLIENT_NAME_RULE = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
_CLIENT_NAME = re.compile(CLIENT_NAME_RULE)
APOLLO_MANIFEST_FORMAT = "apollo-persisted-query-manifest"
MAX_DOCUMENTS = 5000

# Codes of the problems a manifest or document can have (error items' `code`).
INVALID_MANIFEST = "INVALID_MANIFEST"
INVALID_DOCUMENT = "INVALID_DOCUMENT"
CONTRACT_INVALID = "CONTRACT_INVALID"
NO_SUPERGRAPH = "NO_SUPERGRAPH"


def is_valid_client_name(name: str) -> bool:
    return _CLIENT_NAME.fullmatch(name) is not None


@dataclass(frozen=True, slots=True)
class ClientRecord:
    """A registered client: its policy and contract (an empty contract is the full schema)."""

    name: str
    policy: str
    contract: Contract = field(default_factory=Contract)
    updated_at: str = ""
    documents: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "policy": self.policy,
            "contract": self.contract.to_json(),
            "updatedAt": self.updated_at,
            "documents": self.documents,
        }


@dataclass(frozen=True, slots=True)
class PublishedDocument:
    """One trusted document of a client: the id requests send, its operation name, its text."""

    id: str
    name: str | None
    body: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "body": self.body}


def read_manifest(manifest: Any) -> tuple[list[PublishedDocument], list[dict[str, Any]]]:
    """The documents of an Apollo manifest or an `{id: body}` map, and the problems found."""
    if isinstance(manifest, Mapping) and manifest.get("format") == APOLLO_MANIFEST_FORMAT:
        if manifest.get("version") != 1:
            return [], [_problem(INVALID_MANIFEST, "only manifest version 1 is supported")]
        entries = manifest.get("operations")
        if not isinstance(entries, list):
            return [], [_problem(INVALID_MANIFEST, "'operations' must be a list")]
        pairs = [
            (entry.get("id"), entry.get("body"), entry.get("name"))
            if isinstance(entry, Mapping)
            else (None, None, None)
            for entry in entries
        ]
    elif isinstance(manifest, Mapping):
        pairs = [(key, value, None) for key, value in manifest.items()]
    else:
        return [], [_problem(INVALID_MANIFEST, "a manifest is a JSON object")]
    documents: list[PublishedDocument] = []
    problems: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, (document_id, body, name) in enumerate(pairs):
        if not isinstance(document_id, str) or not document_id or len(document_id) > 256:
            problems.append(_problem(INVALID_MANIFEST, f"operation {index} has no valid id"))
            continue
        if not isinstance(body, str) or not body.strip():
            problems.append(_problem(INVALID_MANIFEST, "the body must be text", document_id))
            continue
        if document_id in seen:
            problems.append(_problem(INVALID_MANIFEST, "the id appears twice", document_id))
            continue
        seen.add(document_id)
        documents.append(
            PublishedDocument(document_id, name if isinstance(name, str) else None, body)
        )
    if len(documents) > MAX_DOCUMENTS:
        problems.append(_problem(INVALID_MANIFEST, f"more than {MAX_DOCUMENTS} documents"))
    return documents, problems


def check_documents(
    schema: GraphQLSchema, documents: Iterable[PublishedDocument]
) -> list[dict[str, Any]]:
    """Each document's problems against `schema` (syntax and validation, with locations)."""
    problems: list[dict[str, Any]] = []
    for document in documents:
        try:
            parsed = parse(document.body)
        except GraphQLSyntaxError as error:
            problems.append(_graphql_problem(error, document))
            continue
        errors: Sequence[GraphQLError] = validate(schema, parsed)
        problems.extend(_graphql_problem(error, document) for error in errors)
        if not errors and not any(
            isinstance(d, OperationDefinitionNode) for d in parsed.definitions
        ):
            problems.append(
                _problem(INVALID_DOCUMENT, "the document has no operation", document.id)
            )
    return problems


def with_operation_names(documents: Iterable[PublishedDocument]) -> list[PublishedDocument]:
    """Documents with the name of their (first) operation where the manifest gave none."""
    named: list[PublishedDocument] = []
    for document in documents:
        if document.name is None:
            operation = next(
                (
                    d
                    for d in parse(document.body, no_location=True).definitions
                    if isinstance(d, OperationDefinitionNode)
                ),
                None,
            )
            if operation is not None and operation.name is not None:
                document = PublishedDocument(document.id, operation.name.value, document.body)
        named.append(document)
    return named


def _graphql_problem(error: GraphQLError, document: PublishedDocument) -> dict[str, Any]:
    problem = _problem(INVALID_DOCUMENT, error.message, document.id)
    if document.name:
        problem["operation"] = document.name
    if error.locations:
        problem["locations"] = [
            {"line": location.line, "column": location.column} for location in error.locations
        ]
    return problem


def _problem(code: str, message: str, document_id: str | None = None) -> dict[str, Any]:
    problem: dict[str, Any] = {"code": code, "message": message}
    if document_id is not None:
        problem["document"] = document_id
    return problem
