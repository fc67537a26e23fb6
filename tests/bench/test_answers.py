"""bench/answers.py and node/load.mjs canonicalise JSON alike, so their hashes agree."""

from __future__ import annotations

import json
import subprocess

import pytest

from bench.answers import canonical_hash, canonical_json
from bench.workload import NODE_DIR

SAMPLES = [
    {"data": {"b": [1, 2, {"z": None, "a": True}], "a": 'text with "quotes"\n'}},
    {"data": None, "errors": [{"message": "x", "path": ["a", 0]}]},
    {"data": {"users": [{"id": "1", "name": "Ada"}], "empty": {}, "list": []}},
]


def node_hash(text: str) -> str:
    script = (
        f"import {{ canonicalHash }} from {json.dumps(str(NODE_DIR / 'load.mjs'))};"
        "process.stdout.write(canonicalHash(process.argv[1]));"
    )
    completed = subprocess.run(
        ["node", "--input-type=module", "-e", script, text],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return completed.stdout


@pytest.mark.parametrize("value", SAMPLES)
def test_python_and_node_hash_the_same_answer_alike(value: dict) -> None:
    # The load generator gets the expected hash from Python and hashes each response in Node.
    assert node_hash(json.dumps(value)) == canonical_hash(value)


def test_key_order_and_spacing_do_not_change_the_hash() -> None:
    reordered = json.loads('{ "data" : { "a" : 1, "b" : [2, 3] } }')
    assert canonical_hash(reordered) == canonical_hash({"data": {"b": [2, 3], "a": 1}})
    assert canonical_json(reordered) == '{"data":{"a":1,"b":[2,3]}}'


def test_different_data_gives_a_different_hash() -> None:
    assert canonical_hash({"data": {"a": 1}}) != canonical_hash({"data": {"a": 2}})
