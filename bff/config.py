"""The gateway's configuration: one pydantic model read from the environment once per process."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DEFAULT_MAX_BODY_BYTES = 1024 * 1024


class ConfigurationError(ValueError):
    """The environment holds a setting the gateway cannot use (message names the variable)."""


class GatewaySettings(BaseModel):
    """Everything the edge, the gateway and the handler read from the environment.

    Field aliases are the environment variable names; JSON-valued variables (maps, lists) are
    decoded before validation so `from_environ` and direct construction take the same values.
    """

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    # Where the supergraph comes from: a file (local, `bff serve --supergraph`) or the registry.
    supergraph_file: str | None = Field(None, alias="SUPERGRAPH_FILE")
    registry_table: str | None = Field(None, alias="REGISTRY_TABLE")
    registry_poll_seconds: float = Field(5.0, alias="REGISTRY_POLL_SECONDS", ge=0)

    # Subgraph calls. Keys by subgraph name: inline for local runs, Secrets Manager ids in AWS.
    subgraph_api_keys: dict[str, str] = Field(default_factory=dict, alias="SUBGRAPH_API_KEYS")
    subgraph_api_key_secret_ids: dict[str, str] = Field(
        default_factory=dict, alias="SUBGRAPH_API_KEY_SECRET_IDS"
    )
    subgraph_timeout_seconds: float = Field(10.0, alias="SUBGRAPH_TIMEOUT_SECONDS", gt=0)
    subgraph_url_overrides: dict[str, str] = Field(
        default_factory=dict, alias="SUBGRAPH_URL_OVERRIDES"
    )

    # The HTTP edge.
    cors_allow_origins: tuple[str, ...] = Field((), alias="CORS_ALLOW_ORIGINS")
    # A REST API stage or custom-domain mapping prefix to strip from paths (mangum).
    api_base_path: str = Field("/", alias="API_BASE_PATH")
    max_body_bytes: int = Field(DEFAULT_MAX_BODY_BYTES, alias="MAX_BODY_BYTES", gt=0)
    graphiql_enabled: bool = Field(True, alias="GRAPHIQL_ENABLED")
    graphiql_assets_dir: str | None = Field(None, alias="GRAPHIQL_ASSETS_DIR")

    # Per supergraph version: parsed, validated and planned operations kept in an LRU cache.
    operation_cache_size: int = Field(1000, alias="OPERATION_CACHE_SIZE", ge=0)

    # Limits on what a client may ask (see bff/validation/ for why each exists).
    max_tokens: int = Field(10_000, alias="MAX_QUERY_TOKENS", gt=0)
    max_depth: int = Field(15, alias="MAX_QUERY_DEPTH", gt=0)
    max_aliases: int = Field(30, alias="MAX_QUERY_ALIASES", ge=0)
    max_fields: int = Field(2000, alias="MAX_QUERY_FIELDS", gt=0)
    introspection_enabled: bool = Field(True, alias="INTROSPECTION_ENABLED")

    @field_validator(
        "subgraph_api_keys",
        "subgraph_api_key_secret_ids",
        "subgraph_url_overrides",
        mode="before",
    )
    @classmethod
    def _decode_json_map(cls, value: Any) -> Any:
        if isinstance(value, str | bytes):
            value = orjson.loads(value) if value.strip() else {}
        return value

    @field_validator("cors_allow_origins", mode="before")
    @classmethod
    def _decode_origins(cls, value: Any) -> Any:
        # Accept a JSON list or a comma-separated list: both are common in templates.
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return orjson.loads(text)
            return tuple(origin.strip() for origin in text.split(",") if origin.strip())
        return value

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> GatewaySettings:
        """Read and validate the settings; a bad value raises `ConfigurationError`."""
        source = os.environ if environ is None else environ
        names = {field.alias for field in cls.model_fields.values() if field.alias}
        values = {name: source[name] for name in names if name in source}
        try:
            return cls.model_validate(values)
        except (ValidationError, orjson.JSONDecodeError) as error:
            raise ConfigurationError(f"invalid gateway configuration: {error}") from None


@functools.cache
def settings() -> GatewaySettings:
    """The process's settings, read from the environment on first use."""
    return GatewaySettings.from_environ()


def resolve_api_keys(
    config: GatewaySettings, *, secrets_client: Any | None = None
) -> dict[str, str]:
    """API keys per subgraph name: inline keys, then keys read from Secrets Manager.

    Called once per process (the gateway keeps the result). boto3 is imported only when secret
    ids are configured, so local runs and the cold path do not pay for it.
    """
    keys = dict(config.subgraph_api_keys)
    if config.subgraph_api_key_secret_ids:
        keys.update(
            read_api_keys(config.subgraph_api_key_secret_ids, secrets_client=secrets_client)
        )
    return keys


def read_api_keys(
    secret_ids: Mapping[str, str], *, secrets_client: Any | None = None
) -> dict[str, str]:
    """The key each subgraph's secret holds, by subgraph name; raises `ConfigurationError`."""
    if not secret_ids:
        return {}
    if secrets_client is None:
        import boto3

        secrets_client = boto3.client("secretsmanager")
    keys = {}
    for name, secret_id in secret_ids.items():
        try:
            secret = secrets_client.get_secret_value(SecretId=secret_id)
            keys[name] = api_key_from_secret(secret.get("SecretString") or "")
        except ConfigurationError as error:
            raise ConfigurationError(
                f"secret {secret_id!r} of subgraph {name!r}: {error}"
            ) from None
        except Exception as error:
            # The message names the secret, never its value.
            raise ConfigurationError(
                f"cannot read the API key of subgraph {name!r} from secret {secret_id!r}: "
                f"{type(error).__name__}"
            ) from None
    return keys


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
