"""Prints a `MergedSchema` as an Apollo supergraph SDL (link v1.0, join v0.3 to v0.5),
deterministically."""

from __future__ import annotations

from graphql.language.block_string import print_block_string
from graphql.language.print_string import print_string

from discovery.composition.subgraph import TypeKind
from discovery.composition.supergraph_model import (
    JoinField,
    JoinType,
    MergedField,
    MergedInputValue,
    MergedMetadata,
    MergedSchema,
    MergedType,
)

LINK_URL = "https://specs.apollo.dev/link/v1.0"
JOIN_URL = "https://specs.apollo.dev/join/v0.3"
# Progressive @override labels need join v0.4's `overrideLabel`.
JOIN_WITH_LABELS_URL = "https://specs.apollo.dev/join/v0.4"
JOIN_FIELD_WITH_LABELS = (
    "directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: "
    "join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: "
    "Boolean, overrideLabel: String) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION"
)
# Contextual arguments need join v0.5's `contextArguments` and the context spec's @context.
JOIN_WITH_CONTEXTS_URL = "https://specs.apollo.dev/join/v0.5"
CONTEXT_LINK = '@link(url: "https://specs.apollo.dev/context/v0.1", for: SECURITY)'
JOIN_V05_DIRECTIVES = {
    "join__field": (
        "directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: "
        "join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: "
        "Boolean, overrideLabel: String, contextArguments: [join__ContextArgument!]) repeatable "
        "on FIELD_DEFINITION | INPUT_FIELD_DEFINITION"
    ),
    "join__directive": (
        "directive @join__directive(graphs: [join__Graph!], name: String!, args: "
        "join__DirectiveArguments) repeatable on SCHEMA | OBJECT | INTERFACE | FIELD_DEFINITION"
    ),
    "context": "directive @context(name: String!) repeatable on INTERFACE | OBJECT | UNION",
    "context__fromContext": (
        "directive @context__fromContext(field: context__ContextFieldValue) on ARGUMENT_DEFINITION"
    ),
}
JOIN_V05_TYPES = {
    "context__ContextFieldValue": "scalar context__ContextFieldValue",
    "join__ContextArgument": (
        "input join__ContextArgument {\n  name: String!\n  type: String!\n  context: String!\n"
        "  selection: join__FieldValue!\n}"
    ),
    "join__DirectiveArguments": "scalar join__DirectiveArguments",
    "join__FieldValue": "scalar join__FieldValue",
}
INACCESSIBLE_URL = "https://specs.apollo.dev/inaccessible/v0.2"
TAG_URL = "https://specs.apollo.dev/tag/v0.3"
# Carried as Apollo's composition carries them: (link, directive definitions, scalars).
_AUTHORIZATION_LOCATIONS = "FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM"
CARRIED_SPECS: tuple[tuple[str, str, dict[str, str], tuple[str, ...]], ...] = (
    (
        "authenticated",
        '@link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)',
        {"authenticated": f"directive @authenticated on {_AUTHORIZATION_LOCATIONS}"},
        (),
    ),
    (
        "requires_scopes",
        '@link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)',
        {
            "requiresScopes": "directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!) "
            f"on {_AUTHORIZATION_LOCATIONS}"
        },
        ("requiresScopes__Scope",),
    ),
    (
        "policies",
        '@link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY)',
        {
            "policy": "directive @policy(policies: [[policy__Policy!]!]!) "
            f"on {_AUTHORIZATION_LOCATIONS}"
        },
        ("policy__Policy",),
    ),
    (
        "cost",
        '@link(url: "https://specs.apollo.dev/cost/v0.1", import: ["@cost", "@listSize"])',
        {
            "cost": "directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | "
            "FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR",
            "listSize": "directive @listSize(assumedSize: Int, slicingArguments: [String!], "
            "sizedFields: [String!], requireOneSlicingArgument: Boolean = true) "
            "on FIELD_DEFINITION",
        },
        (),
    ),
)

ALL_LOCATIONS = (
    "FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | "
    "ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION"
)

# The spec definitions every supergraph carries, by directive name (printed in name order).
JOIN_DIRECTIVES = {
    "join__enumValue": "directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE",
    "join__field": (
        "directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: "
        "join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: "
        "Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION"
    ),
    "join__graph": "directive @join__graph(name: String!, url: String!) on ENUM_VALUE",
    "join__implements": (
        "directive @join__implements(graph: join__Graph!, interface: String!) repeatable on "
        "OBJECT | INTERFACE"
    ),
    "join__type": (
        "directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = "
        "false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on "
        "OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR"
    ),
    "join__unionMember": (
        "directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION"
    ),
    "link": (
        "directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) "
        "repeatable on SCHEMA"
    ),
}
INACCESSIBLE_DIRECTIVE = f"directive @inaccessible on {ALL_LOCATIONS}"
TAG_DIRECTIVE = f"directive @tag(name: String!) repeatable on {ALL_LOCATIONS} | SCHEMA"

