"""What differs between PostgreSQL and SQLite: column types, how a stored value becomes
JSON inside a query, how a Python value is handed to the driver, and a few operators.

Records are rendered to JSON by the database itself (``json_build_object`` /
``json_object``), so the server passes row text through instead of rebuilding objects.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
from collections.abc import Callable
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from vingt.metadata.types import Storage

# SQLite's default limit on function arguments is 127: stay below it
_SQLITE_MAX_PAIRS = 60
_PG_MAX_PAIRS = 50


@functools.lru_cache(maxsize=256)  # a write stamps many rows with one ``now``
def iso_ms(value: dt.datetime) -> str:
    """UTC, milliseconds, ``Z``: ``2024-05-01T09:30:00.000Z``."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:{value.minute:02d}:"
        f"{value.second:02d}.{value.microsecond // 1000:03d}Z"
    )


def _pg_numeric(value: Any) -> Any:
    return value if isinstance(value, decimal.Decimal) else decimal.Decimal(str(value))


def _sqlite_timestamp(value: Any) -> Any:
    return iso_ms(value) if isinstance(value, dt.datetime) else value


def _sqlite_date(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def _sqlite_boolean(value: Any) -> int:
    return 1 if value else 0


def _sqlite_numeric(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        # SQLite integers are 64-bit: larger whole numbers are kept as REAL
        if value == value.to_integral_value() and -(2**63) <= value < 2**63:
            return int(value)
        return float(value)
    return value


class Dialect:
    name: str
    sa_dialect: sa.Dialect
    max_pairs: int

    def table_name(self, schema: str, name: str) -> tuple[str | None, str]:
        raise NotImplementedError

    def column_type(self, storage: Storage) -> Any:
        raise NotImplementedError

    def json_value(self, col: ColumnElement[Any], storage: Storage) -> ColumnElement[Any]:
        raise NotImplementedError

    def json_build(self, pairs: list[tuple[str, ColumnElement[Any]]]) -> ColumnElement[Any]:
        raise NotImplementedError

    def json_agg(self, expr: ColumnElement[Any]) -> ColumnElement[Any]:
        raise NotImplementedError

    def as_text(self, expr: ColumnElement[Any]) -> ColumnElement[Any]:
        return expr

    adapters: dict[Storage, Callable[[Any], Any]] = {}

    def adapt(self, storage: Storage, value: Any) -> Any:
        """A value of ``storage`` as the driver takes it."""
        if value is None:
            return None
        convert = self.adapters.get(storage)
        return value if convert is None else convert(value)

    def adapter(self, storage: Storage) -> Callable[[Any], Any] | None:
        """``adapt`` for one storage, as a function of a value that is not ``None``; ``None``
        when values go to the driver as they are (for loops over many rows)."""
        return self.adapters.get(storage)

    def adapt_list(self, storage: Storage, values: list[Any]) -> Any:
        raise NotImplementedError

    def in_list(self, col: ColumnElement[Any], param: Any) -> ColumnElement[Any]:
        raise NotImplementedError

    def overlaps(self, col: ColumnElement[Any], param: Any) -> ColumnElement[Any]:
        raise NotImplementedError

    def array_is_empty(self, col: ColumnElement[Any]) -> ColumnElement[Any]:
        raise NotImplementedError

    def ilike(self, col: ColumnElement[Any], param: Any) -> ColumnElement[Any]:
        raise NotImplementedError

    def contains_all(self, col: ColumnElement[Any], param: Any) -> ColumnElement[Any]:
        """The array column holds every value of the list ``param``."""
        raise NotImplementedError

    def contained_by(self, col: ColumnElement[Any], param: Any) -> ColumnElement[Any]:
        """Every value of the array column is in the list ``param``."""
        raise NotImplementedError

    def element_ilike(self, col: ColumnElement[Any], param: Any) -> ColumnElement[Any]:
        """Some value of the array column matches (ILIKE) one of the patterns of ``param``."""
        raise NotImplementedError

    def json_like(self, col: ColumnElement[Any], param: Any) -> ColumnElement[Any]:
        """The JSON column's text LIKE ``param``."""
        raise NotImplementedError

    def json_contains(self, col: ColumnElement[Any], param: Any) -> ColumnElement[Any]:
        """jsonb containment (``@>``) of the JSON value ``param``."""
        raise NotImplementedError

    def regex(self, col: ColumnElement[Any], param: Any, insensitive: bool) -> ColumnElement[Any]:
        """``~`` / ``~*``: the text column matches the regular expression ``param``."""
        raise NotImplementedError

    def compile(self, stmt: Any) -> tuple[str, list[str]]:
        """Statement → (SQL text, bind names in positional order)."""
        compiled = stmt.compile(dialect=self.sa_dialect)
        names = list(compiled.positiontup or [])
        return str(compiled), names

    def date_bucket(
        self, col: ColumnElement[Any], storage: Storage, granularity: str, week_start: str = "MONDAY"
    ) -> ColumnElement[Any]:
        """A DATE / DATE_TIME column → its group-by bucket as text (UTC), per Twenty's
        granularities: ``DAY`` ``WEEK`` ``MONTH`` ``QUARTER`` ``YEAR`` render the bucket's first
        day as ``YYYY-MM-DD`` (a week starts on ``week_start``: MONDAY, SUNDAY or SATURDAY);
        ``DAY_OF_THE_WEEK`` → ``Monday`` …, ``MONTH_OF_THE_YEAR`` → ``January`` …,
        ``QUARTER_OF_THE_YEAR`` → ``Q1`` … ``Q4``; ``NONE`` → the column itself."""
        raise NotImplementedError


class PostgresDialect(Dialect):
    name = "postgresql"
    sa_dialect = postgresql.asyncpg.dialect(paramstyle="numeric_dollar")  # type: ignore[attr-defined]
    max_pairs = _PG_MAX_PAIRS

    def table_name(self, schema: str, name: str) -> tuple[str | None, str]:
        return schema, name

    def column_type(self, storage: Storage) -> Any:
        return {
            Storage.UUID: postgresql.UUID(as_uuid=False),
            Storage.TEXT: sa.Text(),
            Storage.FLOAT: postgresql.DOUBLE_PRECISION(),
            Storage.INTEGER: sa.Integer(),
            Storage.BIGINT: sa.BigInteger(),
            Storage.NUMERIC: sa.Numeric(),
            Storage.BOOLEAN: sa.Boolean(),
            Storage.TIMESTAMP: postgresql.TIMESTAMP(timezone=True, precision=3),
            Storage.DATE: sa.Date(),
            Storage.JSON: postgresql.JSONB(),
            Storage.TEXT_ARRAY: postgresql.ARRAY(sa.Text()),
        }[storage]

    def json_value(self, col: ColumnElement[Any], storage: Storage) -> ColumnElement[Any]:
        if storage == Storage.TIMESTAMP:
            return sa.func.to_char(
                sa.func.timezone(sa.literal_column("'UTC'"), col), sa.literal_column("'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'")
            )
        if storage == Storage.DATE:
            return sa.func.to_char(col, sa.literal_column("'YYYY-MM-DD'"))
        if storage == Storage.NUMERIC:
            # numeric keeps its input scale (2500000.0): whole values render as integers
            return sa.func.trim_scale(col)
        return col

    def json_build(self, pairs: list[tuple[str, ColumnElement[Any]]]) -> ColumnElement[Any]:
        if len(pairs) <= self.max_pairs:
            return sa.func.json_build_object(*_flatten(pairs), type_=sa.JSON)
        # a function takes at most 100 arguments: build the object in chunks and splice their
        # texts ('{"a" : 1}' + '{"b" : 2}' → '{"a" : 1, "b" : 2}'), which keeps the keys in
        # field order (merging jsonb would sort them)
        chunks = [pairs[i : i + self.max_pairs] for i in range(0, len(pairs), self.max_pairs)]
        parts: list[Any] = [sa.literal_column("'{'")]
        for n, chunk in enumerate(chunks):
            text = sa.cast(sa.func.json_build_object(*_flatten(chunk)), sa.Text)
            if n:
                parts.append(sa.literal_column("', '"))
            two: Any = sa.literal_column("2")
            parts.append(sa.func.substr(text, two, sa.func.length(text) - two))
        parts.append(sa.literal_column("'}'"))
        return sa.cast(sa.func.concat(*parts), postgresql.JSON)

    def json_agg(self, expr: ColumnElement[Any]) -> ColumnElement[Any]:
        return sa.func.coalesce(sa.func.json_agg(expr), sa.literal_column("'[]'::json"))

    def as_text(self, expr: ColumnElement[Any]) -> ColumnElement[Any]:
        return sa.cast(expr, sa.Text)

    # JSON values go as they are: the connection's jsonb codec encodes them
    adapters = {Storage.NUMERIC: _pg_numeric, Storage.FLOAT: float}

    def in_list(self, col: ColumnElement[Any], param: Any) -> ColumnElement[Any]:
        return col == sa.func.any(param)

    def overlaps(self, col: ColumnElement[Any], param: Any) -> ColumnElement[Any]:
        return col.op("&&")(param)

    def array_is_empty(self, col: ColumnElement[Any]) -> ColumnElement[Any]:
        return sa.func.cardinality(col) == sa.literal_column("0")

    def ilike(self, col: ColumnElement[Any], param: Any) -> ColumnElement[Any]:
        return col.op("ILIKE")(param)

    def contains_all(self, col: ColumnElement[Any], param: Any) -> ColumnElement[Any]:
        return col.op("@>", is_comparison=True)(param)

    def contained_by(self, col: ColumnElement[Any], param: Any) -> ColumnElement[Any]:
        return col.op("<@", is_comparison=True)(param)

    def element_ilike(self, col: ColumnElement[Any], param: Any) -> ColumnElement[Any]:
        mine = sa.func.unnest(col).table_valued("value").render_derived(name="mine")
        return sa.exists(
            sa.select(sa.literal_column("1")).select_from(mine).where(mine.c.value.op("ILIKE")(sa.func.any(param)))
        )

    def json_like(self, col: ColumnElement[Any], param: Any) -> ColumnElement[Any]:
        return sa.cast(col, sa.Text).like(param)

    def json_contains(self, col: ColumnElement[Any], param: Any) -> ColumnElement[Any]:
        return col.op("@>", is_comparison=True)(sa.cast(param, postgresql.JSONB))

    def regex(self, col: ColumnElement[Any], param: Any, insensitive: bool) -> ColumnElement[Any]:
        return col.op("~*" if insensitive else "~")(param)

    def adapt_list(self, storage: Storage, values: list[Any]) -> Any:
        return [self.adapt(storage, v) for v in values]

    def date_bucket(
        self, col: ColumnElement[Any], storage: Storage, granularity: str, week_start: str = "MONDAY"
    ) -> ColumnElement[Any]:
        if granularity == "NONE":
            return col
        if storage == Storage.TIMESTAMP:
            ts: ColumnElement[Any] = sa.func.timezone(sa.literal_column("'UTC'"), col)
        else:
            ts = sa.cast(col, postgresql.TIMESTAMP())
        if granularity == "DAY_OF_THE_WEEK":
            return sa.func.to_char(ts, sa.literal_column("'FMDay'"))
        if granularity == "MONTH_OF_THE_YEAR":
            return sa.func.to_char(ts, sa.literal_column("'FMMonth'"))
        if granularity == "QUARTER_OF_THE_YEAR":
            return sa.func.to_char(ts, sa.literal_column("'\"Q\"Q'"))
        day: ColumnElement[Any] = sa.literal_column("'YYYY-MM-DD'")
        if granularity == "WEEK":
            shift = {"MONDAY": 0, "SUNDAY": 1, "SATURDAY": 2}[week_start]
            if shift == 0:
                return sa.func.to_char(sa.func.date_trunc(sa.literal_column("'week'"), ts), day)
            interval: ColumnElement[Any] = sa.literal_column(f"interval '{shift} days'")
            start = sa.func.date_trunc(sa.literal_column("'week'"), ts.op("+")(interval)).op("-")(interval)
            return sa.func.to_char(start, day)
        unit = {"DAY": "day", "MONTH": "month", "QUARTER": "quarter", "YEAR": "year"}[granularity]
        return sa.func.to_char(sa.func.date_trunc(sa.literal_column(f"'{unit}'"), ts), day)


class SqliteDialect(Dialect):
    name = "sqlite"
    sa_dialect = sqlite.pysqlite.dialect(paramstyle="qmark")  # type: ignore[attr-defined]
    max_pairs = _SQLITE_MAX_PAIRS

    def table_name(self, schema: str, name: str) -> tuple[str | None, str]:
        return None, f"{schema}__{name}"

    def column_type(self, storage: Storage) -> Any:
        return {
            Storage.UUID: sa.Text(),
            Storage.TEXT: sa.Text(),
            # NUMERIC affinity: whole values are stored (and rendered) as integers
            Storage.FLOAT: sa.Numeric(),
            Storage.INTEGER: sa.Integer(),
            Storage.BIGINT: sa.BigInteger(),
            Storage.NUMERIC: sa.Numeric(),
            Storage.BOOLEAN: sa.Boolean(create_constraint=False),
            Storage.TIMESTAMP: sa.Text(),
            Storage.DATE: sa.Text(),
            Storage.JSON: sa.Text(),
            Storage.TEXT_ARRAY: sa.Text(),
        }[storage]

    def json_value(self, col: ColumnElement[Any], storage: Storage) -> ColumnElement[Any]:
        if storage == Storage.BOOLEAN:
            return sa.case(
                (col == sa.literal_column("1"), sa.func.json(sa.literal_column("'true'"))),
                (col == sa.literal_column("0"), sa.func.json(sa.literal_column("'false'"))),
                else_=sa.null(),
            )
        if storage in (Storage.JSON, Storage.TEXT_ARRAY):
            return sa.func.json(col)
        return col

    def json_build(self, pairs: list[tuple[str, ColumnElement[Any]]]) -> ColumnElement[Any]:
        # a function takes at most 127 arguments: build the object in chunks and splice their
        # texts (json_patch would drop the keys of null values)
        # ('{"a":1}' + '{"b":null}' → '{"a":1,"b":null}')
        if len(pairs) <= self.max_pairs:
            return sa.func.json_object(*_flatten(pairs))
        chunks = [pairs[i : i + self.max_pairs] for i in range(0, len(pairs), self.max_pairs)]
        parts: list[Any] = [sa.literal_column("'{'")]
        for n, chunk in enumerate(chunks):
            text = sa.func.json_object(*_flatten(chunk))
            if n:
                parts.append(sa.literal_column("','"))
            two: Any = sa.literal_column("2")
            parts.append(sa.func.substr(text, two, sa.func.length(text) - two))
        parts.append(sa.literal_column("'}'"))
        spliced = parts[0]
        for part in parts[1:]:
            spliced = spliced.op("||")(part)
        return sa.func.json(spliced)

    def json_agg(self, expr: ColumnElement[Any]) -> ColumnElement[Any]:
        return sa.func.coalesce(sa.func.json_group_array(sa.func.json(expr)), sa.func.json(sa.literal_column("'[]'")))

    adapters = {
        Storage.TIMESTAMP: _sqlite_timestamp,
        Storage.DATE: _sqlite_date,
        Storage.JSON: _json_text,
        Storage.TEXT_ARRAY: _json_text,
        Storage.BOOLEAN: _sqlite_boolean,
        Storage.NUMERIC: _sqlite_numeric,
    }

    def in_list(self, col: ColumnElement[Any], param: Any) -> ColumnElement[Any]:
        return col.in_(sa.select(sa.literal_column("value")).select_from(sa.func.json_each(param)).scalar_subquery())

    def overlaps(self, col: ColumnElement[Any], param: Any) -> ColumnElement[Any]:
        mine = sa.func.json_each(col).table_valued("value").alias("mine")
        wanted = sa.select(sa.literal_column("value")).select_from(sa.func.json_each(param)).scalar_subquery()
        return sa.exists(sa.select(sa.literal_column("1")).select_from(mine).where(mine.c.value.in_(wanted)))

    def array_is_empty(self, col: ColumnElement[Any]) -> ColumnElement[Any]:
        return sa.func.json_array_length(col) == sa.literal_column("0")

    def ilike(self, col: ColumnElement[Any], param: Any) -> ColumnElement[Any]:
        return sa.func.vingt_casefold(col).like(sa.func.vingt_casefold(param))

    def _none_missing(self, have: Any, want: Any) -> ColumnElement[Any]:
        """No value of the JSON array ``want`` is missing from the JSON array ``have``."""
        w = sa.func.json_each(want).table_valued("value").alias("w")
        h = sa.select(sa.literal_column("value")).select_from(sa.func.json_each(have)).scalar_subquery()
        return sa.not_(sa.exists(sa.select(sa.literal_column("1")).select_from(w).where(w.c.value.not_in(h))))

    def contains_all(self, col: ColumnElement[Any], param: Any) -> ColumnElement[Any]:
        return sa.and_(col.is_not(None), self._none_missing(col, param))

    def contained_by(self, col: ColumnElement[Any], param: Any) -> ColumnElement[Any]:
        return sa.and_(col.is_not(None), self._none_missing(param, col))

    def element_ilike(self, col: ColumnElement[Any], param: Any) -> ColumnElement[Any]:
        mine = sa.func.json_each(col).table_valued("value").alias("mine")
        wanted = sa.func.json_each(param).table_valued("value").alias("wanted")
        return sa.exists(
            sa.select(sa.literal_column("1")).select_from(mine).join(wanted, sa.true())
            .where(sa.func.vingt_casefold(mine.c.value).like(sa.func.vingt_casefold(wanted.c.value)))
        )

    def json_like(self, col: ColumnElement[Any], param: Any) -> ColumnElement[Any]:
        return sa.func.json(col).like(param)

    def json_contains(self, col: ColumnElement[Any], param: Any) -> ColumnElement[Any]:
        return sa.func.vingt_json_contains(col, param) == sa.literal_column("1")

    def regex(self, col: ColumnElement[Any], param: Any, insensitive: bool) -> ColumnElement[Any]:
        flag: Any = sa.literal_column("1" if insensitive else "0")
        return sa.func.vingt_regexp(param, col, flag) == sa.literal_column("1")

    def adapt_list(self, storage: Storage, values: list[Any]) -> Any:
        return orjson.dumps([self.adapt(storage, v) for v in values]).decode()

    def date_bucket(
        self, col: ColumnElement[Any], storage: Storage, granularity: str, week_start: str = "MONDAY"
    ) -> ColumnElement[Any]:
        # values are stored as ISO text (``2024-05-01T09:30:00.000Z`` / ``2024-05-01``), which
        # SQLite's date functions read as UTC
        if granularity == "NONE":
            return col

        def fmt(pattern: str) -> ColumnElement[Any]:
            return sa.func.strftime(sa.literal_column(f"'{pattern}'"), col)

        if granularity == "DAY":
            return fmt("%Y-%m-%d")
        if granularity == "MONTH":
            return fmt("%Y-%m-01")
        if granularity == "YEAR":
            return fmt("%Y-01-01")
        if granularity == "QUARTER":
            month = fmt("%m").op("-")(sa.literal_column("1")).op("/")(sa.literal_column("3"))
            first = month.op("*")(sa.literal_column("3")).op("+")(sa.literal_column("1"))
            # NULL-propagating: the year is NULL when the value is
            return fmt("%Y").op("||")(sa.func.printf(sa.literal_column("'-%02d-01'"), first))
        if granularity == "WEEK":
            weekday = {"MONDAY": 1, "SUNDAY": 0, "SATURDAY": 6}[week_start]
            return sa.func.date(col, sa.literal_column("'-6 days'"), sa.literal_column(f"'weekday {weekday}'"))
        if granularity == "DAY_OF_THE_WEEK":
            names = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
            days: dict[Any, Any] = {sa.literal_column(f"'{i}'"): sa.literal_column(f"'{n}'") for i, n in enumerate(names)}
            return sa.case(days, value=fmt("%w"))
        if granularity == "MONTH_OF_THE_YEAR":
            months = (
                "January", "February", "March", "April", "May", "June",
                "July", "August", "September", "October", "November", "December",
            )
            whens: dict[Any, Any] = {sa.literal_column(f"'{i:02d}'"): sa.literal_column(f"'{n}'") for i, n in enumerate(months, 1)}
            return sa.case(whens, value=fmt("%m"))
        if granularity == "QUARTER_OF_THE_YEAR":
            quarter = fmt("%m").op("+")(sa.literal_column("2")).op("/")(sa.literal_column("3"))
            return sa.literal_column("'Q'").op("||")(quarter)
        raise ValueError(f"unknown granularity {granularity}")


def _flatten(pairs: list[tuple[str, ColumnElement[Any]]]) -> list[Any]:
    out: list[Any] = []
    for key, expr in pairs:
        out.append(sa.literal_column(f"'{key}'"))
        out.append(expr)
    return out


def dialect_for(kind: str) -> Dialect:
    return PostgresDialect() if kind == "postgresql" else SqliteDialect()

