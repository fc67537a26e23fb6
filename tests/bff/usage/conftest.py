"""The clients' stack (tests/bff/clients/conftest.py): web, mobile and partner over a real
registry table and BFF table."""

from tests.bff.clients.conftest import app, client, stack  # noqa: F401 (fixtures by name)
