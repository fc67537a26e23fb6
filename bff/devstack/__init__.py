"""The local stack: moto server, registry, services and the BFF behind an API Gateway emulation."""
