"""Workspace objects → SQLAlchemy ``Table`` values, and the DDL that creates them.

Tables are named after the object's singular name, in the workspace's PostgreSQL schema
(``workspace_<base36 id>``) or, on SQLite, prefixed with it (``workspace_…__person``).
Every join column gets an index and a foreign key carrying the relation's ``onDelete``;
unique fields get a unique index over live (not soft-deleted) rows.
"""

from __future__ import annotations

import hashlib
from typing import Any

import sqlalchemy as sa
from sqlalchemy.schema import AddConstraint, CreateIndex, CreateTable

from vingt.metadata.model import Catalog, FieldMeta, ObjectMeta
from vingt.sql.dialect import Dialect

ON_DELETE_SQL = {"SET_NULL": "SET NULL", "CASCADE": "CASCADE", "RESTRICT": "RESTRICT", "NO_ACTION": "NO ACTION"}


def tables(catalog: Catalog, dialect: Dialect) -> dict[str, sa.Table]:
    """The SQLAlchemy tables of a catalog (all fields, active or not), cached on the catalog."""
    key = ("tables", dialect.name)
    cached = catalog.derived.get(key)
    if cached is None:
        md = sa.MetaData()
        cached = {o.name_singular: _table(md, catalog.schema, o, dialect) for o in catalog.objects}
        catalog.derived[key] = cached
    return cached  # type: ignore[no-any-return]


def _table(md: sa.MetaData, schema: str, obj: ObjectMeta, dialect: Dialect) -> sa.Table:
    table_schema, name = dialect.table_name(schema, obj.table)
    cols = []
    for f in obj.fields:
        for col in f.columns():
            cols.append(
                sa.Column(col.name, dialect.column_type(col.storage), primary_key=(col.name == "id"), key=col.name)
            )
    return sa.Table(name, md, *cols, schema=table_schema)


def unique_columns(field: FieldMeta) -> list[str]:
    if field.is_composite:
        return [c.name for c in field.columns() if c.sub is not None and c.sub.unique_key]
    return [c.name for c in field.columns()]


# PostgreSQL truncates identifiers to 63 bytes: two long names sharing their first 63 bytes
# would collide. A longer name keeps its start and ends with a hash of the whole name.
MAX_IDENTIFIER_BYTES = 63


def bounded_name(name: str) -> str:
    """``name`` if it fits in 63 bytes, else its first bytes, ``_`` and 10 hex digits of
    its SHA-1: distinct names stay distinct."""
    raw = name.encode()
    if len(raw) <= MAX_IDENTIFIER_BYTES:
        return name
    digest = hashlib.sha1(raw).hexdigest()[:10]
    head = raw[: MAX_IDENTIFIER_BYTES - len(digest) - 1].decode(errors="ignore")
    return f"{head}_{digest}"


def _index_name(table: sa.Table, suffix: str) -> str:
    """Index names are per schema on PostgreSQL but per database on SQLite, where the
    table name carries the workspace."""
    if table.schema is None:
        return f"IDX_{table.name}_{suffix}"
    return bounded_name(f"IDX_{table.name}_{suffix}")


def create_statements(catalog: Catalog, objects: list[ObjectMeta], dialect: Dialect) -> list[Any]:
    """DDL for new objects: tables, then indexes, then (PostgreSQL) foreign keys."""
    tbls = tables(catalog, dialect)
    ddl: list[Any] = []
    fks: list[Any] = []
    for obj in objects:
        table = tbls[obj.name_singular]
        if dialect.name == "sqlite":
            # SQLite cannot add constraints later: declare them inline
            for f in obj.fields:
                if f.is_many_to_one:
                    table.append_constraint(_foreign_key(catalog, table, f, dialect))
        else:
            for f in obj.fields:
                if f.is_many_to_one:
                    fks.append(AddConstraint(_foreign_key(catalog, table, f, dialect)))
        ddl.append(CreateTable(table))
        ddl.extend(CreateIndex(ix) for ix in indexes(obj, table))
    return ddl + fks


def _foreign_key(catalog: Catalog, table: sa.Table, field: FieldMeta, dialect: Dialect) -> sa.ForeignKeyConstraint:
    assert field.relation is not None
    target = tables(catalog, dialect)[field.relation.target_object]
    return sa.ForeignKeyConstraint(
        [table.c[field.join_column]],
        [target.c.id],
        name=fk_name(field),
        ondelete=ON_DELETE_SQL.get(field.relation.on_delete or "SET_NULL", "SET NULL"),
    )


def join_index(table: sa.Table, field: FieldMeta) -> sa.Index:
    """The index of a join column, over the rows that have one: lookups by the related record's
    id use it, and a row that relates to nothing costs no index entry (a timeline entry or a note
    target fills one of its many join columns)."""
    column = table.c[field.join_column]
    return sa.Index(
        _index_name(table, field.join_column), column,
        sqlite_where=column.is_not(None), postgresql_where=column.is_not(None),
    )


def unique_index(table: sa.Table, field: FieldMeta) -> sa.Index:
    """A unique index over live rows: a soft-deleted record does not hold its value."""
    cols = [table.c[c] for c in unique_columns(field)]
    return sa.Index(
        _index_name(table, "UNIQUE_" + "_".join(c.name for c in cols)),
        *cols,
        unique=True,
        sqlite_where=table.c.deletedAt.is_(None),
        postgresql_where=table.c.deletedAt.is_(None),
    )


def field_indexes(table: sa.Table, field: FieldMeta) -> list[sa.Index]:
    if field.is_many_to_one:
        return [join_index(table, field)]
    if field.is_unique and field.name != "id":
        return [unique_index(table, field)]
    return []


def indexes(obj: ObjectMeta, table: sa.Table) -> list[sa.Index]:
    out = [ix for f in obj.fields for ix in field_indexes(table, f)]
    if "position" in table.c and obj.field("position") is not None:
        out.append(sa.Index(_index_name(table, "position"), table.c.position))
    return out


def fk_name(field: FieldMeta) -> str:
    """The name of a many-to-one field's foreign key (within PostgreSQL's 63 bytes)."""
    return bounded_name(f"FK_{field.object_name}_{field.join_column}")
