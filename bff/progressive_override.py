"""Progressive `@override(label: "percent(N)")`: which labels one request runs with.

Each request enables each `percent(N)` label with probability N/100, independently (as Apollo
Router does); a field whose label is enabled is resolved by the subgraph taking it over, by the
one giving it up otherwise. Labels of any other form are never enabled here. Plans are cached
per set of enabled labels, so each set is planned once.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable

_PERCENT = re.compile(r"percent\((\d+(?:\.\d+)?)\)")


class OverrideLabelSampler:
    """Draws the enabled labels of each request; `chance` returns a float in [0, 1)."""

    def __init__(self, labels: Iterable[str], chance: Callable[[], float] = random.random) -> None:
        self.percentages = {
            label: float(match.group(1))
            for label in sorted(labels)
            if (match := _PERCENT.fullmatch(label)) is not None
        }
        self.chance = chance

    def sample(self) -> frozenset[str]:
        if not self.percentages:
            return frozenset()
        return frozenset(
            label for label, percent in self.percentages.items() if self.chance() * 100 < percent
        )
