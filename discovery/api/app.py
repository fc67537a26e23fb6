"""The registry HTTP API (ASGI, FastAPI): services, the published supergraph, checks, rollback.

Every route except `/health` and the OpenAPI document needs `Authorization: Bearer <token>`:
the admin token for everything, or a service's own token to register, read and check that
service only (discovery/api/credentials.py; 403 FORBIDDEN otherwise). Writes change what every
client sees, and reads expose service URLs and API-key references (the BFF reads the table).
"""

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Path, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from discovery.api.clients import clients_router
from discovery.api.credentials import DEFAULT_API_KEY_REF_PATTERN, Caller, ServiceTokens
from discovery.api.errors import Unauthenticated, error_response, install_error_handlers
from discovery.api.models import (
    CheckRequest,
    CheckResponse,
    ErrorResponse,
    RegistrationResponse,
    RemovalResponse,
    RollbackRequest,
    RollbackResponse,
    ServiceDetail,
    ServiceList,
    ServiceRegistration,
    SupergraphResponse,
    VersionList,
)
from discovery.api.settings import AdminToken, RegistrySettings
from discovery.api.usage import usage_router
from discovery.checks import check_service
from discovery.records import SERVICE_NAME_RULE, Composer
from discovery.store import RegistryStore
from discovery.store.registry_store import compose_with_default

ServiceName = Annotated[
    str, Path(pattern=SERVICE_NAME_RULE, description=f"Service name, {SERVICE_NAME_RULE}")
]
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Malformed request (field details)"},
    401: {"model": ErrorResponse, "description": "Missing or unknown credential"},
    403: {"model": ErrorResponse, "description": "The credential may not do this"},
}


@dataclass
class RegistryResources:
    store: RegistryStore
    admin_token: AdminToken
    service_tokens: ServiceTokens
    api_key_ref_pattern: str


@dataclass(frozen=True)
class Authorized:
    """The store, for a caller whose credential verified (what it may do is checked per route)."""

    store: RegistryStore
    caller: Caller
    api_key_ref_pattern: str


class LazyResources:
    """Builds the store and token on first use, so importing the app reads no environment."""

    def __init__(self, build: Callable[[], RegistryResources]) -> None:
        self._build = build
        self._resources: RegistryResources | None = None
        self._lock = threading.Lock()

    def get(self) -> RegistryResources:
        if self._resources is None:
            with self._lock:
                if self._resources is None:
                    self._resources = self._build()
        return self._resources


