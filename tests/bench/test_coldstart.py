"""Cold start from the registry on moto (one sample per path) and Lambda entry-point imports."""

from __future__ import annotations

from pathlib import Path

from bench.coldstart import lambda_entry_points, measure_cold_start, measure_import_times
from tests.bench.conftest import require_bench_node_packages


def test_every_lambda_entry_point_in_the_templates_is_found_with_its_environment() -> None:
    entry_points = dict(lambda_entry_points())
    assert {"bff.handler", "discovery.handler", "services.students.handler"} <= set(entry_points)
    # Parameter defaults are used where the template gives them (a valid log level).
    assert entry_points["bff.handler"].get("POWERTOOLS_LOG_LEVEL", "INFO").isupper()
    # `!If [condition, then, else]` gives its else value: optional features off by default.
    assert entry_points["bff.handler"].get("TRACING_EXPORTER", "off") == "off"


def test_import_time_of_each_entry_point_is_measured() -> None:
    modules = {"bff.handler", "discovery.registration_resource"}
    rows = {row["module"]: row for row in measure_import_times(1, only=modules)}
    assert set(rows) == modules
    row = rows["bff.handler"]
    assert 0 < row["cumulativeImportMs"] < row["processMs"]
    assert row["heaviest"] and all(ms > 0 for _, ms in row["heaviest"])


def test_both_cold_paths_answer_from_the_registry_supergraph(tmp_path: Path) -> None:
    require_bench_node_packages()
    result = measure_cold_start(tmp_path, repeats=1, log=lambda _: None)
    assert result["supergraphVersion"] == 4  # one version per registered subgraph
    assert result["bffServeMs"]["median"] > 0
    phases = result["lambdaPhasesMs"]
    assert (
        phases["importMs"]["median"] + phases["firstInvocationMs"]["median"]
        < (result["lambdaHandlerMs"]["median"])
    )
