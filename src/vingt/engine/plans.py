"""Plans: what the SQL compiler consumes.

A plan names resolved columns and refers to values through numbered slots; the values
themselves travel beside it in a ``Bindings`` list. A plan is therefore hashable and equal
for every request of the same shape, and its compiled SQL is cached under it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vingt.metadata.types import Storage
from vingt.sql.dialect import Dialect

if TYPE_CHECKING:
    from vingt.engine.group_by import Aggregate
    from vingt.engine.query import Layout


@dataclass
class Bindings:
    """Slot values, each with the storage kind of the column it meets (``None``: pass as is)
    and whether it is a list (``in``, ``containsAny``)."""

    values: list[Any] = field(default_factory=list)
    kinds: list[tuple[Storage | None, bool]] = field(default_factory=list)

    def add(self, value: Any, storage: Storage | None = None, many: bool = False) -> int:
        self.values.append(value)
        self.kinds.append((storage, many))
        return len(self.values) - 1

    def adapted(self, dialect: Dialect) -> list[Any]:
        """The values as the driver takes them."""
        out = []
        for value, (storage, many) in zip(self.values, self.kinds, strict=True):
            if storage is None:
                out.append(value)
            elif many:
                out.append(dialect.adapt_list(storage, value))
            else:
                out.append(dialect.adapt(storage, value))
        return out


@dataclass(frozen=True, slots=True)
class Pred:
    """``column <kind> slot``. Kinds: eq neq gt gte lt lte in is_null not_null like ilike
    regex iregex; on arrays overlaps contains_all not_contains_all same_set element_ilike; on
    JSON json_like json_contains. ``slot`` is None for kinds without a value."""

    column: str
    storage: Storage
    kind: str
    slot: int | None = None


@dataclass(frozen=True, slots=True)
class BoolPred:
    op: str  # and | or | not
    items: tuple[Where, ...]


@dataclass(frozen=True, slots=True)
class Exists:
    """``EXISTS (SELECT 1 FROM <object_name> x WHERE x.<remote> = outer.<local> AND <where>
    [AND x."deletedAt" IS NULL])``: a relation filter. Many-to-one: ``local`` is the join
    column, ``remote`` ``id``; one-to-many: ``local`` is ``id``, ``remote`` the target's join
    column."""

    object_name: str
    local: str
    remote: str
    where: Where | None
    include_deleted: bool = False


Where = Pred | BoolPred | Exists


@dataclass(frozen=True, slots=True)
class Sort:
    column: str
    direction: str  # AscNullsFirst | AscNullsLast | DescNullsFirst | DescNullsLast
    # SELECT / RATING values sort by their option's position, as Twenty's enums do
    ranks: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Selection:
    """What to render of one object: its own fields (None = all readable), and relations
    to embed, each with its own selection. Embedded as a one-to-many relation, a selection
    also carries the rows' filter (``where``, with ``include_deleted``), ``order``, bound
    (``limit`` after ``offset``; with ``reverse``, the last rows of the order, rendered in
    order), the cursor to seek from (``seek``), and whether their total and which
    aggregates (over every row of the parent the filter matches) are rendered beside them.

    Selections compare by structure (their hash is computed once), so that two requests of
    the same shape share one compiled statement; the planner also keeps one instance per
    shape, which makes most comparisons identity checks."""

    object_name: str
    fields: tuple[str, ...] | None = None
    relations: tuple[tuple[str, Selection], ...] = ()
    where: Where | None = None
    include_deleted: bool = False
    order: tuple[Sort, ...] = ()
    limit: int = 60
    offset: int = 0
    with_total: bool = False
    reverse: bool = False
    seek: Seek | None = None
    aggregates: tuple[Aggregate, ...] = ()
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        key = (self.object_name, self.fields, self.relations, self.where, self.include_deleted, self.order,
               self.limit, self.offset, self.with_total, self.reverse, self.seek, self.aggregates)
        object.__setattr__(self, "_hash", hash(key))

    def __hash__(self) -> int:
        return self._hash

    @property
    def whole(self) -> bool:
        """Every field at depth 0: the record as its events carry it."""
        return self.fields is None and not self.relations


@dataclass(frozen=True, slots=True)
class Seek:
    """Keyset position: rows strictly after (or before) the record in ``slot``."""

    direction: str  # after | before
    slot: int


@dataclass(frozen=True, slots=True)
class ReadPlan:
    object_name: str
    where: Where | None
    include_deleted: bool
    order: tuple[Sort, ...]
    selection: Selection
    limit_slot: int | None = None
    seek: Seek | None = None
    with_total: bool = False
    # the last rows of the order (``last`` without a cursor): read in reverse
    reverse: bool = False
    offset_slot: int | None = None
    # also select ``updatedAt`` as rendered in records (the ETag's input), last
    with_stamp: bool = False
    # how each record is rendered (``engine.query.Layout``; ``None``: as a record)
    layout: Layout | None = None


@dataclass(frozen=True, slots=True)
class CountPlan:
    object_name: str
    where: Where | None
    include_deleted: bool
