"""The gateway: the supergraph being served, its cached operations, and one request's way through.

Per request: look up (or parse, validate, prepare and plan) the operation in the current
supergraph's LRU cache, coerce the variables, answer introspection with graphql-core on the API
schema, run the plan against the subgraphs, and return the GraphQL response as a dict. The HTTP
edge (`bff/http/`) turns that into a GraphQL-over-HTTP response.

A new supergraph version is swapped in as one reference assignment: a request holds the
`ServedSupergraph` it started with, so in-flight requests finish on the old version.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import hashlib
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from aws_lambda_powertools import Logger
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    execute_sync,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values

from bff.api_keys import SubgraphApiKeys
from bff.authorization import AccessRules, Caller, PolicyRules, RemovedField, authorize_operation
from bff.clients.admission import ClientAdmission
from bff.clients.errors import DocumentRefused
from bff.clients.identity import ClientIdentity
from bff.config import ConfigurationError, GatewaySettings
from bff.execution import execute_plan
from bff.execution.deadline import Deadline, deadline_scope
from bff.execution.identity_tokens import ForwardedIdentity, IdentitySigner, SubgraphSigningKeys
from bff.execution.operation import OperationNotFoundError, PreparedOperation, prepare_operation
from bff.execution.schema_index import index_for
from bff.execution.transport import SubgraphEndpoint, SubgraphTransport, transport_from_settings
from bff.observability.tracing import stage_span
from bff.planning import PlanningError, QueryPlanner
from bff.planning.nodes import QueryPlan
from bff.progressive_override import OverrideLabelSampler
from bff.secret_cache import SecretCache
from bff.supergraph import Supergraph, SupergraphError, load_supergraph
from bff.supergraph.links import schema_links
from bff.usage.recorder import UsageRecorder
from bff.validation import CostModel, document_limit_rules, gateway_rules

logger = Logger(service="bff", child=True)

INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})
# Plans kept per operation for different kinds of caller (scopes and policies that matter).
MAX_CALLER_KINDS = 32
_ROOT_TYPENAME = "__typename"

# Codes clients see in `extensions.code` for requests that never reach execution.
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"
PLANNING_FAILED = "QUERY_PLANNING_FAILED"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


class GraphQLRequestError(Exception):
    """The request cannot be executed (syntax, validation, operation choice, variables).

    `errors` are already in the response format; the spec's `application/graphql-response+json`
    answers these with 400.
    """

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0]["message"] if errors else "invalid GraphQL request")
        self.errors = errors


class OperationNotAllowedError(Exception):
    """The operation's kind is not allowed on this request (a mutation over GET)."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"{kind} operations are not allowed over GET; use POST")
        self.kind = kind


class SupergraphUnavailableError(Exception):
    """No supergraph has been loaded yet (the registry was never reachable or is empty)."""


@dataclass(frozen=True, slots=True)
class GraphQLRequest:
    """The GraphQL parameters of one HTTP request, already checked for their JSON types."""

    query: str | None
    operation_name: str | None = None
    variables: Mapping[str, Any] | None = None
    # A trusted document's id or an APQ hash (`documentId`, `extensions.persistedQuery`); the
    # edge requires `query` when neither is given.
    extensions: Mapping[str, Any] | None = None
    document_id: str | None = None
    client: ClientIdentity | None = None


class SupergraphProvider(Protocol):
    """Where the gateway gets its supergraph from."""

    async def latest(self) -> Supergraph | ServedSupergraph:
        """The newest good supergraph (may be the one returned last time), or that supergraph
        already built for serving (the registry's refresh builds it off the request path).

        Raises `SupergraphUnavailableError` only when none was ever loaded.
        """
        ...


class FileSupergraphProvider:
    """A supergraph read once from a file (`bff serve --supergraph FILE`)."""

    def __init__(self, path: str | Path, *, version: int | None = None) -> None:
        self._path = Path(path)
        self._version = version
        self._supergraph: Supergraph | None = None

    def load(self) -> Supergraph:
        """Read and load the file now; a bad file raises `SupergraphError` with the reason."""
        if self._supergraph is None:
            try:
                sdl = self._path.read_text(encoding="utf-8")
            except OSError as error:
                raise SupergraphError(
                    f"cannot read supergraph file {self._path}: {error}"
                ) from None
            self._supergraph = load_supergraph(sdl, version=self._version)
        return self._supergraph

    async def latest(self) -> Supergraph:
        return self.load()


