"""StudentDirectory: which students exist, for the services that act on student ids.

Lessons must not record a completion (and award XP) for a student that does not exist, and
analytics must not rank one: a "ghost" that ranks first makes every leaderboard query fail at
the gateway, whose `student: Student!` cannot be resolved for it. Both read the students table
through this one read-only view (their functions get read access to that table only), with
strongly consistent reads so a student registered a moment ago is found. The layout stays the
students service's own: this module sits beside its repository.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from bff.tables import STUDENTS
from services.students.repository import student_key
from services.toolkit.aws_clients import dynamodb_client
from services.toolkit.batching import batch_get_items


class StudentDirectory:
    """Existence checks on the students table (named by STUDENTS_TABLE by default)."""

    def __init__(self, table_name: str | None = None, client: Any | None = None) -> None:
        self.table_name = table_name or os.environ[STUDENTS.env_var]
        self.client = client or dynamodb_client()

    def existing(self, student_ids: Iterable[str]) -> set[str]:
        """The ids among `student_ids` that name a registered student (one BatchGetItem per
        100 distinct ids, consistent reads)."""
        wanted = list(dict.fromkeys(student_ids))
        if not wanted:
            return set()
        items = batch_get_items(
            self.client,
            self.table_name,
            [student_key(student_id) for student_id in wanted],
            consistent_read=True,
        )
        return {student_id for student_id, item in zip(wanted, items, strict=True) if item}

    def exists(self, student_id: str) -> bool:
        return bool(self.existing([student_id]))
