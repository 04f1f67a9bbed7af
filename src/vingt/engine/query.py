"""The neutral read request: one ``Query`` value that any front end builds and the engine runs.

REST builds it from its query string (``filter``, ``order_by``, ``limit``, cursors, ``depth``,
``fields``); a GraphQL front end builds the same from a selection set (arguments of the root
field and of each nested relation, the fields asked for, ``totalCount`` and aggregate fields).
Nothing here knows SQL or the catalog: names are plain, values are typed JSON values; the
planner resolves and coerces them (``engine.planner.plan_query``).

A ``Select`` is a tree: the object's own fields (``None``: every readable field) and the
relations to embed, each a ``Relation`` with its own ``Select``, and — for a one-to-many
relation — its own filter, order, bound (``first``, ``offset``) and whether its total is
wanted. Values are frozen and compare by structure, so two requests of the same shape share
one compiled statement whatever the order they name their fields in.

A ``Query`` may also carry a ``Layout``: how each record is rendered, when a front end's answer
is not the record as REST renders it. Entries give the output keys in order, each one of a
field's value, a composite with chosen sub-keys, a constant, the record itself laid out again,
a many-to-one relation's record (its own layout) or a one-to-many relation's records as an
object of arrays (``Rows``), counts and constants. The database renders the layout, so a front
end passes each record's text through. Without a layout records render as REST's.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass, field

import orjson

from vingt.engine.ir import Filter, OrderItem
from vingt.errors import ApiError

DEFAULT_RELATION_LIMIT = 60  # records embedded per one-to-many relation unless asked otherwise


@dataclass(frozen=True, slots=True)
class Select:
    """What to render of records: ``fields`` (``None``: every readable field; names may be
    given in any order and more than once) and ``relations`` (relation field name →
    ``Relation``)."""

    fields: tuple[str, ...] | None = None
    relations: tuple[tuple[str, Relation], ...] = ()

    @staticmethod
    def of(fields: tuple[str, ...] | None = None, **relations: Relation) -> Select:
        return Select(fields, tuple(relations.items()))


@dataclass(frozen=True, slots=True)
class Relation:
    """An embedded relation. A many-to-one relation renders its one record (or ``null``); a
    one-to-many relation an array of at most ``first`` records (after ``offset``), filtered
    by ``filter`` and ordered by ``order`` (then ``id``), or — with ``last`` — the last
    ``last`` of them, still in that order. ``after`` / ``before`` (a record id, or Twenty's
    base64 cursor) start the records after (``first``) or end them before (``last``) that
    record in the order, as a root page does. With ``total`` or ``aggregates`` (Twenty's
    aggregate names, computed over every record of the parent that the filter matches) the
    relation renders ``{"records": [...], "totalCount": n, "aggregates": {name: value}}``
    instead of the bare array."""

    select: Select = field(default_factory=Select)
    filter: Filter | None = None
    order: tuple[OrderItem, ...] = ()
    first: int = DEFAULT_RELATION_LIMIT
    offset: int = 0
    total: bool = False
    last: int | None = None
    after: str | None = None
    before: str | None = None
    aggregates: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Value:
    """``key``: the value of the field ``name`` (a field of the selection, or a many-to-one
    relation's join column, ``companyId``), rendered as in a record."""

    key: str
    name: str


@dataclass(frozen=True, slots=True)
class Constant:
    """``key``: the string ``value`` (a GraphQL type name; an identifier)."""

    key: str
    value: str


@dataclass(frozen=True, slots=True)
class Composite:
    """``key``: the composite field ``name`` as an object of ``subs`` (``Value``: a sub-field's
    value by its name, ``null`` for a name the field does not have; ``Constant``)."""

    key: str
    name: str
    subs: tuple[Value | Constant, ...]


@dataclass(frozen=True, slots=True)
class Record:
    """``key``: the same record, laid out by ``layout``."""

    key: str
    layout: Layout


@dataclass(frozen=True, slots=True)
class ToOne:
    """``key``: the record of the many-to-one relation ``relation`` (one of the selection's
    relations) laid out by ``layout``, or ``null``."""

    key: str
    relation: str
    layout: Layout


@dataclass(frozen=True, slots=True)
class Rows:
    """``key``: the relation's records (as its ``Relation`` picks them: filter, order, bound,
    cursor), each laid out by ``layout``, as an array."""

    key: str
    layout: Layout


@dataclass(frozen=True, slots=True)
class Count:
    """``key``: the number of the parent's records the relation's filter matches."""

    key: str


@dataclass(frozen=True, slots=True)
class ToMany:
    """``key``: an object of ``entries`` over the one-to-many relation ``relation`` (one of
    the selection's relations)."""

    key: str
    relation: str
    entries: tuple[Rows | Count | Constant, ...]


LayoutEntry = Value | Constant | Composite | Record | ToOne | ToMany


@dataclass(frozen=True, slots=True)
class Layout:
    """How a record is rendered: its ``entries`` in order (output keys unique). Compared by
    structure; its hash is computed once (a layout is a key of the statement cache)."""

    entries: tuple[LayoutEntry, ...]
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash(self.entries))

    def __hash__(self) -> int:
        return self._hash


@dataclass(frozen=True, slots=True)
class Page:
    """Which slice of the ordered records: ``first`` from the start or after the cursor
    ``after``, or the ``last`` before the cursor ``before`` (or before the end); ``offset``
    records skipped first (counted from the cursor, if any). Cursors are record ids (or
    Twenty's base64 cursors)."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None
    offset: int = 0


@dataclass(frozen=True, slots=True)
class Query:
    """A read of one object's records. ``object`` is the singular name; ``total``: compute
    the number of records the filter matches (only when asked); ``aggregates``: Twenty's
    aggregate names over the filtered records (``countNotEmptyEmails``, ``sumAmountAmountMicros``,
    ``minCreatedAt``, …); ``layout``: how each record is rendered (``None``: as REST renders it)."""

    object: str
    filter: Filter | None = None
    order: tuple[OrderItem, ...] = ()
    page: Page = field(default_factory=lambda: Page(first=DEFAULT_RELATION_LIMIT))
    select: Select = field(default_factory=Select)
    total: bool = False
    aggregates: tuple[str, ...] = ()
    layout: Layout | None = None


def decode_cursor(raw: str) -> str:
    """A record id, or Twenty's base64 JSON cursor (``{"id": …}``)."""
    text = raw.strip()
    try:
        return str(uuid.UUID(text))
    except ValueError:
        pass
    try:
        padded = text.replace(" ", "+")
        padded += "=" * (-len(padded) % 4)
        decoded = orjson.loads(base64.b64decode(padded, validate=False))
        return str(uuid.UUID(str(decoded["id"])))
    except (binascii.Error, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        raise ApiError("INVALID_CURSOR", f"Invalid cursor: {raw}", {"cursor": raw}) from None
