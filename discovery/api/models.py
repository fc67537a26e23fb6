"""Request and response bodies of the registry API (they make its OpenAPI document)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from discovery.records import SERVICE_NAME_RULE

URL_RULE = r"^https?://\S+$"
# Service SDLs are stored in the version manifest; this bounds one registration's share of it.
MAX_SDL_CHARS = 256_000


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ServiceRegistration(Body):
    url: str = Field(pattern=URL_RULE, max_length=2048, description="The subgraph's endpoint")
    sdl: str = Field(min_length=1, max_length=MAX_SDL_CHARS, description="The subgraph's SDL")
    api_key_ref: str | None = Field(
        default=None,
        alias="apiKeyRef",
        max_length=512,
        description="Where the service's API key lives (a Secrets Manager id); omitted keeps "
        "the stored one",
    )
    force: bool = Field(
        default=False,
        description="Publish even if the change breaks client queries (see POST /checks); "
        "without it such a change is refused with 409 and nothing is stored",
    )


class CheckRequest(Body):
    name: str = Field(pattern=SERVICE_NAME_RULE)
    url: str = Field(pattern=URL_RULE, max_length=2048)
    sdl: str = Field(min_length=1, max_length=MAX_SDL_CHARS)
    window_days: int = Field(
        default=30,
        ge=1,
        le=366,
        alias="windowDays",
        description="Days of recorded usage a breaking change is weighed against",
    )
    strict: bool = Field(default=False, description="Fail on every breaking change, used or not")


class RollbackRequest(Body):
    version: int = Field(ge=1)


class ErrorLocation(BaseModel):
    line: int
    column: int


class ErrorItem(BaseModel):
    code: str
    message: str
    service: str | None = None
    locations: list[ErrorLocation] | None = None
    field: str | None = None


class ErrorResponse(BaseModel):
    errors: list[ErrorItem]


class ServiceSummary(BaseModel):
    name: str
    url: str
    apiKeyRef: str | None
    version: int
    updatedAt: str


class ServiceDetail(ServiceSummary):
    sdl: str


class ServiceList(BaseModel):
    services: list[ServiceSummary]
    supergraphVersion: int | None


class RegistrationResponse(BaseModel):
    name: str
    version: int = Field(description="The service's version: the supergraph version it changed in")
    supergraphVersion: int
    changed: bool = Field(description="False when the url and SDL were unchanged (a no-op)")
    breakingChanges: list[dict[str, str]] = Field(
        default_factory=list,
        description="What the published change breaks for clients (only with force)",
    )


class RemovalResponse(BaseModel):
    name: str
    supergraphVersion: int


class SupergraphResponse(BaseModel):
    version: int
    sdl: str


class VersionEntry(BaseModel):
    version: int
    createdAt: str
    reason: str


class VersionList(BaseModel):
    versions: list[VersionEntry]


class RollbackResponse(BaseModel):
    version: int = Field(description="The NEW version published with the old version's content")
    rolledBackTo: int


class BreakingChangeItem(BaseModel):
    code: str
    coordinate: str
    message: str
    usage: dict[str, Any] | None = Field(
        default=None,
        description="null when unused in the window, else {clients, operations}",
    )


class BrokenClient(BaseModel):
    name: str
    errors: list[dict[str, Any]] = Field(
        description="As publishing reports them: code, message, and document, operation and "
        "locations for a document"
    )


class CheckResponse(BaseModel):
    ok: bool = Field(description="Composes and breaks nothing")
    composes: bool
    errors: list[ErrorItem]
    hints: list[dict[str, str]]
    breakingChanges: list[BreakingChangeItem]
    supergraphVersion: int | None = Field(description="The version checked against")
    usageRecorded: bool = Field(
        default=False, description="False: no usage is recorded, every breaking change counts"
    )
    windowDays: int = 30
    strict: bool = False
    clients: list[BrokenClient] = Field(
        default_factory=list,
        description="Registered clients whose contract or published documents it would break",
    )
