"""`bff serve` verifying JWTs itself (container behind a load balancer): over real HTTP, with
the JWKS fetched from a loopback URL, tokens checked for signature, issuer and audience, and
the verified claims forwarded to the subgraphs as behind API Gateway."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from bff.commands import serve_command
from bff.config import ConfigurationError, GatewaySettings
from bff.devstack.jwt_authorizer import JwtAuthorizer
from bff.devstack.jwt_keys import SigningKey, generate_signing_key
from bff.execution.identity_tokens import IDENTITY_HEADER
from bff.gateway import FileSupergraphProvider, Gateway
from bff.http.app import GraphQLApp
from bff.http.bearer_auth import BearerAuthApp
from services.toolkit.identity import IdentityVerifier
from services.toolkit.secrets import RotatingKeys
from services.toolkit.serving import BackgroundServer
from tests.support.loopback_subgraphs import SUPERGRAPH_FILE, LoopbackSubgraphs

ISSUER = "https://issuer.example/"
AUDIENCE = "bff-container"
STUDENTS_CLAIMS_KEY = "students-claims-key-0123456789abcdef012345"


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return generate_signing_key()


@pytest.fixture(scope="module")
def jwks_url(key: SigningKey) -> Iterator[str]:
    app = Starlette(routes=[Route("/jwks.json", lambda _: JSONResponse(key.jwks()))])
    with BackgroundServer(app) as server:
        yield f"{server.url}/jwks.json"


@pytest.fixture
def served(jwks_url: str, subgraphs: LoopbackSubgraphs) -> Iterator[str]:
    config = GatewaySettings(
        subgraph_url_overrides=subgraphs.urls,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        jwt_jwks_url=jwks_url,
        subgraph_claims_keys={"students": STUDENTS_CLAIMS_KEY},
    )
    gateway = Gateway(FileSupergraphProvider(SUPERGRAPH_FILE), config, api_keys={})
    authorizer = JwtAuthorizer(issuer=ISSUER, audience=AUDIENCE, jwks_url=jwks_url)
    app = BearerAuthApp(GraphQLApp(gateway, config), authorizer)
    with BackgroundServer(app, lifespan=True) as server:
        yield server.url


def _post(url: str, token: str | None) -> tuple[int, dict]:
    headers = {"content-type": "application/json"}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        f"{url}/graphql", data=b'{"query": "{ students { name } }"}', headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_valid_token_is_answered_and_its_claims_reach_the_subgraph(
    served: str, key: SigningKey, subgraphs: LoopbackSubgraphs
) -> None:
    token = key.mint("user-7", issuer=ISSUER, audience=AUDIENCE)
    status, body = _post(served, token)
    assert status == 200
    assert body == {"data": {"students": [{"name": "Ada"}, {"name": "Grace"}]}}
    sent = subgraphs.requests[-1].headers[IDENTITY_HEADER.lower()]
    identity = IdentityVerifier(RotatingKeys.of(STUDENTS_CLAIMS_KEY), "students").verify(sent)
    assert identity.subject == "user-7"


@pytest.mark.parametrize(
    ("mint", "reason"),
    [
        (None, "missing bearer token in the Authorization header"),
        ({"audience": "someone-else"}, "the token is not meant for this API (audience)"),
        ({"issuer": "https://evil.example/"}, "the token comes from an untrusted issuer"),
        ({"ttl_seconds": -600}, "the token has expired"),
        ({"other_key": True}, "the token is signed with an unknown key"),
    ],
    ids=["no-token", "audience", "issuer", "expired", "unknown-key"],
)
def test_a_missing_or_bad_token_gets_401_and_no_subgraph_call(
    served: str, key: SigningKey, subgraphs: LoopbackSubgraphs, mint: dict | None, reason: str
) -> None:
    token = None
    if mint is not None:
        signer = generate_signing_key() if mint.pop("other_key", False) else key
        token = signer.mint("user-7", **{"issuer": ISSUER, "audience": AUDIENCE, **mint})
    before = len(subgraphs.requests)
    status, body = _post(served, token)
    assert status == 401
    assert body["errors"] == [{"message": reason, "extensions": {"code": "UNAUTHENTICATED"}}]
    assert len(subgraphs.requests) == before


def test_health_and_preflight_stay_public(served: str) -> None:
    with urllib.request.urlopen(f"{served}/health", timeout=30) as response:
        assert response.status == 200
    options = urllib.request.Request(f"{served}/graphql", method="OPTIONS")
    with urllib.request.urlopen(options, timeout=30) as response:
        assert response.status == 204


def test_the_three_jwt_settings_go_together() -> None:
    with pytest.raises(ConfigurationError, match="JWT_ISSUER, JWT_AUDIENCE and JWT_JWKS_URL"):
        GatewaySettings(jwt_issuer=ISSUER)


@pytest.fixture(autouse=True)
def _bff_logger_restored() -> Iterator[None]:
    """`bff serve` sets the "bff" logger up on the test's captured stdout; later tests would log
    to that closed stream, so it is put back as it was."""
    logger = logging.getLogger("bff")
    # Powertools also marks the logger itself (its handler, its formatter): all of it goes back.
    state = {**vars(logger), "handlers": list(logger.handlers)}
    yield
    vars(logger).clear()
    vars(logger).update(state)


class _Args:
    supergraph = str(SUPERGRAPH_FILE)
    registry_table = None
    port = 4999
    workers = 1
    jwt_issuer = jwt_audience = jwt_jwks_url = None

    def __init__(self, host: str, **jwt: str) -> None:
        self.host = host
        for name, value in jwt.items():
            setattr(self, name, value)


def _serve_without_serving(
    monkeypatch: pytest.MonkeyPatch, args: _Args, env: dict[str, str] | None = None
) -> dict:
    """Run `bff serve` up to uvicorn, and return what it would have served and how."""
    for name in ("SUPERGRAPH_FILE", "REGISTRY_TABLE", "JWT_ISSUER", "JWT_AUDIENCE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    ran: dict = {}
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda app, **options: ran.update(app=app, **options))
    # Not in the test process: freezing its objects would outlast the test.
    monkeypatch.setattr("bff.commands.tune_garbage_collector", lambda: None)

    assert serve_command(args) == 0  # type: ignore[arg-type]
    return ran


def test_serve_warns_on_a_public_address_without_authentication(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ran = _serve_without_serving(monkeypatch, _Args("0.0.0.0"))
    assert "WARNING: serving 0.0.0.0 without authentication" in capsys.readouterr().err
    assert isinstance(ran["app"], GraphQLApp)
    _serve_without_serving(monkeypatch, _Args("127.0.0.1"))
    assert "WARNING" not in capsys.readouterr().err


def test_serve_with_jwt_settings_verifies_tokens_and_does_not_warn(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], jwks_url: str
) -> None:
    args = _Args("0.0.0.0", jwt_issuer=ISSUER, jwt_audience=AUDIENCE, jwt_jwks_url=jwks_url)
    ran = _serve_without_serving(monkeypatch, args)
    assert isinstance(ran["app"], BearerAuthApp)
    assert ran["app"].authorizer.audience == AUDIENCE
    assert "WARNING" not in capsys.readouterr().err


def test_serve_keeps_connections_open_longer_than_a_load_balancer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ran = _serve_without_serving(monkeypatch, _Args("127.0.0.1"))
    assert ran["timeout_keep_alive"] == 75  # above the ALB's 60 s idle timeout
    ran = _serve_without_serving(
        monkeypatch, _Args("127.0.0.1"), {"SERVE_KEEPALIVE_SECONDS": "400"}
    )
    assert ran["timeout_keep_alive"] == 400
