"""Who may do what in the subgraphs, decided from the verified `Identity` alone.

- `admin` (JWT `scope` claim) may do everything, for any student.
- A user owns at most one student, whose id is derived from the user's `sub`
  (`owned_student_id`), so any subgraph can tell whether a caller owns a student without reading
  the students table: lessons and analytics own no student data.
- A refusal raises `FORBIDDEN`; the resolver then changes nothing.
"""

from __future__ import annotations

import uuid

from services.toolkit.errors import ErrorCode, UserError
from services.toolkit.identity import ADMIN_SCOPE, Identity

OWNER_NAMESPACE = uuid.UUID("7b0e2a1c-9f4d-4c55-8e3a-6f776e657273")


def owned_student_id(subject: str) -> str:
    """The id of the student a user (`sub`) owns, whether it has registered it yet or not."""
    return str(uuid.uuid5(OWNER_NAMESPACE, subject))


def require_scope(identity: Identity | None, scope: str, action: str) -> Identity:
    """The identity, if it has `scope`; otherwise `FORBIDDEN` naming the scope and action."""
    if identity is None or scope not in identity.scopes:
        raise UserError(f"{action} needs the {scope!r} scope.", ErrorCode.FORBIDDEN)
    return identity


def require_admin(identity: Identity | None, action: str) -> Identity:
    return require_scope(identity, ADMIN_SCOPE, action)


def require_owner(identity: Identity | None, student_id: str, action: str) -> Identity:
    """The identity, if it owns `student_id` or is an admin; otherwise `FORBIDDEN`."""
    if identity is None:
        raise UserError(f"{action} needs a signed-in user.", ErrorCode.FORBIDDEN)
    if identity.is_admin or owned_student_id(identity.subject) == student_id:
        return identity
    raise UserError(f"{action} is only allowed for your own student.", ErrorCode.FORBIDDEN)
