"""Small purpose-built federation subgraphs (strawberry) served over loopback for executor tests."""
