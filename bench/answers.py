"""The expected answer of a query, as a hash of its canonical JSON (sorted keys, no spaces).

The load generator (node/load.mjs) canonicalises every response the same way, so a response
counts as right only when its data equals the expected data, whatever its key order or spacing.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_hash(value: Any) -> str:
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()
