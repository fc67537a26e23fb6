"""The GraphiQL page (GET /graphiql, and GET /graphql for browsers); assets are served locally.

The page refetches the schema when the headers change (GraphiQL loads it once, so a page opened
without a token kept its explorer empty after the token was added): a header edit that parses as
JSON re-mounts GraphiQL with those headers, which introspects again; the query editor's tabs are
in the browser's storage and survive. `default_headers` fill the Headers tab of a first visit
(the local stack puts its token there); `persist_headers` keeps edited headers, the token
included, in the browser's storage across reloads (opt-in: GraphiQL's settings also offer it).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

import orjson

# Every URL is relative to the page, so it works under an API Gateway stage or base path: the
# page at `/prod/graphiql` (public in AWS, where `/graphql` needs a token even for a browser)
# or `/prod/graphql` loads `/prod/graphiql/...` and its fetcher posts to `/prod/graphql`, never
# to the page's own URL.
_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title}</title>
  <style>body {{ margin: 0; height: 100vh; }} #graphiql {{ height: 100vh; }}</style>
  <link rel="stylesheet" href="graphiql/graphiql.min.css">
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script id="graphiql-config" type="application/json">{config}</script>
  <script src="graphiql/react.production.min.js"></script>
  <script src="graphiql/react-dom.production.min.js"></script>
  <script src="graphiql/graphiql.min.js"></script>
  <script>
    const config = JSON.parse(document.getElementById("graphiql-config").textContent);
    const url = new URL("graphql", window.location.href).href;
    const fetcher = GraphiQL.createFetcher({{ url }});
    const root = ReactDOM.createRoot(document.getElementById("graphiql"));
    let schemaHeaders = null, generation = 0, pending;
    function parses(text) {{
      try {{ JSON.parse(text || "{{}}"); return true; }} catch (error) {{ return false; }}
    }}
    function onEditHeaders(text) {{
      clearTimeout(pending);
      pending = setTimeout(() => {{
        if (text !== schemaHeaders && parses(text)) render(text);
      }}, 600);
    }}
    function render(headers) {{
      schemaHeaders = headers;
      generation += 1;
      root.render(React.createElement(GraphiQL, {{
        key: generation, fetcher, onEditHeaders,
        headers: headers === null ? undefined : headers,
        defaultHeaders: config.defaultHeaders,
        shouldPersistHeaders: config.persistHeaders,
        showPersistHeadersSettings: true,
        defaultEditorToolsVisibility: true,
      }}));
    }}
    render(null);
  </script>
</body>
</html>
"""


def graphiql_page(
    default_headers: Mapping[str, str] | None = None,
    *,
    persist_headers: bool = False,
    title: str = "GraphiQL · BFF",
) -> bytes:
    """The page, built once per configuration (the app keeps it)."""
    return _page(tuple(sorted((default_headers or {}).items())), persist_headers, title)


@cache
def _page(default_headers: tuple[tuple[str, str], ...], persist_headers: bool, title: str) -> bytes:
    headers = dict(default_headers)
    config = {
        "defaultHeaders": orjson.dumps(headers, option=orjson.OPT_INDENT_2).decode()
        if headers
        else "",
        "persistHeaders": persist_headers,
    }
    # Inside <script>, "</" could close the element: JSON allows "<\/" for it.
    text = orjson.dumps(config).decode().replace("</", "<\\/")
    return _PAGE.format(title=title, config=text).encode()