class RegistrySupergraphProvider:
    """The registry's published supergraph, as `registry_table.source.SupergraphSource` keeps it.

    The source is the one refresh mechanism: it checks the table every `REGISTRY_POLL_SECONDS`
    in the background and builds each new version there (`served_supergraph_builder`: SDL
    loaded, API schema, query graph, planner, validation rules and indexes), keeping the last
    good one when the registry is unreachable or publishes a version that does not build. A
    request therefore never waits on the registry nor on building a version, except for the
    very first load, which runs on a worker thread (boto3 blocks) so requests in flight under
    uvicorn go on meanwhile.
    `api_key_refs` are the services' API key references (Secrets Manager ids) from the snapshot
    being served.
    """

    def __init__(self, source: Any) -> None:
        self.source = source
        self.api_key_refs: Mapping[str, str | None] = {}
        # Called in the refresh with each version built (the gateway prepares its clients'
        # contract views and published documents there).
        self.warm: Callable[[ServedSupergraph], None] | None = None

    @classmethod
    def from_settings(cls, config: GatewaySettings) -> RegistrySupergraphProvider:
        # Imported here: the registry table's reader pulls in botocore (a file-based gateway: no).
        from bff.registry_table.source import SupergraphSource

        build = served_supergraph_builder(config)
        provider = cls(None)

        def prepare(snapshot: Any) -> ServedSupergraph:
            served = build(snapshot)
            if provider.warm is not None:
                try:
                    provider.warm(served)
                except Exception:  # what is not warmed is built by the first request
                    logger.exception("warming the new supergraph version failed")
            return served

        provider.source = SupergraphSource(
            table_name=config.registry_table,
            poll_interval=config.registry_poll_seconds,
            prepare=prepare,
        )
        return provider

    async def latest(self) -> Supergraph | ServedSupergraph:
        source = self.source
        try:
            snapshot = source.get() if source.loaded else await asyncio.to_thread(source.get)
        except Exception as error:  # the source's SupergraphUnavailable, with its reason
            raise SupergraphUnavailableError(str(error)) from None
        self.api_key_refs = snapshot.api_key_refs
        return snapshot.prepared


def served_supergraph_builder(config: GatewaySettings) -> Callable[[Any], ServedSupergraph]:
    """The source's `prepare`: a published snapshot loaded and built for serving, in the
    refresh. Raises when it does not build; the source then logs why and keeps serving the last
    good version. API keys are not read here: the gateway adds them when it swaps the version
    in (`Gateway.current`)."""

    def build(snapshot: Any) -> ServedSupergraph:
        supergraph = load_supergraph(snapshot.sdl, version=snapshot.version)
        return ServedSupergraph(supergraph, config, api_keys={})

    return build


def provider_from_settings(config: GatewaySettings) -> SupergraphProvider:
    """A file provider when `SUPERGRAPH_FILE` is set, else the registry in `REGISTRY_TABLE`."""
    if config.supergraph_file:
        return FileSupergraphProvider(config.supergraph_file)
    if config.registry_table:
        return RegistrySupergraphProvider.from_settings(config)
    raise ConfigurationError("set SUPERGRAPH_FILE or REGISTRY_TABLE to say where the supergraph is")


