"""The scalars of the core GraphQL API (GRAPHQL.md §4).

Output values are never serialised by graphql-core here (records come rendered by the
database and are shaped as they are), so ``serialize`` passes values through; inputs are
checked, so that a malformed literal is a validation error and a malformed variable a
``BAD_USER_INPUT``.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from graphql import (
    BooleanValueNode,
    FloatValueNode,
    GraphQLScalarType,
    IntValueNode,
    StringValueNode,
    ValueNode,
    value_from_ast_untyped,
)

from vingt.engine.planner import parse_date, parse_timestamp


def _same(value: Any) -> Any:
    return value


_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _uuid(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"UUID cannot represent a non-string value: {value!r}")
    if _CANONICAL_UUID.fullmatch(value):  # already as str(uuid.UUID(value)) writes it
        return value
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ValueError(f"'{value}' is not a valid UUID") from None


def _string_literal(parse: Any) -> Any:
    def literal(node: ValueNode, _variables: Any = None) -> Any:
        if not isinstance(node, StringValueNode):
            raise TypeError("expected a string")
        return parse(node.value)

    return literal


def _date_time(value: Any) -> str:
    if not isinstance(value, str) or parse_timestamp(value) is None:
        raise ValueError(f"{value!r} is not an ISO-8601 date-time")
    return value


def _date(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"Date cannot represent {value!r}")
    if parse_date(value) is None:
        # a date-time is accepted and read as its day (UTC)
        stamp = parse_timestamp(value)
        if stamp is None:
            raise ValueError(f"'{value}' is not a date (YYYY-MM-DD)")
        return stamp.astimezone(dt.UTC).date().isoformat()
    return value


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise TypeError(f"expected a number, not {value!r}")
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"'{value}' is not a number") from None
        return int(number) if number.is_integer() and "." not in value and "e" not in value.lower() else number
    raise TypeError(f"expected a number, not {value!r}")


def _number_literal(node: ValueNode, _variables: Any = None) -> Any:
    if isinstance(node, IntValueNode):
        return int(node.value)
    if isinstance(node, FloatValueNode):
        return float(node.value)
    if isinstance(node, StringValueNode):
        return _number(node.value)
    raise TypeError("expected a number")


def _position(value: Any) -> Any:
    if value in ("first", "last"):
        return value
    try:
        return _number(value)
    except (TypeError, ValueError):
        raise ValueError(f"Invalid position value {value!r}: a number, 'first' or 'last'") from None


def _position_literal(node: ValueNode, _variables: Any = None) -> Any:
    if isinstance(node, StringValueNode):
        return _position(node.value)
    return _number_literal(node)


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, not {value!r}")
    return value


def _json_literal(node: ValueNode, variables: Any = None) -> Any:
    return value_from_ast_untyped(node, variables)


def _bigint_literal(node: ValueNode, _variables: Any = None) -> Any:
    if isinstance(node, IntValueNode):
        return int(node.value)
    if isinstance(node, StringValueNode) and node.value.lstrip("-").isdigit():
        return int(node.value)
    if isinstance(node, BooleanValueNode):
        raise TypeError("expected an integer")
    raise TypeError("expected an integer")


def _bigint(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError("expected an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    raise TypeError(f"expected an integer, not {value!r}")


UUID = GraphQLScalarType(
    "UUID", description="A UUID string", serialize=_same, parse_value=_uuid, parse_literal=_string_literal(_uuid)
)
DATE_TIME = GraphQLScalarType(
    "DateTime", description="An ISO-8601 date-time, e.g. 2025-03-01T10:00:00.000Z", serialize=_same,
    parse_value=_date_time, parse_literal=_string_literal(_date_time),
)
DATE = GraphQLScalarType(
    "Date", description="A day, YYYY-MM-DD", serialize=_same, parse_value=_date, parse_literal=_string_literal(_date)
)
BIG_FLOAT = GraphQLScalarType(
    "BigFloat", description="A decimal number (a JSON number; strings holding a number are accepted)",
    serialize=_same, parse_value=_number, parse_literal=_number_literal,
)
BIG_INT = GraphQLScalarType(
    "BigInt", description="A 64-bit integer", serialize=_same, parse_value=_bigint, parse_literal=_bigint_literal
)
JSON = GraphQLScalarType(
    "JSON", description="Any JSON value", serialize=_same, parse_value=_same, parse_literal=_json_literal
)
POSITION = GraphQLScalarType(
    "Position", description="A number; on input also 'first' or 'last'", serialize=_same,
    parse_value=_position, parse_literal=_position_literal,
)
CURSOR = GraphQLScalarType(
    "Cursor", description="An edge's cursor: the record's id", serialize=_same, parse_value=_string,
    parse_literal=_string_literal(_string),
)
CONNECTION_CURSOR = GraphQLScalarType(
    "ConnectionCursor", description="A page's start or end cursor: a record id", serialize=_same,
    parse_value=_string, parse_literal=_string_literal(_string),
)
