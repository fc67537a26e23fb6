"""Whether a request's `@skip`/`@include` variables exclude everything a fetch selects.

The plan says, per fetch, which variable values each of its top-level selections needs
(`Fetch.guards`, computed by bff/planning/conditions.py when the plan is made); a fetch whose
every selection is excluded would get empty objects (or nothing) back: the executor skips it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bff.planning.nodes import Fetch


def excludes_every_selection(fetch: Fetch, variables: Mapping[str, Any]) -> bool:
    """True when `variables` exclude every selection of the fetch."""
    guards = fetch.guards
    if guards is None:
        return False
    return all(
        any(name in variables and variables[name] is not wanted for name, wanted in guard)
        for guard in guards
    )
