"""The subgraph services: students, lessons and analytics, each on its own table."""