LINK_PURPOSE = '''enum link__Purpose {
  """
  `SECURITY` features provide metadata necessary to securely resolve fields.
  """
  SECURITY

  """
  `EXECUTION` features provide metadata necessary for operation execution.
  """
  EXECUTION
}'''


def print_supergraph(schema: MergedSchema) -> str:
    uses_inaccessible, uses_tag = schema.uses_inaccessible, schema.uses_tag
    directives = dict(JOIN_DIRECTIVES)
    join_url = JOIN_URL
    if schema.uses_override_labels:
        directives["join__field"] = JOIN_FIELD_WITH_LABELS
        join_url = JOIN_WITH_LABELS_URL
    if schema.uses_contexts:
        directives.update(JOIN_V05_DIRECTIVES)
        join_url = JOIN_WITH_CONTEXTS_URL
    links = [f'@link(url: "{LINK_URL}")', f'@link(url: "{join_url}", for: EXECUTION)']
    if schema.uses_contexts:
        links.append(CONTEXT_LINK)
    # Apollo links tag before inaccessible; following it keeps our text diffable with theirs.
    if uses_tag:
        directives["tag"] = TAG_DIRECTIVE
        links.append(f'@link(url: "{TAG_URL}")')
    if uses_inaccessible:
        directives["inaccessible"] = INACCESSIBLE_DIRECTIVE
        links.append(f'@link(url: "{INACCESSIBLE_URL}", for: SECURITY)')
    carried_scalars: list[str] = []
    for attribute, link, definitions_, scalars in CARRIED_SPECS:
        if attribute == "cost":
            used = schema.uses(lambda meta: meta.cost is not None or meta.list_size is not None)
        else:
            used = schema.uses(lambda meta, name=attribute: bool(getattr(meta, name)))
        if used:
            links.append(link)
            directives.update(definitions_)
            carried_scalars.extend(scalars)
    roots = [
        f"  {operation}: {name}"
        for operation, name in (
            ("query", "Query"),
            ("mutation", "Mutation"),
            ("subscription", "Subscription"),
        )
        if name in schema.types
    ]
    schema_block = (
        "schema\n" + "".join(f"  {link}\n" for link in links) + "{\n" + "\n".join(roots) + "\n}"
    )

    definitions: dict[str, str] = {name: print_type(type_) for name, type_ in schema.types.items()}
    definitions["join__FieldSet"] = "scalar join__FieldSet"
    definitions["join__Graph"] = (
        "enum join__Graph {\n"
        + "".join(
            f"  {graph.enum_name} @join__graph(name: {print_string(graph.name)}, "
            f"url: {print_string(graph.url)})\n"
            for graph in schema.graphs
        )
        + "}"
    )
    for scalar in carried_scalars:
        definitions[scalar] = f"scalar {scalar}"
    if schema.uses_contexts:
        definitions.update(JOIN_V05_TYPES)
    definitions["link__Import"] = "scalar link__Import"
    definitions["link__Purpose"] = LINK_PURPOSE

    blocks = [schema_block]
    blocks.extend(directives[name] for name in sorted(directives, key=str.lower))
    blocks.extend(definitions[name] for name in sorted(definitions, key=lambda n: (n.lower(), n)))
    return "\n\n".join(blocks)


def print_type(type_: MergedType) -> str:
    header = f"{type_.kind.value} {type_.name}"
    if type_.interfaces:
        header += " implements " + " & ".join(type_.interfaces)
    applied = [
        f"@join__implements(graph: {graph}, interface: {print_string(name)})"
        for graph, name in type_.join_implements
    ]
    applied.extend(print_join_type(join) for join in type_.join_types)
    applied.extend(
        f"@join__unionMember(graph: {graph}, member: {print_string(member)})"
        for graph, member in type_.join_union_members
    )
    applied.extend(f"@context(name: {print_string(name)})" for name in type_.contexts)
    if type_.specified_by:
        applied.append(f"@specifiedBy(url: {print_string(type_.specified_by)})")
    applied.extend(metadata_directives(type_.meta))
    text = description_block(type_.meta.description, "") + header
    text += "".join(f"\n  {directive}" for directive in applied)
    if type_.kind is TypeKind.UNION:
        return text + "\n = " + " | ".join(type_.members) if type_.members else text
    if type_.kind is TypeKind.SCALAR:
        return text
    if type_.kind is TypeKind.ENUM:
        lines = [
            description_block(value.meta.description, "  ")
            + "  "
            + " ".join(
                [value.name]
                + [f"@join__enumValue(graph: {graph})" for graph in value.graphs]
                + metadata_directives(value.meta)
            )
            for value in type_.values.values()
        ]
    elif type_.kind is TypeKind.INPUT_OBJECT:
        lines = [
            print_input_value(value, "  ", with_joins=True) for value in type_.input_fields.values()
        ]
    else:
        lines = [print_field(field_) for field_ in type_.fields.values()]
    return text + ("\n{\n" if applied else " {\n") + join_members(lines) + "\n}"