@dataclass(frozen=True, slots=True)
class CachedOperation:
    """A parsed, validated and planned operation, reused for every request that sends it.

    `plan` is None when graphql-core answers the whole operation (it selects only `__schema`,
    `__type` and `__typename` at the root); `introspection` is then the whole document.
    Otherwise `introspection` is the operation reduced to its root `__schema`/`__type` fields,
    or None when it has none, and the executor copies its answer into the response.
    `answer` is the whole response when it cannot vary between requests (graphql-core answers
    it and it declares no variables): GraphiQL's schema fetch is then computed once per version.
    """

    prepared: PreparedOperation
    plan: QueryPlan | None
    introspection: DocumentNode | None
    answer: dict[str, Any] | None = None
    # Per kind of caller (bff.authorization.Caller, reduced to what the rules look at): the plan
    # without the fields that caller may not see, and those fields.
    authorized: dict[Any, tuple[QueryPlan, tuple[RemovedField, ...]]] = field(
        default_factory=dict, compare=False
    )

    @property
    def kind(self) -> str:
        return self.prepared.kind

    @property
    def definition(self) -> OperationDefinitionNode:
        return self.prepared.definition


@dataclass(frozen=True, slots=True)
class RejectedOperation:
    """A document the gateway refused, kept as its response errors (plain data).

    Never the raised exception: re-raising a cached exception grows its traceback on every hit,
    so one client repeating an invalid query would grow the process without bound.
    """

    errors: tuple[dict[str, Any], ...]

    def error(self) -> GraphQLRequestError:
        """A fresh exception for this request (copies: callers may add to the errors)."""
        return GraphQLRequestError([dict(error) for error in self.errors])


CacheEntry = CachedOperation | RejectedOperation
# (document hash, operation name, enabled progressive-override labels)
CacheKey = tuple[bytes, str | None, frozenset[str]]


class OperationCache:
    """A bounded LRU map from (document hash, operation name) to an operation or its errors."""

    def __init__(self, max_size: int) -> None:
        self._max_size = max_size
        self._entries: OrderedDict[CacheKey, CacheEntry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: CacheKey) -> CacheEntry | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: CacheKey, entry: CacheEntry) -> None:
        if self._max_size <= 0:
            return
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_size:
            self._entries.popitem(last=False)


