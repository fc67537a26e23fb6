"""Powertools logger per service: structured JSON logs carrying the service name."""

from __future__ import annotations

from functools import cache

from aws_lambda_powertools import Logger


@cache
def service_logger(service_name: str | None) -> Logger:
    """One Logger per service and process (Powertools loggers share handlers by name)."""
    return Logger(service=service_name)
