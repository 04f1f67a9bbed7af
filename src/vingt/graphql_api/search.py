"""The global ``search`` query (GRAPHQL.md §13), on ``/graphql`` and on ``/metadata``: its types,
the same in every workspace, its arguments as the engine's ``SearchQuery`` (engine/search.py
does the matching, ranking and paging in one statement), and its answer as plain values.

The types are Twenty's (``search.resolver.ts`` and its DTOs): ``searchInput: String!``,
``limit: Int!`` (at most 100), ``after``, ``includedObjectNameSingulars`` /
``excludedObjectNameSingulars``, ``filter: ObjectRecordFilterInput`` (``and`` / ``or`` /
``not``, ``id``, ``createdAt``, ``updatedAt``, ``deletedAt``) → ``SearchResultConnection``.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLBoolean,
    GraphQLField,
    GraphQLFloat,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
    print_type,
)

from vingt.engine.reads import Reads
from vingt.engine.search import Results, SearchQuery, search
from vingt.graphql_api import scalars
from vingt.graphql_api.schema import DATE_TIME_FILTER, UUID_FILTER
from vingt.graphql_api.translate import to_filter

SEARCH_FILTER: GraphQLInputObjectType = GraphQLInputObjectType("ObjectRecordFilterInput", lambda: {
    "and": GraphQLInputField(GraphQLList(GraphQLNonNull(SEARCH_FILTER))),
    "or": GraphQLInputField(GraphQLList(GraphQLNonNull(SEARCH_FILTER))),
    "not": GraphQLInputField(SEARCH_FILTER),
    "id": GraphQLInputField(UUID_FILTER),
    "createdAt": GraphQLInputField(DATE_TIME_FILTER),
    "updatedAt": GraphQLInputField(DATE_TIME_FILTER),
    "deletedAt": GraphQLInputField(DATE_TIME_FILTER),
})
SEARCH_RECORD = GraphQLObjectType("SearchRecord", {
    "recordId": GraphQLField(GraphQLNonNull(scalars.UUID)),
    "objectNameSingular": GraphQLField(GraphQLNonNull(GraphQLString)),
    "objectLabelSingular": GraphQLField(GraphQLNonNull(GraphQLString)),
    "label": GraphQLField(GraphQLNonNull(GraphQLString)),
    "imageUrl": GraphQLField(GraphQLString),
    "tsRankCD": GraphQLField(GraphQLNonNull(GraphQLFloat)),
    "tsRank": GraphQLField(GraphQLNonNull(GraphQLFloat)),
})
SEARCH_EDGE = GraphQLObjectType("SearchResultEdge", {
    "node": GraphQLField(GraphQLNonNull(SEARCH_RECORD)),
    "cursor": GraphQLField(GraphQLNonNull(GraphQLString)),
})
SEARCH_PAGE_INFO = GraphQLObjectType("SearchResultPageInfo", {
    "endCursor": GraphQLField(GraphQLString),
    "hasNextPage": GraphQLField(GraphQLNonNull(GraphQLBoolean)),
})
SEARCH_CONNECTION = GraphQLObjectType("SearchResultConnection", {
    "edges": GraphQLField(GraphQLNonNull(GraphQLList(GraphQLNonNull(SEARCH_EDGE)))),
    "pageInfo": GraphQLField(GraphQLNonNull(SEARCH_PAGE_INFO)),
})
# name lists with nullable items: Twenty's clients declare them [String!], which fits here too
SEARCH_FIELD = GraphQLField(GraphQLNonNull(SEARCH_CONNECTION), args={
    "searchInput": GraphQLArgument(GraphQLNonNull(GraphQLString)),
    "limit": GraphQLArgument(GraphQLNonNull(GraphQLInt)),
    "after": GraphQLArgument(GraphQLString),
    "includedObjectNameSingulars": GraphQLArgument(GraphQLList(GraphQLString)),
    "excludedObjectNameSingulars": GraphQLArgument(GraphQLList(GraphQLString)),
    "filter": GraphQLArgument(SEARCH_FILTER),
})


def metadata_sdl() -> str:
    """The search's types and an ``extend type Query { search(…) }``, as SDL for the metadata
    schema (which declares the ``UUID`` and ``DateTime`` scalars itself)."""
    alone = GraphQLSchema(GraphQLObjectType("Query", {"search": SEARCH_FIELD}))
    parts = [print_type(t) for name, t in alone.type_map.items()
             if not name.startswith("__") and not isinstance(t, GraphQLScalarType)]
    return "\n\n".join(parts).replace("type Query {", "extend type Query {", 1)


def _names(value: list[str | None] | None) -> tuple[str, ...]:
    return tuple(n for n in value or () if n is not None)


async def answer(engine: Reads, args: dict[str, Any]) -> dict[str, Any]:
    """The ``search`` field's arguments → its ``SearchResultConnection`` as plain values."""
    results = await search(engine, SearchQuery(
        args["searchInput"], args["limit"], args.get("after"), _names(args.get("includedObjectNameSingulars")),
        _names(args.get("excludedObjectNameSingulars")), to_filter(engine.catalog, None, args.get("filter")),
    ))
    return connection(results)


def connection(results: Results) -> dict[str, Any]:
    return {
        "edges": [
            {"node": {
                "recordId": h.record_id, "objectNameSingular": h.object_name, "objectLabelSingular": h.object_label,
                "label": h.label, "imageUrl": h.image_url, "tsRankCD": h.rank_cd, "tsRank": h.rank,
            }, "cursor": h.cursor}
            for h in results.hits
        ],
        "pageInfo": {"endCursor": results.end_cursor, "hasNextPage": results.has_next},
    }
