"""The gateway's configuration: one frozen dataclass read from the environment once per process.

A plain dataclass with its own small parsers rather than a pydantic model: pydantic's import and
model building cost ~150 ms of the Lambda's cold start, for a dozen scalar settings.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from bff.planning.planner import DEFAULT_PLANNING_STEPS

DEFAULT_MAX_BODY_BYTES = 1024 * 1024

# The spellings of a boolean environment variable (case-insensitive), as pydantic reads them.
_TRUE_WORDS = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE_WORDS = frozenset({"0", "false", "f", "no", "n", "off"})


class ConfigurationError(ValueError):
    """The environment holds a setting the gateway cannot use (message names the variable)."""


def _text(value: str) -> str:
    return value


def _float(value: str) -> float:
    return float(value)


def _int(value: str) -> int:
    return int(value)


def _boolean(value: str) -> bool:
    word = value.strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise ValueError(f"expected true or false, got {value!r}")


def _json_map(value: str) -> dict[str, str]:
    document = orjson.loads(value) if value.strip() else {}
    if not isinstance(document, dict) or not all(
        isinstance(item, str) for item in document.values()
    ):
        raise ValueError("expected a JSON object of strings")
    return document


def _json_object(value: str) -> dict[str, Any]:
    document = orjson.loads(value) if value.strip() else {}
    if not isinstance(document, dict):
        raise ValueError("expected a JSON object")
    return document


def _origins(value: str) -> tuple[str, ...]:
    # Accept a JSON list or a comma-separated list: both are common in templates.
    text = value.strip()
    if text.startswith("["):
        document = orjson.loads(text)
        if not isinstance(document, list) or not all(isinstance(o, str) for o in document):
            raise ValueError("expected a JSON list of strings")
        return tuple(document)
    return tuple(origin.strip() for origin in text.split(",") if origin.strip())


def _tracing_exporter(value: str) -> str:
    word = value.strip().lower() or "off"
    if word not in ("off", "console", "otlp"):
        raise ValueError(f"expected off, console or otlp, got {value!r}")
    return word


def _env(
    name: str, parse: Callable[[str], Any], *, gt: float | None = None, ge: float | None = None
) -> dict[str, Any]:
    """A field's metadata: its environment variable, the parser of its text, its bounds."""
    return {"env": name, "parse": parse, "gt": gt, "ge": ge}


