"""Query planning: a client operation over the supergraph -> a QueryPlan (pure, cached)."""
