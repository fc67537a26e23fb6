"""The registry API's client routes: clients (policy, contract) and their trusted documents.

All are admin calls (the store dependency checks the credential). A contract that leaves no
valid schema, or a manifest with any invalid document, is refused with 422 and nothing stored.
"""

# No `from __future__ import annotations`: FastAPI reads the route annotations, which name
# the store dependency passed in at runtime.
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path
from pydantic import BaseModel, ConfigDict, Field

from bff.registry_table.documents import CLIENT_NAME_RULE
from bff.supergraph.contracts import Contract
from discovery.api.models import ErrorResponse
from discovery.client_registry import ClientRegistry

ClientName = Annotated[
    str, Path(pattern=CLIENT_NAME_RULE, description=f"Client name, {CLIENT_NAME_RULE}")
]
Tag = Annotated[str, Field(min_length=1, max_length=128)]


class ContractBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    includeTags: list[Tag] = Field(default_factory=list, max_length=100)
    excludeTags: list[Tag] = Field(default_factory=list, max_length=100)


class ClientRegistration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy: Literal["open", "apq", "safelist"] = Field(
        description="open: any operation; apq: any operation, automatic persisted queries "
        "allowed; safelist: only the client's published documents"
    )
    contract: ContractBody = Field(
        default_factory=ContractBody, description="@tag filters; empty: the full schema"
    )


class ClientDetail(BaseModel):
    name: str
    policy: str
    contract: ContractBody
    updatedAt: str
    documents: int = Field(description="How many documents the client has published")


class ClientList(BaseModel):
    clients: list[ClientDetail]


class PublishResponse(BaseModel):
    published: int


class DocumentItem(BaseModel):
    id: str
    name: str | None
    body: str


REFUSED = {422: {"model": ErrorResponse, "description": "Not valid for the current graph"}}
MISSING = {404: {"model": ErrorResponse, "description": "No such client"}}


def clients_router(store_dependency: Any, errors: dict[int | str, dict[str, Any]]) -> APIRouter:
    """The routes, each taking the registry store through `store_dependency` (the admin check)."""
    router = APIRouter(tags=["clients"])
    Store = store_dependency

    @router.get("/clients", response_model=ClientList, responses=errors)
    def list_clients(store: Store) -> dict[str, Any]:
        return {"clients": [record.to_json() for record in ClientRegistry(store).list()]}

    @router.get("/clients/{name}", response_model=ClientDetail, responses={**errors, **MISSING})
    def show_client(name: ClientName, store: Store) -> dict[str, Any]:
        return ClientRegistry(store).get(name).to_json()

    @router.put("/clients/{name}", response_model=ClientDetail, responses={**errors, **REFUSED})
    def register_client(name: ClientName, body: ClientRegistration, store: Store) -> dict[str, Any]:
        """Add or change a client. Unknown clients get the policy and contract of the BFF's
        default client; changes reach every BFF within its poll interval."""
        contract = Contract.from_json(body.contract.model_dump())
        return ClientRegistry(store).register(name, body.policy, contract).to_json()

    @router.delete("/clients/{name}", responses={**errors, **MISSING})
    def remove_client(name: ClientName, store: Store) -> dict[str, Any]:
        ClientRegistry(store).remove(name)
        return {"name": name, "removed": True}

    @router.put(
        "/clients/{name}/documents",
        response_model=PublishResponse,
        responses={**errors, **MISSING, **REFUSED},
    )
    def publish_documents(
        name: ClientName,
        store: Store,
        manifest: Annotated[
            dict[str, Any],
            Body(description="An Apollo persisted query manifest, or an {id: body} map"),
        ],
    ) -> dict[str, Any]:
        """Replace the client's trusted documents. Each is validated against the client's
        schema (its contract of the current supergraph); one invalid document refuses all."""
        return {"published": ClientRegistry(store).publish(name, manifest)}

    @router.get(
        "/clients/{name}/documents",
        response_model=list[DocumentItem],
        responses={**errors, **MISSING},
    )
    def list_documents(name: ClientName, store: Store) -> list[dict[str, Any]]:
        return [document.to_json() for document in ClientRegistry(store).documents(name)]

    return router
