"""The HTTP edge: GraphQL over HTTP as a lean ASGI app, GraphiQL with local assets, health."""
