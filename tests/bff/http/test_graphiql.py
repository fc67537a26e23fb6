"""GraphiQL on GET /graphiql and for browsers on GET /graphql, every asset served by the BFF."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bff.http.app import GraphQLApp, Receive, Scope, Send
from bff.http.assets import (
    ASSET_SOURCES,
    DEFAULT_NODE_MODULES,
    AssetsBuildError,
    build_assets,
    main,
)
from services.toolkit.serving import BackgroundServer
from tests.support.edge_clients import ASGIClient
from tests.support.edge_fixtures import build_edge_app, edge_settings

BOOT_GRAPHIQL = Path(__file__).parent / "boot_graphiql.cjs"

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _page(client, path: str = "/graphql") -> str:
    response = client.request("GET", path, headers={"accept": BROWSER_ACCEPT})
    assert response.status == 200
    assert response.content_type == "text/html; charset=utf-8"
    return response.body.decode()


# /graphiql is the page's public address in AWS (an HTTP API route cannot look at Accept, so
# /graphql has the authorizer even for browsers); /graphql serves browsers locally.
@pytest.mark.parametrize("path", ["/graphql", "/graphiql"])
def test_a_browser_gets_the_graphiql_page(client, path: str) -> None:
    page = _page(client, path)
    assert "GraphiQL.createFetcher" in page
    # Nothing is loaded from another host: the page works with no internet.
    assert not re.search(r'(src|href)="(https?:)?//', page)


def test_every_asset_the_page_loads_is_served(client) -> None:
    referenced = re.findall(r'(?:src|href)="(graphiql/[^"]+)"', _page(client))
    assert sorted(name.removeprefix("graphiql/") for name in referenced) == sorted(ASSET_SOURCES)
    for path in referenced:
        response = client.request("GET", f"/{path}")
        assert response.status == 200, path
        assert response.content_type == ASSET_SOURCES[path.removeprefix("graphiql/")][1]
        assert len(response.body) > 1000


def test_assets_are_sent_gzipped_when_accepted_and_revalidated_by_etag(client) -> None:
    plain = client.request("GET", "/graphiql/graphiql.min.css")
    packed = client.request(
        "GET", "/graphiql/graphiql.min.css", headers={"accept-encoding": "gzip, br"}
    )
    assert packed.headers["content-encoding"] == "gzip"
    assert gzip.decompress(packed.body) == plain.body
    again = client.request(
        "GET", "/graphiql/graphiql.min.css", headers={"if-none-match": plain.headers["etag"]}
    )
    assert again.status == 304
    assert again.body == b""


def test_graphiql_answers_any_client_and_not_other_methods(client) -> None:
    page = client.request("GET", "/graphiql", headers={"accept": "application/json"})
    assert (page.status, page.content_type) == (200, "text/html; charset=utf-8")
    assert client.request("POST", "/graphiql", body=b"{}").status == 404


def test_graphiql_can_be_switched_off(subgraphs, graphiql_assets_dir: Path, edge_loop) -> None:
    app = build_edge_app(edge_settings(subgraphs, graphiql_assets_dir, graphiql_enabled=False))
    client = ASGIClient(app, edge_loop)
    assert client.request("GET", "/graphiql", headers={"accept": BROWSER_ACCEPT}).status == 404
    browser = client.request("GET", "/graphql", headers={"accept": BROWSER_ACCEPT})
    assert browser.content_type != "text/html; charset=utf-8"


def test_unknown_assets_are_404(client) -> None:
    assert client.request("GET", "/graphiql/../../pyproject.toml").status == 404
    assert client.request("GET", "/graphiql/nope.js").status == 404


def test_graphql_clients_on_get_still_get_json(client) -> None:
    response = client.request("GET", "/graphql", query={"query": "{ __typename }"})
    assert response.json() == {"data": {"__typename": "Query"}}


def test_build_copies_assets_and_reports_missing_packages(tmp_path: Path, capsys) -> None:
    assert main(["build", "--target", str(tmp_path / "static")]) == 0
    assert sorted(p.name for p in (tmp_path / "static").iterdir()) == sorted(
        [*ASSET_SOURCES, *(f"{name}.gz" for name in ASSET_SOURCES)]
    )
    with pytest.raises(AssetsBuildError, match="run `make node-tools`"):
        build_assets(node_modules=tmp_path / "empty", target=tmp_path / "other")
    assert main(["build", "--node-modules", str(tmp_path), "--target", str(tmp_path / "x")]) == 1
    assert "missing in" in capsys.readouterr().err


class StagePrefix:
    """An ASGI wrapper that serves `app` under `/prod`, as API Gateway does with a stage path
    (the Lambda handler strips it through API_BASE_PATH)."""

    def __init__(self, app: GraphQLApp, prefix: str = "/prod") -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefix + "/"):
            scope = {**scope, "path": scope["path"][len(self.prefix) :]}
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def graphiql_server(subgraphs, graphiql_assets_dir: Path) -> Iterator[BackgroundServer]:
    app = build_edge_app(edge_settings(subgraphs, graphiql_assets_dir))
    with BackgroundServer(StagePrefix(app)) as server:
        yield server


@pytest.mark.parametrize(
    ("page", "endpoint"),
    [
        ("/prod/graphql", "/prod/graphql"),
        # The public page in AWS: its fetcher posts to /graphql under the same stage, not to
        # the page's own address.
        ("/prod/graphiql", "/prod/graphql"),
    ],
)
def test_graphiql_boots_in_a_browser_and_introspects_with_local_assets_only(
    graphiql_server: BackgroundServer, page: str, endpoint: str
) -> None:
    node = shutil.which("node")
    assert node, "node is needed for this test (Node 20)"
    base = graphiql_server.url
    report = boot_graphiql(f"{base}{page}")
    assert report["errors"] == []
    assert report["rendered"]
    introspection = report["operations"][0]
    assert introspection["url"] == f"{base}{endpoint}"
    assert introspection["name"] == "IntrospectionQuery"
    assert (introspection["status"], introspection["errors"]) == (200, [])
    assert introspection["types"] > 10
    assert all(url.startswith(f"{base}/prod/") for url in report["loaded"]), report["loaded"]


def boot_graphiql(page_url: str, type_headers: str | None = None) -> dict:
    """What booting the page in jsdom did (boot_graphiql.cjs), typing `type_headers` into the
    Headers tab once the first operation was answered."""
    node = shutil.which("node")
    assert node, "node is needed for this test (Node 20)"
    completed = subprocess.run(
        [
            *(node, str(BOOT_GRAPHIQL), page_url, str(DEFAULT_NODE_MODULES)),
            *([type_headers] if type_headers is not None else []),
        ],
        capture_output=True,
        check=True,
        timeout=120,
    )
    return dict(json.loads(completed.stdout))


TOKEN = "Bearer local-token"


class TokenGate:
    """What API Gateway's authorizer does to POST /graphql: 401 without the expected token."""

    def __init__(self, app: GraphQLApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or [])
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and headers.get(b"authorization") != TOKEN.encode()
        ):
            await send({"type": "http.response.start", "status": 401, "headers": []})
            await send({"type": "http.response.body", "body": b'{"message":"Unauthorized"}'})
            return
        await self.app(scope, receive, send)