@dataclass(frozen=True, kw_only=True)
class GatewaySettings:
    """Everything the edge, the gateway and the handler read from the environment.

    Each field names its environment variable; JSON-valued variables (maps, lists) are decoded
    by `from_environ`, and direct construction takes the decoded values. Bounds are checked
    either way.
    """

    # Where the supergraph comes from: a file (local, `bff serve --supergraph`) or the registry.
    supergraph_file: str | None = field(default=None, metadata=_env("SUPERGRAPH_FILE", _text))
    registry_table: str | None = field(default=None, metadata=_env("REGISTRY_TABLE", _text))
    registry_poll_seconds: float = field(
        default=5.0, metadata=_env("REGISTRY_POLL_SECONDS", _float, ge=0)
    )

    # Subgraph calls. Keys by subgraph name: inline for local runs, Secrets Manager ids in AWS.
    subgraph_api_keys: dict[str, str] = field(
        default_factory=dict, metadata=_env("SUBGRAPH_API_KEYS", _json_map)
    )
    subgraph_api_key_secret_ids: dict[str, str] = field(
        default_factory=dict, metadata=_env("SUBGRAPH_API_KEY_SECRET_IDS", _json_map)
    )
    subgraph_timeout_seconds: float = field(
        default=10.0, metadata=_env("SUBGRAPH_TIMEOUT_SECONDS", _float, gt=0)
    )
    # Idle pooled connections are closed after this, before the subgraph's own idle timeout
    # (uvicorn and Node: 5 s) closes them under a request; raise it for subgraphs behind API
    # Gateway, which keeps idle connections for minutes.
    subgraph_keepalive_seconds: float = field(
        default=4.0, metadata=_env("SUBGRAPH_KEEPALIVE_SECONDS", _float, gt=0)
    )
    # Identical subgraph queries in flight at once are sent once, the answer shared
    # (bff/execution/in_flight.py); off sends every planned request (e.g. to compare gateways).
    subgraph_share_in_flight: bool = field(
        default=True, metadata=_env("SUBGRAPH_SHARE_IN_FLIGHT", _boolean)
    )
    # A subgraph failing this many calls in a row is not called for the given seconds, then
    # probed with one call (bff/execution/circuit_breaker.py).
    subgraph_breaker_failures: int = field(
        default=5, metadata=_env("SUBGRAPH_BREAKER_FAILURES", _int, gt=0)
    )
    subgraph_breaker_open_seconds: float = field(
        default=10.0, metadata=_env("SUBGRAPH_BREAKER_OPEN_SECONDS", _float, gt=0)
    )
    # Retries stay within this share of the calls to a subgraph (bff/execution/retries.py).
    subgraph_retry_budget_ratio: float = field(
        default=0.2, metadata=_env("SUBGRAPH_RETRY_BUDGET_RATIO", _float, ge=0)
    )
    # Every request is answered within this (in Lambda: before the invocation's time is up),
    # with what arrived by then and errors for the rest.
    request_deadline_seconds: float = field(
        default=25.0, metadata=_env("REQUEST_DEADLINE_SECONDS", _float, gt=0)
    )
    subgraph_url_overrides: dict[str, str] = field(
        default_factory=dict, metadata=_env("SUBGRAPH_URL_OVERRIDES", _json_map)
    )
    # Keys the verified user's token is signed with, per subgraph (bff/execution/identity_tokens):
    # inline (comma-separated keys, first signs) locally, Secrets Manager ids in AWS.
    subgraph_claims_keys: dict[str, str] = field(
        default_factory=dict, metadata=_env("SUBGRAPH_CLAIMS_KEYS", _json_map)
    )
    subgraph_claims_key_secret_ids: dict[str, str] = field(
        default_factory=dict, metadata=_env("SUBGRAPH_CLAIMS_KEY_SECRET_IDS", _json_map)
    )
    claims_token_ttl_seconds: int = field(
        default=60, metadata=_env("CLAIMS_TOKEN_TTL_SECONDS", _int, gt=0)
    )
    # What each @policy name requires of the verified claims (bff/authorization/policies.py).
    authorization_policies: dict[str, Any] = field(
        default_factory=dict, metadata=_env("AUTHORIZATION_POLICIES", _json_object)
    )
    # How long a secret read from Secrets Manager is kept before it is read again (rotation).
    secrets_ttl_seconds: int = field(default=300, metadata=_env("SECRETS_TTL_SECONDS", _int, ge=0))

    # Clients (registered in the registry table): unknown and unnamed clients get the policy and
    # contract of this one (none: any operation, full schema, no persisted queries).
    default_client: str | None = field(default=None, metadata=_env("DEFAULT_CLIENT", _text))
    # The BFF's own table (bff/tables.py BFF): automatic persisted queries.
    bff_table: str | None = field(default=None, metadata=_env("BFF_TABLE", _text))
    persisted_query_ttl_seconds: float = field(
        default=30 * 24 * 3600.0, metadata=_env("PERSISTED_QUERY_TTL_SECONDS", _float, gt=0)
    )
    persisted_query_cache_size: int = field(
        default=1000, metadata=_env("PERSISTED_QUERY_CACHE_SIZE", _int, ge=0)
    )

    # Schema usage (bff/usage/): recorded into the BFF table when it is set.
    usage_sample_rate: float = field(default=1.0, metadata=_env("USAGE_SAMPLE_RATE", _float, ge=0))
    usage_retention_days: int = field(default=30, metadata=_env("USAGE_RETENTION_DAYS", _int, gt=0))
    usage_flush_seconds: float = field(
        default=5.0, metadata=_env("USAGE_FLUSH_SECONDS", _float, gt=0)
    )
    usage_max_operations: int = field(
        default=5000, metadata=_env("USAGE_MAX_OPERATIONS", _int, gt=0)
    )

    # The HTTP edge.
    cors_allow_origins: tuple[str, ...] = field(
        default=(), metadata=_env("CORS_ALLOW_ORIGINS", _origins)
    )
    # A REST API stage or custom-domain mapping prefix to strip from paths (mangum).
    api_base_path: str = field(default="/", metadata=_env("API_BASE_PATH", _text))
    max_body_bytes: int = field(
        default=DEFAULT_MAX_BODY_BYTES, metadata=_env("MAX_BODY_BYTES", _int, gt=0)
    )
    # Off unless enabled (production default); `bff dev` turns both on.
    graphiql_enabled: bool = field(default=False, metadata=_env("GRAPHIQL_ENABLED", _boolean))
    # Headers GraphiQL's Headers tab starts with (the local stack's token; JSON object), and
    # whether GraphiQL keeps edited headers (a token too) in the browser across reloads.
    graphiql_default_headers: dict[str, str] = field(
        default_factory=dict, metadata=_env("GRAPHIQL_DEFAULT_HEADERS", _json_map)
    )
    graphiql_persist_headers: bool = field(
        default=False, metadata=_env("GRAPHIQL_PERSIST_HEADERS", _boolean)
    )
    graphiql_assets_dir: str | None = field(
        default=None, metadata=_env("GRAPHIQL_ASSETS_DIR", _text)
    )

    # A bearer token that unlocks /health's details (supergraph version, each subgraph's
    # breaker); without it /health says only whether the gateway is ready.
    health_token: str | None = field(default=None, metadata=_env("HEALTH_TOKEN", _text))
    # In AWS the token lives in Secrets Manager (infra/bff/stateful.yaml): read on the first
    # /health request that brings a bearer token, then kept SECRETS_TTL_SECONDS.
    health_token_secret_id: str | None = field(
        default=None, metadata=_env("HEALTH_TOKEN_SECRET_ID", _text)
    )

    # `bff serve` only (in AWS, API Gateway's JWT authorizer does this): verify bearer tokens
    # against the issuer's JWKS. All three or none.
    jwt_issuer: str | None = field(default=None, metadata=_env("JWT_ISSUER", _text))
    jwt_audience: str | None = field(default=None, metadata=_env("JWT_AUDIENCE", _text))
    jwt_jwks_url: str | None = field(default=None, metadata=_env("JWT_JWKS_URL", _text))
    # Longer than a load balancer's idle timeout (ALB: 60 s), so the balancer, not the BFF,
    # closes idle connections: otherwise it may send a request on a connection being closed.
    serve_keepalive_seconds: float = field(
        default=75.0, metadata=_env("SERVE_KEEPALIVE_SECONDS", _float, gt=0)
    )

    # OpenTelemetry spans: off, console (stdout) or otlp (OTEL_EXPORTER_OTLP_ENDPOINT; in AWS
    # the ADOT collector layer, which sends them to X-Ray). See bff/observability/tracing.py.
    tracing_exporter: str = field(
        default="off", metadata=_env("TRACING_EXPORTER", _tracing_exporter)
    )

    # Per supergraph version: parsed, validated and planned operations kept in an LRU cache.
    operation_cache_size: int = field(
        default=1000, metadata=_env("OPERATION_CACHE_SIZE", _int, ge=0)
    )

    # Limits on what a client may ask (see bff/validation/ for why each exists).
    max_tokens: int = field(default=10_000, metadata=_env("MAX_QUERY_TOKENS", _int, gt=0))
    max_depth: int = field(default=15, metadata=_env("MAX_QUERY_DEPTH", _int, gt=0))
    max_aliases: int = field(default=30, metadata=_env("MAX_QUERY_ALIASES", _int, ge=0))
    max_fields: int = field(default=2000, metadata=_env("MAX_QUERY_FIELDS", _int, gt=0))
    max_repeated_fields: int = field(
        default=20, metadata=_env("MAX_QUERY_REPEATED_FIELDS", _int, gt=0)
    )
    introspection_enabled: bool = field(
        default=False, metadata=_env("INTROSPECTION_ENABLED", _boolean)
    )
    # Demand control (bff/validation/cost_limit.py): the estimated cost an operation may have,
    # and the size assumed for a list without @listSize. 0 turns the limit off.
    max_cost: int = field(default=100_000, metadata=_env("MAX_QUERY_COST", _int, ge=0))
    default_list_size: int = field(default=10, metadata=_env("DEFAULT_LIST_SIZE", _int, gt=0))
    # Planning steps (cost estimates and walk steps, ~0.1 ms each) one operation may take; more
    # is refused with QUERY_PLANNING_FAILED. Plans run in a worker thread meanwhile.
    planning_max_steps: int = field(
        default=DEFAULT_PLANNING_STEPS, metadata=_env("PLANNING_MAX_STEPS", _int, gt=0)
    )

    def __post_init__(self) -> None:
        # Origins given as any sequence are kept as a tuple, like the environment's.
        object.__setattr__(self, "cors_allow_origins", tuple(self.cors_allow_origins))
        jwt_settings = (self.jwt_issuer, self.jwt_audience, self.jwt_jwks_url)
        if any(jwt_settings) and not all(jwt_settings):
            raise ConfigurationError(
                "invalid gateway configuration: set all of JWT_ISSUER, JWT_AUDIENCE and "
                "JWT_JWKS_URL to verify tokens, or none of them"
            )
        for setting in dataclasses.fields(self):
            value = getattr(self, setting.name)
            gt, ge = setting.metadata["gt"], setting.metadata["ge"]
            if gt is not None and not value > gt:
                raise ConfigurationError(
                    f"invalid gateway configuration: {setting.metadata['env']} must be "
                    f"greater than {gt}, got {value!r}"
                )
            if ge is not None and not value >= ge:
                raise ConfigurationError(
                    f"invalid gateway configuration: {setting.metadata['env']} must be "
                    f"at least {ge}, got {value!r}"
                )

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> GatewaySettings:
        """Read and validate the settings; a bad value raises `ConfigurationError`."""
        source = os.environ if environ is None else environ
        values = {}
        for setting in dataclasses.fields(cls):
            name = setting.metadata["env"]
            if name not in source:
                continue
            try:
                values[setting.name] = setting.metadata["parse"](source[name])
            except (ValueError, orjson.JSONDecodeError) as error:
                raise ConfigurationError(
                    f"invalid gateway configuration: {name}: {error}"
                ) from None
        return cls(**values)

    @classmethod
    def environ_name(cls, setting: str) -> str:
        """The environment variable of the field named `setting` (e.g. SUPERGRAPH_FILE)."""
        return str(cls.__dataclass_fields__[setting].metadata["env"])

    @property
    def verifies_tokens(self) -> bool:
        return self.jwt_jwks_url is not None

    def replace(self, **changes: Any) -> GatewaySettings:
        """A copy with `changes` (field names), checked like a new instance."""
        return dataclasses.replace(self, **changes)


@functools.cache
def settings() -> GatewaySettings:
    """The process's settings, read from the environment (on every call: callers keep them)."""
    return GatewaySettings.from_environ()


def api_key_from_secret(secret_string: str) -> str:
    """The key to send from a secret the subgraph also reads: one key, a comma-separated or
    JSON list of valid keys (rotation; the first is sent), or a JSON object with `apiKey`."""
    text = secret_string.strip()
    if text.startswith(("[", "{")):
        try:
            document = orjson.loads(text)
        except orjson.JSONDecodeError:
            raise ConfigurationError("the secret is not valid JSON") from None
        if isinstance(document, dict):
            document = document.get("apiKey")
        candidates = document if isinstance(document, list) else [document]
    else:
        candidates = text.split(",")
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    raise ConfigurationError("the secret holds no API key")
