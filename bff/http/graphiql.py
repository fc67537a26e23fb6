"""The GraphiQL page (GET /graphiql, and GET /graphql for browsers); assets are served locally."""

from __future__ import annotations

from functools import cache

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
  <script src="graphiql/react.production.min.js"></script>
  <script src="graphiql/react-dom.production.min.js"></script>
  <script src="graphiql/graphiql.min.js"></script>
  <script>
    const url = new URL("graphql", window.location.href).href;
    const fetcher = GraphiQL.createFetcher({{ url }});
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, {{ fetcher, defaultEditorToolsVisibility: true }})
    );
  </script>
</body>
</html>
"""


@cache
def graphiql_page(title: str = "GraphiQL · BFF") -> bytes:
    return _PAGE.format(title=title).encode()
