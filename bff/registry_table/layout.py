"""Where each registry item lives in the single registry table (string keys `pk`/`sk`).

- `pk=SUPERGRAPH, sk=VERSION#0000000042`: the version header, the commit record of one
  published version (small: references to its blobs, when, why). The highest version is current.
- `pk=BLOB#<sha256>, sk=CHUNK#00000`: immutable content-addressed chunks of a blob (a
  supergraph SDL, or the JSON manifest of the service records a version was composed from),
  each under DynamoDB's 400 KB item limit.
"""

from __future__ import annotations

SUPERGRAPH_PK = "SUPERGRAPH"
VERSION_PREFIX = "VERSION#"
BLOB_PREFIX = "BLOB#"
CHUNK_PREFIX = "CHUNK#"


def version_sk(version: int) -> str:
    # Zero-padded so the sort key orders numerically and the last item is the current version.
    return f"{VERSION_PREFIX}{version:010d}"


def blob_pk(sha256: str) -> str:
    return f"{BLOB_PREFIX}{sha256}"


def chunk_sk(index: int) -> str:
    return f"{CHUNK_PREFIX}{index:05d}"
