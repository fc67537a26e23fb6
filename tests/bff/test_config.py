"""The gateway's settings: read from the environment, JSON maps decoded, bad values refused.
(API keys read from Secrets Manager: tests/bff/test_api_key_rotation.py.)"""

from __future__ import annotations

import pytest

from bff.config import ConfigurationError, GatewaySettings


def test_settings_come_from_the_environment() -> None:
    config = GatewaySettings.from_environ(
        {
            "SUPERGRAPH_FILE": "supergraph.graphql",
            "SUBGRAPH_API_KEYS": '{"students": "k1"}',
            "SUBGRAPH_URL_OVERRIDES": '{"students": "http://127.0.0.1:1/graphql"}',
            "SUBGRAPH_TIMEOUT_SECONDS": "2.5",
            "CORS_ALLOW_ORIGINS": "https://a.example, https://b.example",
            "MAX_BODY_BYTES": "2048",
            "OPERATION_CACHE_SIZE": "10",
            "REGISTRY_POLL_SECONDS": "3",
            "UNRELATED": "ignored",
        }
    )
    assert config.supergraph_file == "supergraph.graphql"
    assert config.subgraph_api_keys == {"students": "k1"}
    assert config.subgraph_url_overrides == {"students": "http://127.0.0.1:1/graphql"}
    assert config.subgraph_timeout_seconds == 2.5
    assert config.cors_allow_origins == ("https://a.example", "https://b.example")
    assert (config.max_body_bytes, config.operation_cache_size) == (2048, 10)
    assert config.registry_poll_seconds == 3


def test_defaults_without_environment() -> None:
    config = GatewaySettings.from_environ({})
    assert config.cors_allow_origins == ()
    assert config.subgraph_api_keys == {}
    # Production defaults: the schema is not introspectable and GraphiQL is off.
    assert config.introspection_enabled is False
    assert config.graphiql_enabled is False
    assert config.max_cost > 0


def test_origins_may_be_a_json_list() -> None:
    config = GatewaySettings.from_environ({"CORS_ALLOW_ORIGINS": '["*"]'})
    assert config.cors_allow_origins == ("*",)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SUBGRAPH_API_KEYS", "{not json"),
        ("SUBGRAPH_API_KEYS", '["a list"]'),
        ("SUBGRAPH_TIMEOUT_SECONDS", "0"),
        ("MAX_BODY_BYTES", "big"),
    ],
)
def test_bad_values_are_refused_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError) as error:
        GatewaySettings.from_environ({name: value})
    assert "invalid gateway configuration" in str(error.value)
    if name != "SUBGRAPH_API_KEYS" or value.startswith("["):
        assert name in str(error.value)
