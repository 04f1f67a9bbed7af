"""What both GraphQL endpoints share: the bounds of a document, parsing and validating it once
(cached by its text), and its rate cost.

A document is refused before validation when an operation selects more than ``root_fields``
root fields (aliases count), or the document more than ``selected_fields`` field selections
(fragments counted where spread), or selections nest deeper than ``depth``: one request must
not keep the server busy while other requests wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    parse,
    validate,
)
from starlette.requests import Request

from vingt.errors import ApiError
from vingt.metadata.model import LruCache
from vingt.rest.body import parse_json, read_bytes


@dataclass(frozen=True)
class Bounds:
    root_fields: int = 20
    selected_fields: int = 2000
    depth: int = 12
    document_bytes: int = 100_000


METADATA_BOUNDS = Bounds(document_bytes=1 << 30)  # /metadata: bounded by the body size only


def check_bounds(doc: DocumentNode, bounds: Bounds) -> ApiError | None:
    """The first bound the document exceeds, as the error to answer."""
    fragments = {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}
    total = 0
    deepest = 0

    def walk(selections: Any, depth: int, spread: frozenset[str]) -> None:
        """Count the fields selected here (fragments expanded) into ``total`` until it passes
        its bound; ``spread``: the fragments being expanded, so that a cycle (refused by
        validation later) cannot loop here."""
        nonlocal total, deepest
        deepest = max(deepest, depth)
        for sel in selections:
            if total > bounds.selected_fields or deepest > bounds.depth:
                return
            if isinstance(sel, FieldNode):
                total += 1
                if sel.selection_set is not None:
                    walk(sel.selection_set.selections, depth + 1, spread)
            elif isinstance(sel, InlineFragmentNode):
                walk(sel.selection_set.selections, depth, spread)
            elif isinstance(sel, FragmentSpreadNode):
                name = sel.name.value
                if name in fragments and name not in spread:
                    walk(fragments[name].selection_set.selections, depth, spread | {name})

    def roots(selections: Any, spread: frozenset[str]) -> int:
        count = 0
        for sel in selections:
            if isinstance(sel, FieldNode):
                count += 1
            elif isinstance(sel, InlineFragmentNode):
                count += roots(sel.selection_set.selections, spread)
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value in fragments and sel.name.value not in spread:
                count += roots(fragments[sel.name.value].selection_set.selections, spread | {sel.name.value})
            if count > bounds.root_fields * 100:
                break
        return count

    for definition in doc.definitions:
        if isinstance(definition, OperationDefinitionNode):
            root_fields = roots(definition.selection_set.selections, frozenset())
            if root_fields > bounds.root_fields:
                return ApiError(
                    "QUERY_TOO_COMPLEX",
                    f"An operation selects at most {bounds.root_fields} root fields (aliases count)",
                    {"bound": "rootFields", "limit": bounds.root_fields, "received": root_fields},
                )
            walk(definition.selection_set.selections, 1, frozenset())
    if total > bounds.selected_fields:
        return ApiError(
            "QUERY_TOO_COMPLEX", f"A document selects at most {bounds.selected_fields} fields",
            {"bound": "selectedFields", "limit": bounds.selected_fields},
        )
    if deepest > bounds.depth:
        return ApiError(
            "QUERY_TOO_COMPLEX", f"Selections nest at most {bounds.depth} levels deep",
            {"bound": "depth", "limit": bounds.depth},
        )
    return None


def root_field_count(doc: DocumentNode, operation_name: Any) -> int:
    """The root fields the operation to run selects (its rate cost: one unit each, at least one)."""
    ops = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [d for d in ops if d.name is not None and d.name.value == operation_name] or ops[:1]
    return max(1, sum(1 for d in chosen for s in d.selection_set.selections if isinstance(s, FieldNode)))


class ParseFailed(GraphQLError):
    """A document that does not parse (``GRAPHQL_PARSE_FAILED``)."""


def document(query: str, schema: GraphQLSchema, cache: LruCache, bounds: Bounds) -> DocumentNode | list[GraphQLError]:
    """The parsed and validated document (from ``cache`` when this text was seen), or the
    errors that refuse it: a parse error (``ParseFailed``), an exceeded bound (its
    ``ApiError`` as ``original_error``) or the validation errors."""
    doc = cache.get(query)
    if doc is not None:
        return doc  # type: ignore[no-any-return]
    if len(query.encode()) > bounds.document_bytes:
        too_long = ApiError(
            "QUERY_TOO_COMPLEX", f"A document has at most {bounds.document_bytes} bytes",
            {"bound": "documentBytes", "limit": bounds.document_bytes},
        )
        return [GraphQLError(too_long.message, original_error=too_long)]
    try:
        doc = parse(query)
    except GraphQLError as exc:
        return [ParseFailed(exc.message, source=exc.source, positions=exc.positions)]
    too_costly = check_bounds(doc, bounds)
    if too_costly is not None:
        return [GraphQLError(too_costly.message, original_error=too_costly)]
    errors = validate(schema, doc)
    if errors:
        return errors
    return cache.put(query, doc)  # type: ignore[no-any-return]


async def read_request(request: Request) -> Any:
    """A GraphQL request as sent: ``query``, ``operationName`` and ``variables`` from a GET's query
    string, or the POST's JSON body (bounded by ``max_body_bytes``); ``ApiError`` when it is not
    JSON. What it holds is for the endpoint to check."""
    if request.method == "GET":
        variables_text = request.query_params.get("variables")
        return {
            "query": request.query_params.get("query"),
            "operationName": request.query_params.get("operationName"),
            "variables": parse_json(variables_text) if variables_text else None,
        }
    return parse_json(await read_bytes(request, request.app.state.settings.max_body_bytes))
