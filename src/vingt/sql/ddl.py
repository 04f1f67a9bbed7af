"""DDL for live metadata changes: columns added, renamed and dropped; tables created,
renamed and dropped; unique indexes toggled. Each function returns SQL text for one dialect,
to run inside the metadata change's transaction (SQLite's DDL is transactional too).

SQLite cannot drop a column that carries a foreign key: the table is rebuilt (create the
new shape, copy, drop, rename), the procedure SQLite documents for such changes.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.schema import CreateIndex, CreateTable, DropIndex

from vingt.metadata.model import Catalog, FieldMeta, ObjectMeta
from vingt.sql.dialect import Dialect
from vingt.sql.tables import (
    ON_DELETE_SQL,
    create_statements,
    field_indexes,
    fk_name,
    indexes,
    tables,
    unique_index,
)


def _q(dialect: Dialect, name: str) -> str:
    return str(dialect.sa_dialect.identifier_preparer.quote(name))


def _table(dialect: Dialect, table: sa.Table) -> str:
    return str(dialect.sa_dialect.identifier_preparer.format_table(table))


def _compile(dialect: Dialect, ddl: Any) -> str:
    return str(ddl.compile(dialect=dialect.sa_dialect))


def _drop_index(dialect: Dialect, ix: sa.Index) -> str:
    return _compile(dialect, DropIndex(ix, if_exists=True))


def create_objects(catalog: Catalog, objects: list[ObjectMeta], dialect: Dialect) -> list[str]:
    return [_compile(dialect, d) for d in create_statements(catalog, objects, dialect)]


def drop_table(old: Catalog, obj: ObjectMeta, dialect: Dialect) -> list[str]:
    table = tables(old, dialect)[obj.name_singular]
    out = [_drop_index(dialect, ix) for ix in indexes(obj, table)] if dialect.name == "sqlite" else []
    return [*out, f"DROP TABLE {_table(dialect, table)}"]


def rename_table(old: Catalog, new: Catalog, old_name: str, new_name: str, dialect: Dialect) -> list[str]:
    before = tables(old, dialect)[old_name]
    after = tables(new, dialect)[new_name]
    # index names carry the table name: rebuild them under the new one
    out = [_drop_index(dialect, ix) for ix in indexes(old.object(old_name), before)]
    out.append(f"ALTER TABLE {_table(dialect, before)} RENAME TO {_q(dialect, after.name)}")
    out.extend(_compile(dialect, CreateIndex(ix)) for ix in indexes(new.object(new_name), after))
    return out


def _fk_name(field: FieldMeta) -> str:
    return fk_name(field)


def _references(catalog: Catalog, field: FieldMeta, dialect: Dialect) -> str:
    assert field.relation is not None
    target = tables(catalog, dialect)[field.relation.target_object]
    on_delete = ON_DELETE_SQL.get(field.relation.on_delete or "SET_NULL", "SET NULL")
    return f" REFERENCES {_table(dialect, target)} ({_q(dialect, 'id')}) ON DELETE {on_delete}"


def add_field(new: Catalog, field: FieldMeta, dialect: Dialect) -> list[str]:
    """Columns of a new field, with its foreign key and indexes."""
    table = tables(new, dialect)[field.object_name]
    out = []
    for col in field.columns():
        coltype = dialect.column_type(col.storage).compile(dialect=dialect.sa_dialect)
        sql = f"ALTER TABLE {_table(dialect, table)} ADD COLUMN {_q(dialect, col.name)} {coltype}"
        if field.is_many_to_one and dialect.name == "sqlite":
            sql += _references(new, field, dialect)
        out.append(sql)
    if field.is_many_to_one and dialect.name == "postgresql":
        out.append(
            f"ALTER TABLE {_table(dialect, table)} ADD CONSTRAINT {_q(dialect, _fk_name(field))} "
            f"FOREIGN KEY ({_q(dialect, field.join_column)}){_references(new, field, dialect)}"
        )
    out.extend(_compile(dialect, CreateIndex(ix)) for ix in field_indexes(table, field))
    return out


def set_unique(catalog: Catalog, field: FieldMeta, dialect: Dialect, *, unique: bool) -> list[str]:
    ix = unique_index(tables(catalog, dialect)[field.object_name], field)
    return [_compile(dialect, CreateIndex(ix)) if unique else _drop_index(dialect, ix)]


def rename_field(old: Catalog, new: Catalog, before: FieldMeta, after: FieldMeta, dialect: Dialect) -> list[str]:
    old_table = tables(old, dialect)[before.object_name]
    new_table = tables(new, dialect)[after.object_name]
    # indexes are named after columns: drop them, rename, recreate under the new names
    out = [_drop_index(dialect, ix) for ix in field_indexes(old_table, before)]
    for b, a in zip(before.columns(), after.columns(), strict=True):
        if b.name != a.name:
            out.append(
                f"ALTER TABLE {_table(dialect, old_table)} RENAME COLUMN {_q(dialect, b.name)} TO {_q(dialect, a.name)}"
            )
    if before.is_many_to_one and dialect.name == "postgresql" and _fk_name(before) != _fk_name(after):
        out.append(
            f"ALTER TABLE {_table(dialect, old_table)} RENAME CONSTRAINT {_q(dialect, _fk_name(before))} "
            f"TO {_q(dialect, _fk_name(after))}"
        )
    out.extend(_compile(dialect, CreateIndex(ix)) for ix in field_indexes(new_table, after))
    return out


def drop_field(old: Catalog, new: Catalog, field: FieldMeta, dialect: Dialect) -> list[str]:
    """Drop a field's columns and indexes (on SQLite a foreign key means a rebuild)."""
    table = tables(old, dialect)[field.object_name]
    cols = [c.name for c in field.columns()]
    if not cols:
        return []
    if dialect.name == "sqlite" and field.is_many_to_one:
        return rebuild_sqlite_table(old, new, field.object_name, dialect)
    out = [_drop_index(dialect, ix) for ix in field_indexes(table, field)]
    out.extend(f"ALTER TABLE {_table(dialect, table)} DROP COLUMN {_q(dialect, c)}" for c in cols)
    return out


