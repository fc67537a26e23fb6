"""The GraphQL request parameters of an HTTP request (graphql-over-http): checked, or a 4xx."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

import orjson

from bff.gateway import GraphQLRequest


class HTTPRequestError(Exception):
    """The HTTP request is not a well-formed GraphQL request; answered with `status`."""

    def __init__(
        self,
        status: int,
        message: str,
        headers: list[tuple[bytes, bytes]] | None = None,
        *,
        code: str = "BAD_REQUEST",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or []
        self.code = code


def params_from_query_string(query_string: bytes) -> GraphQLRequest:
    """GET: `query`, `operationName`, and `variables`/`extensions` as JSON-encoded strings."""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    raw: dict[str, Any] = {}
    for name, value in pairs:
        raw.setdefault(name, value)
    for name in ("variables", "extensions"):
        if raw.get(name) in (None, ""):
            raw.pop(name, None)
            continue
        try:
            raw[name] = orjson.loads(raw[name])
        except orjson.JSONDecodeError:
            raise HTTPRequestError(400, f"'{name}' must be a JSON-encoded object.") from None
    return params_from_mapping(raw)


def params_from_json_body(body: bytes) -> GraphQLRequest:
    """POST with `application/json`: a JSON object with the same parameters."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise HTTPRequestError(400, "The request body is not valid JSON.") from None
    if isinstance(document, list):
        raise HTTPRequestError(400, "Batched requests (a JSON array) are not supported.")
    if not isinstance(document, dict):
        raise HTTPRequestError(400, "The request body must be a JSON object.")
    return params_from_mapping(document)


def params_from_mapping(params: Mapping[str, Any]) -> GraphQLRequest:
    extensions = params.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        raise HTTPRequestError(400, "The 'extensions' parameter must be a JSON object.")
    document_id = params.get("documentId")
    if document_id is not None and (not isinstance(document_id, str) or not document_id):
        raise HTTPRequestError(400, "The 'documentId' parameter must be a non-empty string.")
    query = params.get("query")
    if query == "":
        query = None
    if query is None and document_id is None and "persistedQuery" not in (extensions or {}):
        raise HTTPRequestError(400, "The 'query' parameter is required.")
    if query is not None and not isinstance(query, str):
        raise HTTPRequestError(400, "The 'query' parameter must be a string.")
    operation_name = params.get("operationName")
    if operation_name == "":
        operation_name = None
    if operation_name is not None and not isinstance(operation_name, str):
        raise HTTPRequestError(400, "The 'operationName' parameter must be a string.")
    variables = params.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise HTTPRequestError(400, "The 'variables' parameter must be a JSON object.")
    # A document id alone (APQ hash, trusted document) is resolved by the client's policy.
    return GraphQLRequest(
        query=query,
        operation_name=operation_name,
        variables=variables,
        extensions=extensions,
        document_id=document_id,
    )
