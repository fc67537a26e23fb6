"""Content negotiation for GraphQL over HTTP: which media type a response is sent as.

The graphql-over-http spec defines `application/graphql-response+json` (status codes carry
meaning) and keeps `application/json` for legacy clients (always 200 for well-formed requests).
"""

from __future__ import annotations

from functools import lru_cache

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
HTML = "text/html"

# On equal preference the spec's media type wins when the client named it; a bare wildcard
# (curl's `*/*`, old clients) gets `application/json`, as the spec asks for legacy clients.
_GRAPHQL_TYPES = (GRAPHQL_RESPONSE_JSON, JSON)


@lru_cache(maxsize=256)
def negotiate_graphql_media_type(accept: str | None) -> str | None:
    """The media type to answer a GraphQL request with, or None when none is acceptable."""
    if not accept or not accept.strip():
        return JSON
    best: tuple[float, int, int] | None = None
    chosen: str | None = None
    for media_type in _GRAPHQL_TYPES:
        quality, specificity = _quality(accept, media_type)
        if quality <= 0:
            continue
        # Rank by quality, then by how specifically the client named it, then the tie-break.
        named = specificity == 2
        preferred = media_type == (GRAPHQL_RESPONSE_JSON if named else JSON)
        rank = (quality, specificity, int(preferred))
        if best is None or rank > best:
            best, chosen = rank, media_type
    return chosen


@lru_cache(maxsize=256)
def prefers_html(accept: str | None) -> bool:
    """Whether a browser is asking for a page (Accept names text/html explicitly)."""
    if not accept:
        return False
    html_quality, html_specificity = _quality(accept, HTML)
    if html_quality <= 0 or html_specificity < 2:
        return False
    json_quality = max(_quality(accept, media_type)[0] for media_type in _GRAPHQL_TYPES)
    return html_quality >= json_quality


def _quality(accept: str, media_type: str) -> tuple[float, int]:
    """The q-value the Accept header gives `media_type` via its most specific matching range,
    and that range's specificity (2 exact, 1 `type/*`, 0 `*/*`, -1 no match)."""
    wanted_type, _, wanted_subtype = media_type.partition("/")
    best_specificity, best_quality = -1, 0.0
    for part in accept.split(","):
        range_text, *params = part.split(";")
        main, _, sub = range_text.strip().lower().partition("/")
        if main == wanted_type and sub == wanted_subtype:
            specificity = 2
        elif main == wanted_type and sub == "*":
            specificity = 1
        elif main == "*" and sub == "*":
            specificity = 0
        else:
            continue
        if specificity <= best_specificity:
            continue
        best_specificity, best_quality = specificity, _q_param(params)
    return best_quality, best_specificity


def _q_param(params: list[str]) -> float:
    for param in params:
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                return min(max(float(value), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0