def rebuild_sqlite_table(old: Catalog, new: Catalog, name: str, dialect: Dialect) -> list[str]:
    """Create the new shape under a temporary name, copy the common columns, drop the old
    table, rename. Only used for tables no foreign key points to (the junction objects and
    tables whose many-to-one field is dropped), so dropping the old table cascades nothing."""
    old_table = tables(old, dialect)[name]
    new_table = tables(new, dialect)[name]
    new_obj = new.object(name)
    md = sa.MetaData()
    temp = sa.Table(
        old_table.name + "__rebuild",
        md,
        *[sa.Column(c.name, c.type, primary_key=c.primary_key, key=c.key) for c in new_table.columns],
    )
    for f in new_obj.fields:
        if f.is_many_to_one and f.relation is not None:
            source = tables(new, dialect)[f.relation.target_object]
            target = md.tables[source.key] if source.key in md.tables else source.to_metadata(md)
            temp.append_constraint(
                sa.ForeignKeyConstraint(
                    [temp.c[f.join_column]],
                    [target.c.id],
                    name=_fk_name(f),
                    ondelete=ON_DELETE_SQL.get(f.relation.on_delete or "SET_NULL", "SET NULL"),
                )
            )
    common = ", ".join(_q(dialect, c.name) for c in temp.columns if c.name in old_table.c)
    out = [_drop_index(dialect, ix) for ix in indexes(old.object(name), old_table)]
    out += [
        _compile(dialect, CreateTable(temp)),
        f"INSERT INTO {_q(dialect, temp.name)} ({common}) SELECT {common} FROM {_q(dialect, old_table.name)}",
        f"DROP TABLE {_q(dialect, old_table.name)}",
        f"ALTER TABLE {_q(dialect, temp.name)} RENAME TO {_q(dialect, old_table.name)}",
    ]
    out.extend(_compile(dialect, CreateIndex(ix)) for ix in indexes(new_obj, new_table))
    return out
