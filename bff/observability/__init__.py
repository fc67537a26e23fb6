"""What operators see of each request: one structured log line, per-subgraph metrics, traces.

- `request_record`: the record of one GraphQL request (operation, client, status, latency, each
  subgraph call), held in a context variable while the request runs.
- `timed_transport`: wraps the subgraph transport so every call is timed into that record.
- `request_log`: the record as one Powertools log line, and as per-subgraph EMF metrics.
"""