class ServedSupergraph:
    """One supergraph version with everything built for it once: planner, endpoints, cache."""

    def __init__(
        self, supergraph: Supergraph, config: GatewaySettings, api_keys: Mapping[str, str]
    ) -> None:
        self.supergraph = supergraph
        self.config = config
        self.version = supergraph.version
        self.schema = supergraph.api_schema
        self.planner = QueryPlanner(supergraph, max_steps=config.planning_max_steps)
        # Built now rather than by the first request that executes a plan.
        self.index = index_for(self.schema)
        # One planner per set of enabled progressive-override labels, made on first use.
        self._planners = {frozenset[str](): self.planner}
        self._planning_steps = config.planning_max_steps
        self.override_labels = OverrideLabelSampler(supergraph.override_labels)
        self.endpoints = {
            name: SubgraphEndpoint(
                name=name,
                url=config.subgraph_url_overrides.get(name, info.url),
                api_key=api_keys.get(name),
                timeout=config.subgraph_timeout_seconds,
            )
            for name, info in supergraph.subgraphs.items()
        }
        self.operations = OperationCache(config.operation_cache_size)
        self._operation_cache_size = config.operation_cache_size
        # Kept by bff.clients.admission: each contract's view of this version, and the clients
        # revision whose published documents are in the caches.
        self.contract_views: dict[Any, Any] = {}
        self.clients_revision: int | None = None
        self.access = AccessRules(supergraph)
        self._max_tokens = config.max_tokens
        self._limits = document_limit_rules(max_repeated_fields=config.max_repeated_fields)
        self._rules = gateway_rules(
            max_depth=config.max_depth,
            max_aliases=config.max_aliases,
            max_fields=config.max_fields,
            introspection_enabled=config.introspection_enabled,
            max_cost=config.max_cost,
            cost_model=cost_model(supergraph),
            default_list_size=config.default_list_size,
        )

    def authorized_plan(
        self, operation: CachedOperation, caller: Caller, labels: frozenset[str] = frozenset()
    ) -> tuple[QueryPlan, tuple[RemovedField, ...]]:
        """The operation's plan without the fields `caller` may not see (planned once per kind
        of caller), and those fields; raises `GraphQLRequestError` if it cannot be planned."""
        assert operation.plan is not None
        if not self.access:
            return operation.plan, ()
        key = self.access.cache_key(caller)
        entry = operation.authorized.get(key)
        if entry is None:
            result = authorize_operation(operation.prepared, self.schema, self.access, key)
            if result is None:
                entry = (operation.plan, ())
            elif result.document is None:
                entry = (QueryPlan(None, operation.plan.operation_kind), result.removed)
            else:
                try:
                    plan = self.planner_for(labels).plan(result.document)
                    entry = (plan, result.removed)
                except PlanningError as error:
                    logger.warning("authorized operation cannot be planned", error=str(error))
                    raise GraphQLRequestError([_error(str(error), PLANNING_FAILED)]) from None
            if len(operation.authorized) < MAX_CALLER_KINDS:
                operation.authorized[key] = entry
        return entry

    def use_api_keys(self, api_keys: Mapping[str, str]) -> None:
        """Send these keys from now on. The endpoint map is updated in place, so the views of
        clients with contracts (which share it) send them too."""
        self.endpoints.update(
            {
                name: dataclasses.replace(endpoint, api_key=api_keys.get(name))
                for name, endpoint in self.endpoints.items()
            }
        )

    def restricted(self, schema: GraphQLSchema) -> ServedSupergraph:
        """This version as a client with a contract sees it: `schema` for validation,
        introspection and shaping, its own operation cache; planner and endpoints shared."""
        view = copy.copy(self)
        view.schema = schema
        view.operations = OperationCache(self._operation_cache_size)
        view.contract_views = {}
        return view

    def operation(
        self, query: str, operation_name: str | None, labels: frozenset[str] = frozenset()
    ) -> CachedOperation:
        """The cached operation for this document and name (planned with these progressive
        override labels enabled); raises `GraphQLRequestError`."""
        key = _cache_key(query, operation_name, labels)
        found = self.cached_operation(key)
        if found is None:
            found = self.store_operation(key, self.build_entry(query, operation_name, labels))
        return found

    async def prepared_operation(
        self, query: str, operation_name: str | None, labels: frozenset[str] = frozenset()
    ) -> CachedOperation:
        """`operation`, building a cache miss in a worker thread: planning an expensive
        operation (up to the planning budget) never holds up the requests of other clients."""
        key = _cache_key(query, operation_name, labels)
        found = self.cached_operation(key)
        if found is None:
            entry = await asyncio.to_thread(self.build_entry, query, operation_name, labels)
            found = self.store_operation(key, entry)
        return found

    def cached_operation(self, key: CacheKey) -> CachedOperation | None:
        """The operation if it is cached; raises `GraphQLRequestError` for a cached refusal."""
        entry = self.operations.get(key)
        if isinstance(entry, RejectedOperation):
            raise entry.error()
        return entry

    def store_operation(self, key: CacheKey, entry: CacheEntry) -> CachedOperation:
        """Caches a built entry and returns its operation (raises for a refusal)."""
        self.operations.put(key, entry)
        if isinstance(entry, RejectedOperation):
            raise entry.error()
        return entry

    def build_entry(
        self, query: str, operation_name: str | None, labels: frozenset[str] = frozenset()
    ) -> CacheEntry:
        """Parses, validates, prepares and plans a document (touches no cache: any thread)."""
        try:
            return self._build_operation(query, operation_name, labels)
        except GraphQLRequestError as error:
            return RejectedOperation(tuple(error.errors))

    def planner_for(self, labels: frozenset[str]) -> QueryPlanner:
        """The planner of the supergraph as requests with these override labels see it."""
        planner = self._planners.get(labels)
        if planner is None:
            view = self.supergraph.with_override_labels(labels)
            planner = QueryPlanner(view, max_steps=self._planning_steps)
            planner = self._planners.setdefault(labels, planner)
        return planner

    def _build_operation(
        self, query: str, operation_name: str | None, labels: frozenset[str]
    ) -> CachedOperation:
        with stage_span("graphql.parse_validate"):
            try:
                document = parse(query, max_tokens=self._max_tokens)
            except GraphQLError as error:
                raise GraphQLRequestError([_formatted(error, PARSE_FAILED)]) from None
            # The cheap limits first: they bound what the spec's rules would spend.
            errors = validate(self.schema, document, self._limits) or validate(
                self.schema, document, self._rules
            )
        if errors:
            raise GraphQLRequestError([_formatted(error, VALIDATION_FAILED) for error in errors])
        try:
            prepared = prepare_operation(document, operation_name)
        except OperationNotFoundError as error:
            raise GraphQLRequestError([_error(str(error), BAD_USER_INPUT)]) from None
        root_names = _root_field_names(prepared.definition.selection_set, prepared)
        if root_names <= INTROSPECTION_FIELDS | {_ROOT_TYPENAME}:
            # graphql-core answers the whole operation: there is nothing to fetch.
            answer = None
            if not prepared.definition.variable_definitions:
                answer = _execute_locally(self, document, None, operation_name)
            return CachedOperation(prepared, None, document, answer)
        try:
            with stage_span("graphql.plan"):
                plan = self.planner_for(labels).plan(document, operation_name)
        except PlanningError as error:
            # A valid operation no subgraph path can answer: the client learns why, once.
            logger.warning("operation cannot be planned", error=str(error))
            raise GraphQLRequestError([_error(str(error), PLANNING_FAILED)]) from None
        introspection = None
        if root_names & INTROSPECTION_FIELDS:
            introspection = _introspection_document(prepared)
        return CachedOperation(prepared, plan, introspection)