def create_app(
    settings: RegistrySettings | None = None,
    *,
    store: RegistryStore | None = None,
    composer: Composer = compose_with_default,
    dynamodb_client: Any | None = None,
    secrets_client: Any | None = None,
    service_tokens: ServiceTokens | None = None,
    api_key_ref_pattern: str | None = None,
) -> FastAPI:
    """The registry API. `settings` default to the environment (REGISTRY_TABLE,
    REGISTRY_ADMIN_TOKEN or REGISTRY_ADMIN_TOKEN_SECRET_ID), `service_tokens` to
    REGISTRY_SERVICE_TOKENS or REGISTRY_SERVICE_TOKEN_SECRET_IDS, read on the first request."""

    def build() -> RegistryResources:
        resolved = settings or RegistrySettings.from_env()
        return RegistryResources(
            store=store
            or RegistryStore(
                resolved.table_name,
                client=dynamodb_client,
                composer=composer,
                usage_table=resolved.usage_table,
            ),
            admin_token=AdminToken(resolved, secrets_client=secrets_client),
            service_tokens=service_tokens or ServiceTokens.from_environment(),
            api_key_ref_pattern=api_key_ref_pattern
            or os.environ.get("REGISTRY_API_KEY_REF_PATTERN")
            or DEFAULT_API_KEY_REF_PATTERN,
        )

    resources = LazyResources(build)
    bearer = HTTPBearer(auto_error=False, description="The admin token or a service's token")

    def authorized(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Authorized:
        current = resources.get()
        if credentials is None:
            raise Unauthenticated("send Authorization: Bearer <registry token>")
        presented = credentials.credentials
        if current.admin_token.matches(presented):
            caller = Caller()
        else:
            service = current.service_tokens.service_of(presented)
            if service is None:
                raise Unauthenticated("the token is not a valid registry credential")
            caller = Caller(service)
        return Authorized(current.store, caller, current.api_key_ref_pattern)

    Access = Annotated[Authorized, Depends(authorized)]

    def admin_store(access: Access) -> RegistryStore:
        access.caller.require_admin("this route")
        return access.store

    Store = Annotated[RegistryStore, Depends(admin_store)]

    app = FastAPI(
        title="Service registry",
        version="1.0.0",
        description=__doc__,
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/services", response_model=ServiceList, responses=ERRORS, tags=["services"])
    def list_services(store: Store) -> dict[str, Any]:
        current = store.current_services()
        return {
            "services": [record.to_json(include_sdl=False) for record in current.services],
            "supergraphVersion": current.version or None,
        }

    @app.get(
        "/services/{name}",
        response_model=ServiceDetail,
        responses={**ERRORS, 404: {"model": ErrorResponse}},
        tags=["services"],
    )
    def show_service(name: ServiceName, access: Access) -> dict[str, Any]:
        access.caller.require_service(name, "read")
        return access.store.service(name).to_json()

    @app.put(
        "/services/{name}",
        response_model=RegistrationResponse,
        responses={
            **ERRORS,
            409: {"model": ErrorResponse, "description": "Breaks client queries (no force)"},
            422: {"model": ErrorResponse, "description": "Does not compose"},
        },
        tags=["services"],
    )
    def register_service(
        name: ServiceName, body: ServiceRegistration, access: Access
    ) -> dict[str, Any]:
        """Register or update a service (the admin, or that service's own credential, whose
        apiKeyRef must name its own secret). The whole graph is composed with it; only a graph
        that composes is published (as a new supergraph version), and one that would break
        client queries only with `force` (409 otherwise). Unchanged url, SDL and apiKeyRef are
        a no-op."""
        access.caller.require_service(name, "register")
        access.caller.require_own_api_key_ref(name, body.api_key_ref, access.api_key_ref_pattern)
        registration = access.store.register(
            name, body.url, body.sdl, api_key_ref=body.api_key_ref, allow_breaking=body.force
        )
        return {
            "name": name,
            "version": registration.service.version,
            "supergraphVersion": registration.supergraph_version,
            "changed": registration.changed,
            "breakingChanges": [change.to_json() for change in registration.breaking_changes],
        }

    @app.delete(
        "/services/{name}",
        response_model=RemovalResponse,
        responses={
            **ERRORS,
            404: {"model": ErrorResponse},
            422: {"model": ErrorResponse, "description": "The rest would not compose"},
        },
        tags=["services"],
    )
    def remove_service(name: ServiceName, store: Store) -> dict[str, Any]:
        return {"name": name, "supergraphVersion": store.remove(name)}

    @app.get(
        "/supergraph",
        response_model=SupergraphResponse,
        responses={
            **ERRORS,
            304: {"description": "If-None-Match matched the current ETag"},
            404: {"model": ErrorResponse, "description": "Nothing published yet"},
        },
        tags=["supergraph"],
    )
    def get_supergraph(
        store: Store,
        response: Response,
        if_none_match: Annotated[str | None, Header()] = None,
    ) -> Any:
        """The current supergraph. The ETag is the version; send it back in If-None-Match
        to get 304 Not Modified while it is still current."""
        current = store.current()
        if current is None:
            return _not_found("no supergraph has been published yet")
        etag = f'"{current.version}"'
        if if_none_match is not None and _etag_matches(if_none_match, etag):
            return Response(status_code=304, headers={"ETag": etag})
        response.headers["ETag"] = etag
        return {"version": current.version, "sdl": current.sdl}

    @app.get(
        "/supergraph/versions", response_model=VersionList, responses=ERRORS, tags=["supergraph"]
    )
    def list_versions(store: Store, limit: int = 50) -> dict[str, Any]:
        """Published versions, newest first (what can be rolled back to)."""
        return {"versions": [entry.to_json() for entry in store.history(max(1, min(limit, 500)))]}

    @app.post(
        "/supergraph/rollback",
        response_model=RollbackResponse,
        responses={**ERRORS, 404: {"model": ErrorResponse}},
        tags=["supergraph"],
    )
    def rollback(body: RollbackRequest, store: Store) -> dict[str, Any]:
        """Publish the SDL and services of an earlier version again. This publishes a NEW
        version number (versions only increase, so caches and pollers see the change) whose
        SDL equals the old version's."""
        return {"version": store.rollback(body.version), "rolledBackTo": body.version}

    @app.post("/checks", response_model=CheckResponse, responses=ERRORS, tags=["checks"])
    def check(body: CheckRequest, access: Access) -> dict[str, Any]:
        """Compose the current graph with this service's SDL and list the breaking changes
        to the client-facing schema, storing nothing (for CI before a deploy)."""
        access.caller.require_service(body.name, "check")
        return check_service(
            access.store,
            body.name,
            body.url,
            body.sdl,
            window_days=body.window_days,
            strict=body.strict,
        ).to_json()

    app.include_router(clients_router(Store, ERRORS))
    app.include_router(usage_router(Store, ERRORS))
    return app


def _etag_matches(if_none_match: str, etag: str) -> bool:
    candidates = [part.strip().removeprefix("W/") for part in if_none_match.split(",")]
    return "*" in candidates or etag in candidates


def _not_found(message: str) -> Response:
    return error_response(404, [{"code": "NOT_FOUND", "message": message}])
