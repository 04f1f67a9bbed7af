"""The request IR: what a front end understood, in plain names, before any metadata lookup.

REST and GraphQL both produce these values; the planner (``engine.plan``) resolves the names
against a workspace catalog and coerces the values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Comparators of the filter grammar (REST.md §5.3)
COMPARATORS = (
    "eq",
    "neq",
    "in",
    "containsAny",
    "is",
    "gt",
    "gte",
    "lt",
    "lte",
    "startsWith",
    "endsWith",
    "like",
    "ilike",
)
LIST_COMPARATORS = ("in", "containsAny")
DIRECTIONS = ("AscNullsFirst", "AscNullsLast", "DescNullsFirst", "DescNullsLast")


@dataclass(frozen=True, slots=True)
class Condition:
    """``path[op]:value``. ``value`` is a string, or a tuple of strings for list comparators,
    as the filter grammar reads them; a front end with typed values (GraphQL) may pass
    numbers, booleans and ``None`` as they are (``eq`` / ``neq`` ``None``: is / is not null).
    For ``is`` it is ``"NULL"`` or ``"NOT_NULL"``. ``position`` is the offset of the condition
    in the filter text (for error details)."""

    path: tuple[str, ...]
    op: str
    value: Any  # str | tuple[str, ...] from the grammar; also int, float, bool, None (and tuples of them)
    position: int = 0


@dataclass(frozen=True, slots=True)
class BoolOp:
    """``and(...)``, ``or(...)`` or ``not(...)`` (``not`` has exactly one item)."""

    op: str
    items: tuple[Filter, ...]
    position: int = 0


@dataclass(frozen=True, slots=True)
class Related:
    """``field: {…}`` through a relation: records whose many-to-one ``field`` points at a
    record matching ``filter``, or whose one-to-many ``field`` holds some record matching it
    (EXISTS). Soft-deleted related records never match unless ``filter`` itself mentions
    ``deletedAt``; a ``deletedAt`` inside ``filter`` is about the related records, not these."""

    field: str
    filter: Filter
    position: int = 0


Filter = Condition | BoolOp | Related


@dataclass(frozen=True, slots=True)
class OrderItem:
    path: tuple[str, ...]
    direction: str = "AscNullsFirst"


def mentions(filter_: Filter | None, field_name: str) -> bool:
    """Whether any condition of the tree addresses ``field_name`` (the ``deletedAt`` rule);
    conditions on related records (``Related``) are theirs, not the tree's."""
    if filter_ is None:
        return False
    if isinstance(filter_, Condition):
        return filter_.path[0] == field_name
    if isinstance(filter_, Related):
        return False
    return any(mentions(item, field_name) for item in filter_.items)
