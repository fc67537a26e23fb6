"""`make chaos`: the local stack under injected faults, with a report (bench/results/chaos.md)."""