def _cache_key(query: str, operation_name: str | None, labels: frozenset[str]) -> CacheKey:
    return hashlib.sha256(query.encode()).digest(), operation_name, labels


class Gateway:
    """Serves GraphQL requests against the newest supergraph its provider returns."""

    def __init__(
        self,
        provider: SupergraphProvider,
        config: GatewaySettings,
        *,
        api_keys: Mapping[str, str] | None = None,
        transport: SubgraphTransport | None = None,
        admission: ClientAdmission | None = None,
        usage: UsageRecorder | None = None,
        signer: IdentitySigner | None = None,
        secrets: SecretCache | None = None,
    ) -> None:
        self.config = config
        self.transport = transport or transport_from_settings(config)
        # Clients' policies, contracts, trusted documents and persisted queries.
        self.admission = admission or ClientAdmission.from_settings(config)
        # Which schema coordinates each client uses (bff/usage/).
        self.usage = usage or UsageRecorder.from_settings(config)
        self.policies = PolicyRules(config.authorization_policies)
        # One cache of Secrets Manager values (API keys, claims-signing keys) per process.
        self.secrets = secrets or SecretCache(ttl_seconds=config.secrets_ttl_seconds)
        self.api_keys = SubgraphApiKeys(config, self.secrets, api_keys)
        self.transport.on_key_refused = self.api_keys.refused
        self.signer = signer or IdentitySigner(
            SubgraphSigningKeys(
                config.subgraph_claims_keys,
                config.subgraph_claims_key_secret_ids,
                secrets=self.secrets,
            ),
            ttl_seconds=config.claims_token_ttl_seconds,
        )
        self._provider = provider
        self._served: ServedSupergraph | None = None
        self._keys_generation = -1
        if isinstance(provider, RegistrySupergraphProvider):
            provider.warm = self._warm

    def _warm(self, served: ServedSupergraph) -> None:
        """In the provider's refresh, before `served` is swapped in: the contract views and
        published documents of the clients known now (a request would build them otherwise)."""
        if served.config == self.config:
            self.admission.warm(served)

    @property
    def served(self) -> ServedSupergraph | None:
        """The supergraph version being served now (None before the first request)."""
        return self._served

    async def current(self) -> ServedSupergraph:
        """The newest supergraph, built for serving; swapped in atomically when it changes."""
        latest = await self._provider.latest()
        supergraph = latest.supergraph if isinstance(latest, ServedSupergraph) else latest
        served = self._served
        if served is None or served.supergraph is not supergraph:
            if isinstance(latest, ServedSupergraph) and latest.config == self.config:
                served = latest  # built by the provider's refresh, off the request path
            else:
                served = ServedSupergraph(supergraph, self.config, {})
            refs = getattr(self._provider, "api_key_refs", None) or {}
            # Waits only for a secret no version named before (a new service's key).
            await self.api_keys.load(supergraph.subgraphs, refs)
            self._use_keys(served)
            self._served = served
        else:
            # Secrets past their TTL are re-read in the background; once a rotated key has
            # arrived, it is sent (the same version keeps its caches).
            self.secrets.poll()
            if self._keys_generation != self.secrets.generation:
                self._use_keys(served)
        return served

    def _use_keys(self, served: ServedSupergraph) -> None:
        self._keys_generation = self.secrets.generation
        served.use_api_keys(self.api_keys.keys(served.endpoints))

    async def execute(
        self,
        request: GraphQLRequest,
        *,
        claims: Mapping[str, Any] | None = None,
        forwarded_headers: Mapping[str, str] | None = None,
        query_only: bool = False,
        deadline: Deadline | None = None,
    ) -> dict[str, Any]:
        """Run one GraphQL request and return the response body (`data` and/or `errors`).

        Subgraph calls end by `deadline` (default: `REQUEST_DEADLINE_SECONDS` from now); those
        that could not are answered as `SUBGRAPH_UNAVAILABLE` next to what did arrive.

        `claims` are the verified user's (the edge's JWT authorizer checked them); each
        subgraph called receives them as a token signed for it. `forwarded_headers` are sent
        to every subgraph as they are.

        Raises `GraphQLRequestError` (nothing was executed), `OperationNotAllowedError` (a
        mutation when `query_only`) and `SupergraphUnavailableError`.
        """
        try:
            admitted = await self.admission.admit(await self.current(), request)
        except DocumentRefused as refused:
            raise GraphQLRequestError(refused.errors) from None
        served = admitted.served
        labels = served.override_labels.sample()
        operation = await served.prepared_operation(admitted.query, request.operation_name, labels)
        if admitted.persist_as is not None:
            await self.admission.persisted_queries.put(admitted.persist_as, admitted.query)
        if query_only and operation.kind != "query":
            raise OperationNotAllowedError(operation.kind)
        plan, forbidden = operation.plan, ()
        if plan is not None:
            caller = self.policies.caller(claims)
            plan, forbidden = served.authorized_plan(operation, caller, labels)
        variables = _coerce_variables(served, operation, request.variables)
        response = await self._answer(
            served,
            operation,
            (plan, forbidden),
            request,
            variables,
            claims,
            forwarded_headers,
            deadline,
        )
        identity = request.client or ClientIdentity()
        self.usage.record(
            client=identity.name,
            client_version=identity.version,
            query=admitted.query,
            operation_name=request.operation_name,
            schema=served.schema,
            prepared=operation.prepared,
            variables=request.variables,
            failed=bool(response.get("errors")),
        )
        return response

    async def _answer(
        self,
        served: ServedSupergraph,
        operation: CachedOperation,
        authorized: tuple[QueryPlan | None, tuple[RemovedField, ...]],
        request: GraphQLRequest,
        variables: dict[str, Any],
        claims: Mapping[str, Any] | None,
        forwarded_headers: Mapping[str, str] | None,
        deadline: Deadline | None,
    ) -> dict[str, Any]:
        if operation.answer is not None:
            return operation.answer
        if operation.plan is None:
            return _execute_locally(
                served, operation.introspection, request.variables, request.operation_name
            )
        root_values: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        if operation.introspection is not None:
            introspected = execute_sync(
                served.schema,
                operation.introspection,
                variable_values=dict(request.variables or {}),
                operation_name=request.operation_name,
            )
            root_values = introspected.data or {}
            errors.extend(error.formatted for error in introspected.errors or ())
        forwarded: Mapping[str, str] | ForwardedIdentity = forwarded_headers or {}
        if claims:
            await self.signer.keys.ready()
            forwarded = ForwardedIdentity(self.signer, claims, forwarded_headers)
        if deadline is None:
            deadline = Deadline.after(self.config.request_deadline_seconds)
        plan, forbidden = authorized
        assert plan is not None
        with deadline_scope(deadline):
            result = await execute_plan(
                plan,
                forbidden=forbidden,
                operation=operation.prepared,
                variables=variables,
                schema=served.schema,
                endpoints=served.endpoints,
                transport=self.transport,
                forwarded_headers=forwarded,
                root_values=root_values,
            )
        errors.extend(result.errors)
        return _response(result.data, errors)

    async def close(self) -> None:
        await self.transport.close()
        self.usage.close()