def join_members(lines: list[str]) -> str:
    """Members with a description are set apart by a blank line, as graphql-js prints them."""
    out: list[str] = []
    for index, line in enumerate(lines):
        if index and line.lstrip().startswith('"'):
            out.append("")
        out.append(line)
    return "\n".join(out)


def print_field(field_: MergedField) -> str:
    arguments = list(field_.arguments.values())
    text = description_block(field_.meta.description, "  ") + f"  {field_.name}"
    if arguments and any(argument.meta.description for argument in arguments):
        text += (
            "(\n"
            + "\n".join(print_input_value(a, "    ", with_joins=False) for a in arguments)
            + "\n  )"
        )
    elif arguments:
        text += "(" + ", ".join(print_input_value(a, "", with_joins=False) for a in arguments) + ")"
    applied = [print_join_field(join) for join in field_.join_fields] + metadata_directives(
        field_.meta
    )
    return text + f": {field_.type}" + "".join(f" {directive}" for directive in applied)


def print_input_value(value: MergedInputValue, indent: str, with_joins: bool) -> str:
    text = description_block(value.meta.description, indent) + f"{indent}{value.name}: {value.type}"
    if value.default is not None:
        text += f" = {value.default}"
    applied = [print_join_field(join) for join in value.join_fields] if with_joins else []
    applied.extend(metadata_directives(value.meta))
    return text + "".join(f" {directive}" for directive in applied)


def print_join_type(join: JoinType) -> str:
    resolvable = None if join.resolvable is None else str(join.resolvable).lower()
    return _applied(
        "join__type",
        ("graph", join.graph),
        ("key", _string(join.key)),
        ("extension", _flag(join.extension)),
        ("resolvable", resolvable),
        ("isInterfaceObject", _flag(join.is_interface_object)),
    )


def print_join_field(join: JoinField) -> str:
    return _applied(
        "join__field",
        ("graph", join.graph or None),
        ("requires", _string(join.requires)),
        ("provides", _string(join.provides)),
        ("type", _string(join.type)),
        ("external", _flag(join.external)),
        ("override", _string(join.override)),
        ("usedOverridden", _flag(join.used_overridden)),
        ("overrideLabel", _string(join.override_label)),
        ("contextArguments", _context_arguments(join)),
    )


def _context_arguments(join: JoinField) -> str | None:
    if not join.context_arguments:
        return None
    printed = [
        f"{{context: {print_string(argument.context)}, name: {print_string(argument.name)}, "
        f"type: {print_string(argument.type)}, selection: {print_string(argument.selection)}}}"
        for argument in join.context_arguments
    ]
    return "[" + ", ".join(printed) + "]"


def _applied(directive: str, *arguments: tuple[str, str | None]) -> str:
    """`@directive(name: value, ...)` with the arguments whose value is not None, in order."""
    present = [f"{name}: {value}" for name, value in arguments if value is not None]
    return f"@{directive}({', '.join(present)})" if present else f"@{directive}"


def _string(value: str | None) -> str | None:
    return None if value is None else print_string(value)


def _flag(value: bool) -> str | None:
    """Boolean arguments are printed only when true (false is their default)."""
    return "true" if value else None


def metadata_directives(meta: MergedMetadata) -> list[str]:
    applied = [f"@tag(name: {print_string(tag)})" for tag in meta.tags]
    if meta.inaccessible:
        applied.append("@inaccessible")
    if meta.authenticated:
        applied.append("@authenticated")
    if meta.requires_scopes:
        applied.append(f"@requiresScopes(scopes: {_nested_strings(meta.requires_scopes)})")
    if meta.policies:
        applied.append(f"@policy(policies: {_nested_strings(meta.policies)})")
    if meta.cost is not None:
        applied.append(f"@cost(weight: {meta.cost})")
    if meta.list_size:
        applied.append(_applied("listSize", *_list_size_arguments(meta.list_size)))
    if meta.deprecation is not None:
        reason = meta.deprecation
        applied.append(
            "@deprecated"
            if reason == "No longer supported"
            else f"@deprecated(reason: {print_string(reason)})"
        )
    return applied


def _nested_strings(alternatives: list[list[str]]) -> str:
    inner = ", ".join("[" + ", ".join(print_string(s) for s in one) + "]" for one in alternatives)
    return f"[{inner}]"


def _list_size_arguments(arguments: dict[str, object]) -> list[tuple[str, str | None]]:
    def strings(value: object) -> str | None:
        if not isinstance(value, list):
            return None
        return "[" + ", ".join(print_string(str(item)) for item in value) + "]"

    assumed = arguments.get("assumedSize")
    require_one = arguments.get("requireOneSlicingArgument")
    return [
        ("assumedSize", str(assumed) if isinstance(assumed, int) else None),
        ("slicingArguments", strings(arguments.get("slicingArguments"))),
        ("sizedFields", strings(arguments.get("sizedFields"))),
        ("requireOneSlicingArgument", "false" if require_one is False else None),
    ]


def description_block(description: str | None, indent: str) -> str:
    if not description:
        return ""
    block = print_block_string(description)
    return "\n".join(indent + line if line else line for line in block.split("\n")) + "\n"
