"""The students subgraph: who is learning (name, email, join date), on its own DynamoDB table."""
