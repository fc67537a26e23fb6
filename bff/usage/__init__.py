"""Schema usage: which coordinates each client's operations use, counted in process and
flushed to the BFF table as per-day aggregates (read back by the registry's checks)."""
