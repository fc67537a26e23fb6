"""The supergraph: an Apollo supergraph SDL loaded into a model the planner and edge use."""

from .errors import SupergraphError
from .loader import load_supergraph, load_supergraph_file, parse_field_set
from .model import EntityKey, FieldInfo, FieldJoin, SubgraphInfo, Supergraph, TypeInfo

__all__ = [
    "EntityKey",
    "FieldInfo",
    "FieldJoin",
    "SubgraphInfo",
    "Supergraph",
    "SupergraphError",
    "TypeInfo",
    "load_supergraph",
    "load_supergraph_file",
    "parse_field_set",
]
