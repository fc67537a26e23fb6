"""An EventBridge bus on the moto server whose LessonCompleted rule targets an SQS queue."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import boto3


@dataclass
class BusWithQueue:
    """A bus whose LessonCompleted rule targets a queue we can read back."""

    events: Any
    sqs: Any
    bus_name: str
    queue_url: str

    def delivered(self) -> list[dict[str, Any]]:
        messages = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
        return [json.loads(message["Body"]) for message in messages.get("Messages", [])]


def create_bus_with_queue(endpoint: str) -> BusWithQueue:
    events = boto3.client("events", endpoint_url=endpoint)
    sqs = boto3.client("sqs", endpoint_url=endpoint)
    name = f"bus-{uuid.uuid4().hex[:8]}"
    events.create_event_bus(Name=name)
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    events.put_rule(
        Name="lesson-completed",
        EventBusName=name,
        EventPattern=json.dumps({"source": ["lessons"], "detail-type": ["LessonCompleted"]}),
    )
    events.put_targets(
        Rule="lesson-completed",
        EventBusName=name,
        Targets=[{"Id": "queue", "Arn": attributes["Attributes"]["QueueArn"]}],
    )
    return BusWithQueue(events, sqs, name, queue_url)
