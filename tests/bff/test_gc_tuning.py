"""The gateway process's collector settings: what was alive at setup is frozen, and the young
generation is collected less often (in a fresh interpreter: freezing would outlast a test)."""

from __future__ import annotations

import json
import subprocess
import sys

from bff.gc_tuning import THRESHOLDS

PROBE = """
import gc, json
before = gc.get_freeze_count()
from bff.gc_tuning import tune_garbage_collector
tune_garbage_collector()
print(json.dumps({"before": before, "frozen": gc.get_freeze_count(),
                  "thresholds": gc.get_threshold()}))
"""


def test_setup_objects_are_frozen_and_young_collections_are_rarer() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    result = json.loads(completed.stdout)
    assert result["before"] == 0
    assert result["frozen"] > 1000  # the interpreter's and the imported modules' objects
    assert tuple(result["thresholds"]) == THRESHOLDS
    assert THRESHOLDS[0] > 700  # CPython's default young-generation threshold
