"""The service registry: service records, composition into a supergraph, publishing."""
