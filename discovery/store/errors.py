"""What registry operations refuse, as exceptions the API and CLI map to clear answers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bff.registry_table.errors import RegistryError

if TYPE_CHECKING:
    # Only an annotation here: the BFF's registry read raises these errors without composing.
    from discovery.composition.result import CompositionError


class InvalidServiceName(RegistryError):
    def __init__(self, name: str, rule: str) -> None:
        super().__init__(f"service name {name!r} does not match {rule}")
        self.name = name


class ServiceNotFound(RegistryError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no service named {name!r} is registered")
        self.name = name


class VersionNotFound(RegistryError):
    def __init__(self, version: int) -> None:
        super().__init__(f"supergraph version {version} does not exist")
        self.version = version


class CompositionRejected(RegistryError):
    """The change would give a graph that does not compose; nothing was stored."""

    def __init__(self, errors: tuple[CompositionError, ...]) -> None:
        summary = "; ".join(error.message for error in errors[:3])
        super().__init__(f"the graph would not compose: {summary}")
        self.errors = errors


class BreakingChangesRefused(RegistryError):
    """The change composes but would break client queries (fields, types, arguments removed or
    changed), and the registration did not ask for it (`force`); nothing was stored.
    `changes` are `discovery.breaking_changes.BreakingChange`s."""

    def __init__(self, name: str, changes: tuple[Any, ...]) -> None:
        listed = "; ".join(change.message for change in changes[:3])
        more = f" (and {len(changes) - 3} more)" if len(changes) > 3 else ""
        super().__init__(
            f"registering {name} would break client queries: {listed}{more}; "
            "register with force to publish it anyway"
        )
        self.name = name
        self.changes = changes


class PublishContention(RegistryError):
    """Other writers won the race for the next version every time we tried."""


class ClientNotFound(RegistryError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no client named {name!r} is registered")
        self.name = name


class ClientRejected(RegistryError):
    """A client's contract or documents are not valid for the current graph; nothing was
    stored. `problems` are error items (`code`, `message`, `document?`, `locations?`)."""

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__(problems[0]["message"] if problems else "the client was refused")
        self.problems = problems
