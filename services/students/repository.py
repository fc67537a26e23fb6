"""Students data access on the STUDENTS table (boto3, single-table layout).

Items:
- `pk=STUDENT#<id>`, `sk=PROFILE`: the student; `gsi1pk=STUDENT`, `gsi1sk=<joinedAt>#<id>`
  puts every student in one index partition, ordered by join time, for paging.
- `pk=EMAIL#<normalized email>`, `sk=EMAIL`: the uniqueness guard, written in the same
  transaction as the student with `attribute_not_exists`, so a taken email stores nothing.
"""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bff.tables import STUDENTS
from services.toolkit.aws_clients import dynamodb_client
from services.toolkit.batching import batch_get_items
from services.toolkit.errors import ErrorCode, UserError
from services.toolkit.pagination import check_page_size, decode_cursor, encode_cursor
from services.toolkit.schema import format_datetime, parse_datetime

NAME_MAX_LENGTH = 100
EMAIL_MAX_LENGTH = 254  # RFC 5321 path limit
LISTING_PARTITION = "STUDENT"
INDEX_KEY_NAMES = ("pk", "sk", "gsi1pk", "gsi1sk")

# Deliberately practical rather than full RFC 5322: one @, no spaces, a dotted domain whose
# labels are letters, digits or inner hyphens, and a top-level label of 2+ letters.
EMAIL_PATTERN = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


@dataclass(frozen=True)
class StudentRecord:
    id: str
    name: str
    email: str
    joined_at: datetime
    # The `sub` of the user who owns the student (None: managed by admins only).
    owner: str | None = None


@dataclass(frozen=True)
class StudentPageRecord:
    items: list[StudentRecord]
    next_cursor: str | None


def normalize_name(name: str) -> str:
    """Names are trimmed and must then be 1..100 characters."""
    trimmed = name.strip()
    if not 1 <= len(trimmed) <= NAME_MAX_LENGTH:
        raise UserError(
            f"name must be 1 to {NAME_MAX_LENGTH} characters after trimming spaces.",
            ErrorCode.BAD_USER_INPUT,
        )
    return trimmed


def normalize_email(email: str) -> str:
    """Emails are trimmed and lower-cased (uniqueness ignores case), then must look valid."""
    normalized = email.strip().lower()
    if len(normalized) > EMAIL_MAX_LENGTH or not EMAIL_PATTERN.match(normalized):
        raise UserError("email is not a valid email address.", ErrorCode.BAD_USER_INPUT)
    if ".." in normalized.split("@")[0] or normalized.startswith("."):
        raise UserError("email is not a valid email address.", ErrorCode.BAD_USER_INPUT)
    return normalized


def student_key(student_id: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"STUDENT#{student_id}"}, "sk": {"S": "PROFILE"}}


def _from_item(item: dict[str, Any]) -> StudentRecord:
    return StudentRecord(
        id=item["id"]["S"],
        name=item["name"]["S"],
        email=item["email"]["S"],
        joined_at=parse_datetime(item["joinedAt"]["S"]),
        owner=item["owner"]["S"] if "owner" in item else None,
    )


def _is_listing_key(key: dict[str, str]) -> bool:
    return key["gsi1pk"] == LISTING_PARTITION and key["pk"].startswith("STUDENT#")


class StudentRepository:
    """Reads and writes students with synchronous boto3 (resolvers run it in a thread)."""

    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table_name = table_name
        self.client = client if client is not None else dynamodb_client()

    @classmethod
    def from_environment(cls, client: Any | None = None) -> StudentRepository:
        """The table named by `STUDENTS_TABLE`, through the process-wide client by default."""
        return cls(os.environ[STUDENTS.env_var], client)

    def register(
        self,
        name: str,
        email: str,
        *,
        student_id: str | None = None,
        joined_at: datetime | None = None,
        owner: str | None = None,
    ) -> StudentRecord:
        """Store a new student; `CONFLICT` if the email or id is taken (then nothing is written).

        `student_id` and `joined_at` may be given for deterministic demo data; `owner` is the
        `sub` of the user who owns it (its id is then `owned_student_id(owner)`).
        """
        record = StudentRecord(
            id=student_id or str(uuid.uuid4()),
            name=normalize_name(name),
            email=email.strip(),
            joined_at=joined_at or datetime.now(UTC),
            owner=owner,
        )
        normalized_email = normalize_email(email)
        joined = format_datetime(record.joined_at)
        student_item = {
            **student_key(record.id),
            "gsi1pk": {"S": LISTING_PARTITION},
            "gsi1sk": {"S": f"{joined}#{record.id}"},
            "id": {"S": record.id},
            "name": {"S": record.name},
            "email": {"S": record.email},
            "joinedAt": {"S": joined},
        }
        if owner is not None:
            student_item["owner"] = {"S": owner}
        email_item = {
            "pk": {"S": f"EMAIL#{normalized_email}"},
            "sk": {"S": "EMAIL"},
            "studentId": {"S": record.id},
        }
        try:
            self.client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table_name,
                            "Item": item,
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    }
                    for item in (email_item, student_item)
                ]
            )
        except self.client.exceptions.TransactionCanceledException as error:
            reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
            # Reasons come in TransactItems order: the email guard, then the student.
            if reasons[:1] == ["ConditionalCheckFailed"]:
                raise UserError(
                    "A student with this email is already registered.", ErrorCode.CONFLICT
                ) from None
            if reasons[1:2] == ["ConditionalCheckFailed"]:
                message = (
                    "A student with this id already exists."
                    if owner is None
                    else "This user already owns a student."
                )
                raise UserError(message, ErrorCode.CONFLICT) from None
            raise
        return record

    def get_many(self, student_ids: Sequence[str]) -> list[StudentRecord | None]:
        """Students for `student_ids` in order (None if unknown): one BatchGetItem per 100."""
        items = batch_get_items(
            self.client, self.table_name, [student_key(sid) for sid in student_ids]
        )
        return [_from_item(item) if item else None for item in items]

    async def load_many(self, student_ids: Sequence[str]) -> list[StudentRecord | None]:
        """`get_many` off the event loop: the batch function of the request's DataLoader."""
        return await asyncio.to_thread(self.get_many, student_ids)

    def get(self, student_id: str) -> StudentRecord | None:
        return self.get_many([student_id])[0]

    def list_page(self, first: int, after: str | None = None) -> StudentPageRecord:
        """Up to `first` (1..100) students by join time, after the page `after` ended on."""
        check_page_size(first)
        query: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": "gsi1",
            "KeyConditionExpression": "gsi1pk = :partition",
            "ExpressionAttributeValues": {":partition": {"S": LISTING_PARTITION}},
            # One extra item tells whether another page exists without an empty last page.
            "Limit": first + 1,
        }
        if after is not None:
            query["ExclusiveStartKey"] = decode_cursor(after, INDEX_KEY_NAMES, _is_listing_key)
        items = self.client.query(**query).get("Items", [])
        page = items[:first]
        next_cursor = None
        if len(items) > first:
            last = page[-1]
            next_cursor = encode_cursor({name: last[name] for name in INDEX_KEY_NAMES})
        return StudentPageRecord([_from_item(item) for item in page], next_cursor)
