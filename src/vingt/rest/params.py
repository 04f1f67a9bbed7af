"""Query parameters of the record routes: names, spellings, and their parsing.

Both Twenty spellings are accepted (``starting_after`` / ``startingAfter``, and the older
``last_cursor``); an unknown parameter is an error naming the accepted ones (DECISIONS.md §3), a
repeated one (under one spelling or two: ``last_cursor`` with ``starting_after``) an error naming
what was given twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import QueryParams

from vingt.engine.ir import Filter, OrderItem
from vingt.errors import ApiError
from vingt.rest.query_grammar import parse_filter, parse_order_by

ALIASES = {
    "orderBy": "order_by",
    "startingAfter": "starting_after",
    "endingBefore": "ending_before",
    "softDelete": "soft_delete",
    # the pagination parameter of older Twenty releases (and the clients written for them)
    "last_cursor": "starting_after",
}

MAX_DEPTH = 2


@dataclass
class Params:
    filter: Filter | None = None
    order: tuple[OrderItem, ...] = ()
    limit: int | None = None
    depth: int = 0
    after: str | None = None
    before: str | None = None
    fields: tuple[str, ...] | None = None
    upsert: bool = False
    soft_delete: bool = False


def parse_params(query_string: bytes, accepted: tuple[str, ...], *, default_limit: int, max_limit: int) -> Params:
    values = canonical_params(query_string, accepted, ALIASES)
    p = Params()
    if "filter" in values and values["filter"] != "":
        p.filter = parse_filter(values["filter"])
    if "order_by" in values and values["order_by"] != "":
        p.order = parse_order_by(values["order_by"])
    if "limit" in values:
        p.limit = parse_limit(values["limit"], default_limit, max_limit)
    elif "limit" in accepted:
        p.limit = default_limit
    if "depth" in values:
        p.depth = _depth(values["depth"])
    if values.get("starting_after"):
        p.after = values["starting_after"]
    if values.get("ending_before"):
        p.before = values["ending_before"]
    if p.after is not None and p.before is not None:
        raise ApiError(
            "INVALID_PARAMETER",
            "Cannot provide both before and after",
            {"parameters": ["starting_after", "ending_before"]},
        )
    if "fields" in values:
        names = tuple(n.strip() for n in values["fields"].split(",") if n.strip())
        if not names:
            raise ApiError("INVALID_FIELDS", "'fields' parameter is empty", {"parameter": "fields"})
        p.fields = names
    if "upsert" in values:
        p.upsert = _bool("upsert", values["upsert"])
    if "soft_delete" in values:
        p.soft_delete = _bool("soft_delete", values["soft_delete"])
    return p


def _repeated(first: str, again: str) -> ApiError:
    """A parameter given twice, under one spelling or two (``last_cursor`` and ``starting_after``)."""
    if first == again:
        return ApiError(
            "INVALID_PARAMETER", f"Query parameter '{again}' is given more than once", {"parameter": again}
        )
    canonical = ALIASES.get(again, again)
    return ApiError(
        "INVALID_PARAMETER",
        f"Query parameters '{first}' and '{again}' are two names of '{canonical}': give one",
        {"parameter": canonical, "parameters": [first, again]},
    )


def canonical_params(
    query_string: bytes, accepted: tuple[str, ...], aliases: dict[str, str]
) -> dict[str, str]:
    """The query string as canonical name → value: each name spelled as ``accepted`` or by one of
    ``aliases``; an unknown name, or one given twice (under any of its spellings), is a 400."""
    values: dict[str, str] = {}
    spelled: dict[str, str] = {}  # canonical name → the spelling the request used
    for raw_name, value in QueryParams(query_string).multi_items() if query_string else ():
        name = aliases.get(raw_name, raw_name)
        if name not in accepted:
            raise ApiError(
                "UNKNOWN_PARAMETER",
                f"Unknown query parameter '{raw_name}'. Accepted: {', '.join(accepted) or 'none'}",
                {"parameter": raw_name, "accepted": list(accepted)},
            )
        if name in values:
            raise _repeated(spelled[name], raw_name)
        values[name] = value
        spelled[name] = raw_name
    return values


def parse_limit(raw: str, default: int, maximum: int) -> int:
    """``limit``: empty → the default; digits only; clamped to the maximum."""
    if raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()):
        raise ApiError(
            "INVALID_LIMIT",
            f"limit '{raw}' is invalid. Should be an integer",
            {"parameter": "limit", "value": raw[:64], "maximum": maximum},
        )
    digits = raw.lstrip("0") or "0"
    if len(digits) > len(str(maximum)):
        return maximum  # past the maximum whatever its value; never converted (int's digit limit)
    return min(int(digits), maximum)


def _depth(raw: str) -> int:
    if raw == "":
        return 0
    if raw not in ("0", "1", "2"):
        raise ApiError(
            "INVALID_DEPTH",
            f"'depth={raw}' parameter invalid. Allowed values are 0, 1, 2",
            {"parameter": "depth", "value": raw, "accepted": [0, 1, 2]},
        )
    return int(raw)


def _bool(name: str, raw: str) -> bool:
    if raw not in ("true", "false"):
        raise ApiError(
            "INVALID_PARAMETER",
            f"'{name}' must be 'true' or 'false', not '{raw}'",
            {"parameter": name, "value": raw, "accepted": ["true", "false"]},
        )
    return raw == "true"