def cost_model(supergraph: Supergraph) -> CostModel:
    """The supergraph's `@cost`/`@listSize`, under the names its `@link` gives them."""
    spec = schema_links(supergraph.schema).spec("cost")
    if spec is None:
        return CostModel()
    return CostModel.from_schema(
        supergraph.schema, spec.directive_name("cost"), spec.directive_name("listSize")
    )


def _coerce_variables(
    served: ServedSupergraph, operation: CachedOperation, inputs: Mapping[str, Any] | None
) -> dict[str, Any]:
    definitions = operation.definition.variable_definitions or ()
    if not definitions:
        return {}
    coerced = get_variable_values(served.schema, definitions, dict(inputs or {}), max_errors=50)
    if isinstance(coerced, list):
        raise GraphQLRequestError([_formatted(error, BAD_USER_INPUT) for error in coerced])
    return coerced.coerced


def _execute_locally(
    served: ServedSupergraph,
    document: DocumentNode | None,
    variables: Mapping[str, Any] | None,
    operation_name: str | None,
) -> dict[str, Any]:
    result = execute_sync(
        served.schema,
        document,
        variable_values=dict(variables or {}),
        operation_name=operation_name,
    )
    errors = [error.formatted for error in result.errors or ()]
    return _response(result.data, errors)


