"""Composition: subgraph SDLs -> an Apollo (join v0.3) supergraph SDL; errors are values."""
