"""The error raised when a supergraph SDL cannot be loaded."""

from __future__ import annotations


class SupergraphError(ValueError):
    """The supergraph SDL is malformed or not a supergraph we can serve; the message says why."""