def _response(data: dict[str, Any] | None, errors: list[dict[str, Any]]) -> dict[str, Any]:
    # Errors first, as the spec recommends, so they are seen in truncated logs and consoles.
    if errors:
        return {"errors": errors, "data": data}
    return {"data": data}


def _root_field_names(selections: SelectionSetNode, prepared: PreparedOperation) -> set[str]:
    names: set[str] = set()
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            names.add(selection.name.value)
        elif isinstance(selection, InlineFragmentNode):
            names |= _root_field_names(selection.selection_set, prepared)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = prepared.fragments.get(selection.name.value)
            if fragment is not None:
                names |= _root_field_names(fragment.selection_set, prepared)
    return names


def _introspection_document(prepared: PreparedOperation) -> DocumentNode:
    """The operation reduced to its root introspection fields, keeping fragments and directives
    around them so `@skip`/`@include` and response keys stay as the client wrote them."""
    definition = prepared.definition
    reduced = OperationDefinitionNode(
        operation=definition.operation,
        name=definition.name,
        variable_definitions=definition.variable_definitions,
        directives=definition.directives,
        selection_set=_only_introspection(definition.selection_set, prepared),
    )
    return DocumentNode(definitions=(reduced, *prepared.fragments.values()))


def _only_introspection(
    selections: SelectionSetNode, prepared: PreparedOperation
) -> SelectionSetNode:
    kept: list[Any] = []
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value in INTROSPECTION_FIELDS:
                kept.append(selection)
            continue
        if isinstance(selection, InlineFragmentNode):
            type_condition, directives = selection.type_condition, selection.directives
            inner = selection.selection_set
        else:
            fragment = prepared.fragments.get(selection.name.value)
            if fragment is None:
                continue
            type_condition, directives = fragment.type_condition, selection.directives
            inner = fragment.selection_set
        reduced = _only_introspection(inner, prepared)
        if reduced.selections:
            kept.append(
                InlineFragmentNode(
                    type_condition=type_condition, directives=directives, selection_set=reduced
                )
            )
    return SelectionSetNode(selections=tuple(kept))


def _formatted(error: GraphQLError, code: str) -> dict[str, Any]:
    formatted = error.formatted
    formatted["extensions"] = {**(formatted.get("extensions") or {}), "code": code}
    return formatted


def _error(message: str, code: str) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": code}}
