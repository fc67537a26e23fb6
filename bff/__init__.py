"""The GraphQL backend-for-frontend: a Federation-2 gateway for serverless subgraphs."""
