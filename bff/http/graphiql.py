"""The GraphiQL page a browser gets on GET /graphql; its scripts and styles are served locally."""

from __future__ import annotations

from functools import cache

# Asset URLs are relative to the page, so the page works under an API Gateway stage prefix
# (`/prod/graphql` loads `/prod/graphiql/...`). The fetcher posts to the page's own URL.
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
    const url = window.location.origin + window.location.pathname;
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
