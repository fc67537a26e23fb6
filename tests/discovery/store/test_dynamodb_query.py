"""The BFF's query-only DynamoDB client against the moto server over HTTP: it answers Query as
botocore's client does (binary as bytes, pages, errors as botocore's exceptions), signs like
botocore's SigV4 signer, and the registry source reads the supergraph through it."""

from __future__ import annotations

import datetime
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import BotoCoreError, ClientError

from bff.devstack.moto_server import MotoServer, free_port
from bff.registry_table.dynamodb_query import CONTENT_TYPE, TARGET_PREFIX, DynamoDBQueryClient
from bff.registry_table.source import SupergraphSource
from discovery.store import RegistryStore

NOW = datetime.datetime(2026, 12, 1, 23, 59, 58, tzinfo=datetime.UTC)


def query_client(moto_server: MotoServer, **options: Any) -> DynamoDBQueryClient:
    client = DynamoDBQueryClient.from_environ(moto_server.env(), **options)
    assert client is not None
    return client


def blob_query(table: str, limit: int | None = None) -> dict[str, Any]:
    query: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": "blob"}},
        "ConsistentRead": True,
    }
    return query if limit is None else {**query, "Limit": limit}


@pytest.fixture
def blob_table(registry_table: str, dynamodb_client: Any) -> str:
    for index, data in enumerate((b"\x00\xffbinary", b"", "é".encode())):
        dynamodb_client.put_item(
            TableName=registry_table,
            Item={
                "pk": {"S": "blob"},
                "sk": {"S": f"chunk#{index}"},
                "data": {"B": data},
                "tags": {"BS": [data + b"!"]},
                "nested": {"M": {"raw": {"B": data}, "n": {"N": str(index)}}},
            },
        )
    return registry_table


def test_query_answers_as_botocore_does_binary_included(
    moto_server: MotoServer, dynamodb_client: Any, blob_table: str
) -> None:
    ours = query_client(moto_server).query(**blob_query(blob_table))
    theirs = dynamodb_client.query(**blob_query(blob_table))
    assert ours["Items"] == theirs["Items"]
    assert ours["Items"][0]["data"]["B"] == b"\x00\xffbinary"
    assert ours["Count"] == 3


def test_get_item_answers_as_botocore_does(
    moto_server: MotoServer, dynamodb_client: Any, blob_table: str
) -> None:
    key = {"pk": {"S": "blob"}, "sk": {"S": "chunk#0"}}
    client = query_client(moto_server)
    ours = client.get_item(TableName=blob_table, Key=key, ConsistentRead=True)
    assert ours["Item"] == dynamodb_client.get_item(TableName=blob_table, Key=key)["Item"]
    missing = {"pk": {"S": "blob"}, "sk": {"S": "nothing"}}
    assert "Item" not in client.get_item(TableName=blob_table, Key=missing)


def test_pages_carry_the_last_evaluated_key_back_and_forth(
    moto_server: MotoServer, blob_table: str
) -> None:
    client = query_client(moto_server)
    query = blob_query(blob_table, limit=2)
    pages = []
    while True:
        page = client.query(**query)
        pages.append([item["sk"]["S"] for item in page["Items"]])
        if "LastEvaluatedKey" not in page:
            break
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    assert pages == [["chunk#0", "chunk#1"], ["chunk#2"]]


def test_a_refused_query_raises_botocores_client_error(moto_server: MotoServer) -> None:
    with pytest.raises(ClientError) as raised:
        query_client(moto_server).query(**blob_query("no-such-table"))
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert raised.value.operation_name == "Query"


def test_no_answer_raises_a_botocore_error_after_one_retry() -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    client = DynamoDBQueryClient(
        region="us-east-1", access_key_id="a", secret_access_key="s", endpoint_url=closed
    )
    with pytest.raises(BotoCoreError, match="Could not connect to the endpoint URL"):
        client.query(**blob_query("t"))


def test_throttling_is_retried_once_then_raised() -> None:
    answers = [(400, b'{"__type":"com.amazonaws#ThrottlingException","message":"slow down"}')]
    answers *= 3
    sent: list[bytes] = []

    class Scripted(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            sent.append(self.rfile.read(int(self.headers["content-length"])))
            status, body = answers.pop(0)
            self.send_response(status)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = DynamoDBQueryClient(
            region="us-east-1",
            access_key_id="a",
            secret_access_key="s",
            endpoint_url=f"http://127.0.0.1:{server.server_port}",
        )
        with pytest.raises(ClientError) as raised:
            client.query(**blob_query("t"))
    finally:
        server.shutdown()
        server.server_close()
    assert raised.value.response["Error"] == {"Code": "ThrottlingException", "Message": "slow down"}
    assert len(sent) == 2  # the first try and one retry


@pytest.mark.parametrize("session_token", [None, "token/with+chars="])
@pytest.mark.parametrize(
    "endpoint", ["https://dynamodb.eu-west-1.amazonaws.com", "http://127.0.0.1:8000"]
)
def test_the_signature_is_botocores_sigv4(
    session_token: str | None, endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = DynamoDBQueryClient(
        region="eu-west-1",
        access_key_id="AKIDEXAMPLE",
        secret_access_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        session_token=session_token,
        endpoint_url=endpoint,
        clock=lambda: NOW,
    )
    body = b'{"TableName":"registry"}'
    ours = client.signed_headers("GetItem", body)

    reference = AWSRequest(
        method="POST",
        url=endpoint + "/",
        data=body,
        headers={"Content-Type": CONTENT_TYPE, "X-Amz-Target": TARGET_PREFIX + "GetItem"},
    )
    signer = SigV4Auth(
        Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", session_token),
        "dynamodb",
        "eu-west-1",
    )
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda: NOW.replace(tzinfo=None))
    signer.add_auth(reference)

    def signature(authorization: str) -> str:
        return authorization.rpartition("Signature=")[2]

    assert signature(ours["authorization"]) == signature(reference.headers["Authorization"])
    assert ours["x-amz-date"] == reference.headers["X-Amz-Date"]


def test_without_credentials_or_region_in_the_environment_there_is_no_client() -> None:
    credentials = {"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "s"}
    assert DynamoDBQueryClient.from_environ(credentials) is None
    assert DynamoDBQueryClient.from_environ({"AWS_REGION": "us-east-1"}) is None
    client = DynamoDBQueryClient.from_environ({**credentials, "AWS_DEFAULT_REGION": "sa-east-1"})
    assert client is not None
    assert client.endpoint_url == "https://dynamodb.sa-east-1.amazonaws.com"


def test_the_registry_source_reads_the_supergraph_through_it(
    moto_server: MotoServer, store: RegistryStore
) -> None:
    store.register("students", "http://students/graphql", "type Query { a: Int }", api_key_ref="k")
    snapshot = SupergraphSource(store.table_name, client=query_client(moto_server)).get()
    current = store.current()
    assert current is not None
    assert (snapshot.version, snapshot.sdl) == (current.version, current.sdl)
    assert snapshot.api_key_refs == {"students": "k"}


def test_the_source_picks_it_when_the_environment_has_credentials(
    moto_server: MotoServer, store: RegistryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in moto_server.env().items():
        monkeypatch.setenv(name, value)
    assert isinstance(SupergraphSource(store.table_name)._log._client, DynamoDBQueryClient)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    assert not isinstance(SupergraphSource(store.table_name)._log._client, DynamoDBQueryClient)
