"""The foundation: the CLI entry point and DynamoDB over HTTP against the moto server."""

from __future__ import annotations

import boto3

from bff.cli import main
from bff.tables import ALL_TABLES, STUDENTS


def test_cli_without_command_prints_help_and_exits_2(capsys) -> None:
    assert main([]) == 2
    assert "usage: bff" in capsys.readouterr().out


def test_tables_are_created_on_the_moto_server_over_http(make_table, moto_server) -> None:
    name = make_table(STUDENTS)
    # A client built only from the environment reaches the same server: that is how the
    # services find it.
    client = boto3.client("dynamodb")
    described = client.describe_table(TableName=name)["Table"]
    assert client.meta.endpoint_url == moto_server.endpoint
    assert {k["AttributeName"] for k in described["KeySchema"]} == {"pk", "sk"}
    assert [i["IndexName"] for i in described["GlobalSecondaryIndexes"]] == ["gsi1"]


def test_every_table_spec_names_a_distinct_environment_variable() -> None:
    env_vars = [spec.env_var for spec in ALL_TABLES]
    assert len(env_vars) == len(set(env_vars))
