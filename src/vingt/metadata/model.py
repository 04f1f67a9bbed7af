"""The metadata of one workspace as immutable values: objects, fields, relations.

A ``Catalog`` is a snapshot, built once from the metadata tables and swapped whole when
the workspace's metadata version moves. Everything downstream (planner, SQL compiler,
OpenAPI, GraphQL) reads a catalog and never the metadata tables.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from vingt.metadata.types import (
    COMPOSITES,
    RELATION_TYPES,
    SCALAR_STORAGE,
    FieldType,
    Storage,
    SubField,
    sub_column,
)

MANY_TO_ONE = "MANY_TO_ONE"
ONE_TO_MANY = "ONE_TO_MANY"


@dataclass(frozen=True, slots=True)
class Column:
    """One physical column and the place its value takes in a record."""

    name: str
    storage: Storage
    sub: SubField | None = None


@dataclass(frozen=True)
class RelationMeta:
    type: str  # MANY_TO_ONE | ONE_TO_MANY
    target_object: str  # nameSingular of the other side
    target_field: str  # name of the inverse field on the other side
    on_delete: str | None = None  # MANY_TO_ONE side only: SET_NULL | CASCADE | RESTRICT | NO_ACTION


@dataclass(frozen=True)
class FieldMeta:
    id: str
    name: str
    type: FieldType
    label: str
    object_name: str
    description: str | None = None
    icon: str | None = None
    is_nullable: bool = True
    is_unique: bool = False
    is_system: bool = False
    is_custom: bool = False
    is_active: bool = True
    is_ui_read_only: bool = False
    is_label_synced_with_name: bool = False
    default_value: Any = None
    options: tuple[dict[str, Any], ...] | None = None
    settings: dict[str, Any] | None = None
    relation: RelationMeta | None = None
    morph_id: str | None = None
    standard_id: str | None = None
    created_at: str | None = None
    updated_at: str | None = None

    @property
    def is_relation(self) -> bool:
        return self.type in RELATION_TYPES

    @property
    def is_many_to_one(self) -> bool:
        return self.relation is not None and self.relation.type == MANY_TO_ONE

    @property
    def is_one_to_many(self) -> bool:
        return self.relation is not None and self.relation.type == ONE_TO_MANY

    @property
    def is_composite(self) -> bool:
        return self.type in COMPOSITES

    @property
    def join_column(self) -> str:
        return self.name + "Id"

    @property
    def subfields(self) -> tuple[SubField, ...]:
        return COMPOSITES.get(self.type, ())

    @property
    def option_values(self) -> tuple[str, ...]:
        return tuple(o["value"] for o in self.options or ())

    @property
    def scalar_storage(self) -> Storage:
        if self.type == FieldType.NUMBER:
            data_type = (self.settings or {}).get("dataType")
            if data_type == "int":
                return Storage.INTEGER
            if data_type == "bigint":
                return Storage.BIGINT
        return SCALAR_STORAGE[self.type]

    def columns(self) -> tuple[Column, ...]:
        """The physical columns of this field, in record order (computed once: fields are
        immutable)."""
        cached = self.__dict__.get("_columns")
        if cached is None:
            cached = self.__dict__["_columns"] = self._compute_columns()
        return cached  # type: ignore[no-any-return]

    def _compute_columns(self) -> tuple[Column, ...]:
        if self.is_relation:
            return (Column(self.join_column, Storage.UUID),) if self.is_many_to_one else ()
        if self.type == FieldType.TS_VECTOR:
            return ()
        if self.is_composite:
            return tuple(Column(sub_column(self.name, s.name), s.storage, s) for s in self.subfields)
        return (Column(self.name, self.scalar_storage),)


@dataclass(frozen=True)
class ObjectMeta:
    id: str
    name_singular: str
    name_plural: str
    label_singular: str
    label_plural: str
    description: str | None = None
    icon: str | None = None
    shortcut: str | None = None
    is_custom: bool = False
    is_active: bool = True
    is_system: bool = False
    is_searchable: bool = False
    is_remote: bool = False
    is_ui_read_only: bool = False
    is_label_synced_with_name: bool = False
    label_identifier_field: str | None = None
    image_identifier_field: str | None = None
    duplicate_criteria: tuple[tuple[str, ...], ...] = ()
    standard_id: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    fields: tuple[FieldMeta, ...] = ()
    _by_name: dict[str, FieldMeta] = field(default_factory=dict, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {f.name: f for f in self.fields})

    def field(self, name: str) -> FieldMeta | None:
        return self._by_name.get(name)

    def has(self, name: str) -> bool:
        f = self._by_name.get(name)
        return f is not None and f.is_active

    @property
    def table(self) -> str:
        return self.name_singular


class LruCache:
    """A mapping that keeps its ``size`` most recently used entries."""

    __slots__ = ("size", "_items")

    def __init__(self, size: int):
        self.size = max(1, size)
        self._items: OrderedDict[Any, Any] = OrderedDict()

    def get(self, key: Any) -> Any:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: Any, value: Any) -> Any:
        self._items[key] = value
        self._items.move_to_end(key)
        if len(self._items) > self.size:
            self._items.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._items)


class Catalog:
    """Every object of a workspace, by singular and plural name."""

    def __init__(self, workspace_id: str, schema: str, version: int, objects: list[ObjectMeta]):
        self.workspace_id = workspace_id
        self.schema = schema
        self.version = version
        self.objects = objects
        self.by_singular = {o.name_singular: o for o in objects}
        self.by_plural = {o.name_plural: o for o in objects}
        self.by_id = {o.id: o for o in objects}
        # caches derived from this snapshot (SQL tables, compiled statements, documents)
        self.derived: dict[Any, Any] = {}
        # bounds of the caches keyed by request shape (set from the settings on load)
        self.statement_cache_size = 512
        self.selection_cache_size = 512

    def lru(self, key: Any, size: int) -> LruCache:
        """The bounded cache ``key`` of this snapshot (created on first use)."""
        cache = self.derived.get(key)
        if cache is None:
            cache = self.derived[key] = LruCache(size)
        return cache  # type: ignore[no-any-return]

    def object(self, singular: str) -> ObjectMeta:
        return self.by_singular[singular]
