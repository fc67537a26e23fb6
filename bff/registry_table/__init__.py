"""The registry's DynamoDB table as the gateway reads and writes it: the table's layout, the
published supergraph (`source.SupergraphSource`), clients and their documents, usage counts.

It lives in the gateway's distribution so `pip install serverless-bff` serves from the registry's
table alone; the registry (discovery/, its own distribution) writes the same layout through it.
"""
