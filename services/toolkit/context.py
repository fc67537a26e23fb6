"""The per-request GraphQL context of a subgraph: resources, verified identity, DataLoaders."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from starlette.requests import Request
from starlette.responses import Response
from strawberry.dataloader import DataLoader

from services.toolkit.identity import Identity

R = TypeVar("R")
K = TypeVar("K", bound=Hashable)
T = TypeVar("T")

BatchLoad = Callable[[Sequence[K]], Awaitable[Sequence[T]]]


@dataclass
class SubgraphContext(Generic[R]):
    """What resolvers get as `info.context`.

    `resources` is whatever the service passed to `create_app` (typically its repository);
    `identity` is the caller the BFF's signed token names, or None (anonymous: no token, or one
    that did not verify; `services.toolkit.authorization` refuses it); `trace_id` the caller's
    trace. Loaders live as long as the request, so one request's batch never serves another
    request stale data.
    """

    request: Request
    response: Response
    resources: R
    identity: Identity | None
    # The caller's W3C trace id (`traceparent`; the gateway's request trace), or None.
    trace_id: str | None = None
    _loaders: dict[Hashable, DataLoader[Any, Any]] = field(default_factory=dict)

    def loader(self, load: BatchLoad[K, T]) -> DataLoader[K, T]:
        """The request's DataLoader for `load` (created on first use).

        All `.load(key)` calls made in the same event-loop tick (e.g. one per `_entities`
        representation) reach `load` as one list, so a whole batch costs one backend call.
        `load` must be the same object each time (a module function or a bound method).

        In `resolve_reference`, return the future without awaiting it, from a plain (not
        `async def`) classmethod: graphql-core awaits list items one after the other, so an
        async `resolve_reference` would start each load only after the previous one finished::

            @classmethod
            def resolve_reference(cls, id: strawberry.ID, info: Info) -> Awaitable[Student | None]:
                return info.context.loader(info.context.resources.students_by_ids).load(id)
        """
        existing = self._loaders.get(load)
        if existing is None:
            existing = DataLoader(load_fn=load)
            self._loaders[load] = existing
        return existing
