"""The SHA-256 of a GraphQL document's text: the one name persisted queries, trusted documents,
usage and the request log give a document."""

from __future__ import annotations

import hashlib


def document_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
