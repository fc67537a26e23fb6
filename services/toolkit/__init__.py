"""What every subgraph service shares: API-key check, app and handler factory, tables."""