def gated_server(subgraphs, assets_dir: Path, **settings: object) -> BackgroundServer:
    return BackgroundServer(
        TokenGate(build_edge_app(edge_settings(subgraphs, assets_dir, **settings)))
    )


def test_a_header_edit_refetches_the_schema_with_the_new_headers(
    subgraphs, graphiql_assets_dir: Path
) -> None:
    with gated_server(subgraphs, graphiql_assets_dir) as server:
        report = boot_graphiql(f"{server.url}/graphiql", json.dumps({"Authorization": TOKEN}))
    assert report["errors"] == []
    before, after = report["operations"][: report["typedAt"]], report["operations"][-1]
    # (GraphiQL retries a failed introspection once, so more than one may come before.)
    # Opened without a token: refused; the edit alone (no reload, no click) loads the schema.
    assert {(op["name"], op["status"]) for op in before} == {("IntrospectionQuery", 401)}
    assert (after["name"], after["status"]) == ("IntrospectionQuery", 200)
    assert after["headers"]["authorization"] == TOKEN
    assert after["types"] > 10


def test_default_headers_fill_the_headers_tab_and_reach_the_first_introspection(
    subgraphs, graphiql_assets_dir: Path
) -> None:
    defaults = {"Authorization": TOKEN}
    with gated_server(subgraphs, graphiql_assets_dir, graphiql_default_headers=defaults) as server:
        report = boot_graphiql(f"{server.url}/graphiql")
    assert json.loads(report["headers"]) == defaults
    introspection = report["operations"][0]
    assert (introspection["status"], introspection["headers"]["authorization"]) == (200, TOKEN)


def page_config(client_or_app) -> dict:
    page = client_or_app.graphiql_page.decode()
    match = re.search(r'<script id="graphiql-config" type="application/json">(.*?)</script>', page)
    assert match
    return dict(json.loads(match.group(1)))


def test_headers_are_kept_across_reloads_only_when_asked(subgraphs, graphiql_assets_dir) -> None:
    default = build_edge_app(edge_settings(subgraphs, graphiql_assets_dir))
    assert page_config(default) == {"defaultHeaders": "", "persistHeaders": False}
    persisting = build_edge_app(
        edge_settings(subgraphs, graphiql_assets_dir, graphiql_persist_headers=True)
    )
    assert page_config(persisting)["persistHeaders"] is True


def test_default_headers_cannot_close_the_page_script(subgraphs, graphiql_assets_dir) -> None:
    hostile = {"X-Note": "</script><script>alert(1)</script>"}
    app = build_edge_app(
        edge_settings(subgraphs, graphiql_assets_dir, graphiql_default_headers=hostile)
    )
    assert "</script><script>" not in app.graphiql_page.decode()
    assert json.loads(page_config(app)["defaultHeaders"]) == hostile
