"""Global search (GRAPHQL.md §13): the records of every searchable object that match a few
words, ranked across objects, a page of them in one statement (``UNION ALL`` of one ``SELECT``
per object).

Vingt keeps no ``searchVector`` column: each object's search texts are the columns Twenty
builds its vector from (``SEARCH_TEXTS``; a custom object's ``name``), matched with
case-insensitive ``LIKE`` patterns on both databases. Each word of the input gets a quality per
record, the best over its texts: 3 when a text is the word, 2 when a text starts with it or has
a word (after a space) starting with it, 1 when a text holds it anywhere, else 0. A record
matches when some word has a quality; ``tsRank`` is the sum of the qualities, ``tsRankCD`` the
same sum when every word has one (else 0), both divided by 3 × the number of words (so 0–1).
Records are ordered by ``tsRankCD``, then ``tsRank``, then Twenty's object priority (person,
company, opportunity, note, task, then the others), then object name and id: a total order, so
the cursor (opaque: base64 of those values) resumes exactly after its record. An empty input
lists every record, ranks 0. See docs/graphql.md.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson
import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from vingt.engine import compile as sqlc
from vingt.engine.compile import _slot
from vingt.engine.ir import Filter
from vingt.engine.planner import include_deleted, plan_filter
from vingt.engine.plans import Bindings, Where
from vingt.engine.reads import Reads
from vingt.errors import ApiError
from vingt.metadata.model import FieldMeta, ObjectMeta
from vingt.metadata.types import FieldType, Storage
from vingt.sql.dialect import Dialect
from vingt.sql.tables import tables

MAX_LIMIT = 100  # records per page (Twenty's bound)
MAX_WORDS = 10  # words of one input: each adds patterns to every object's part of the statement

# the fields Twenty builds each standard object's search vector from (``activity``: Vingt's)
SEARCH_TEXTS: dict[str, tuple[str, ...]] = {
    "person": ("name", "emails", "phones", "jobTitle"),
    "company": ("name", "domainName"),
    "opportunity": ("name",),
    "note": ("title",),
    "task": ("title",),
    "activity": ("title",),
    "workspaceMember": ("name", "userEmail"),
    "dashboard": ("title",),
}
# Twenty's STANDARD_OBJECTS_BY_PRIORITY_RANK: the higher first among equal ranks
PRIORITY = {"person": 5, "company": 4, "opportunity": 3, "note": 2, "task": 1}
# image identifiers of Twenty's standard objects, where the metadata names none
DEFAULT_IMAGE = {"person": "avatarUrl", "workspaceMember": "avatarUrl"}
LOGO_URL = "https://twenty-icons.com/{}"  # a company's image: its domain's logo, as Twenty's

EXACT, WORD_START, INSIDE = 3, 2, 1


@dataclass(frozen=True)
class SearchQuery:
    """``text``: the words to find; ``limit``: records per page (0–100); ``after``: the cursor of
    the last record of the previous page; ``included`` / ``excluded``: object names to keep to /
    leave out (unknown or unsearchable names are ignored); ``filter`` on the fields every
    object has (``id``, ``createdAt``, ``updatedAt``, ``deletedAt``)."""

    text: str
    limit: int
    after: str | None = None
    included: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    filter: Filter | None = None


@dataclass(frozen=True)
class Hit:
    record_id: str
    object_name: str
    object_label: str
    label: str
    image_url: str
    rank_cd: float
    rank: float
    cursor: str


@dataclass(frozen=True)
class Results:
    hits: list[Hit]
    has_next: bool

    @property
    def end_cursor(self) -> str | None:
        return self.hits[-1].cursor if self.hits else None


Text = tuple[tuple[str, Storage], ...]  # columns whose values, concatenated, are one search text


@dataclass(frozen=True)
class _Source:
    """What one object contributes: its search texts, label columns and image column."""

    obj: ObjectMeta
    texts: tuple[Text, ...]
    label: tuple[str, ...]
    image: str | None


def words(text: str) -> list[str]:
    """The distinct words of an input, in order."""
    found = list(dict.fromkeys(text.split()))
    if len(found) > MAX_WORDS:
        raise ApiError(
            "INVALID_PARAMETER", f"'searchInput' holds at most {MAX_WORDS} words",
            {"parameter": "searchInput", "limit": MAX_WORDS, "received": len(found)},
        )
    return found


async def search(engine: Reads, q: SearchQuery) -> Results:
    """A page of the records matching ``q`` that the engine's API key may read, soft-deleted
    ones left out unless the filter mentions ``deletedAt``."""
    if not isinstance(q.limit, int) or isinstance(q.limit, bool) or not 0 <= q.limit <= MAX_LIMIT:
        too_many = isinstance(q.limit, int) and q.limit > MAX_LIMIT
        raise ApiError(
            "INVALID_LIMIT", f"Limit cannot exceed {MAX_LIMIT} items" if too_many else "Limit must be 0 or more",
            {"parameter": "limit", "limit": MAX_LIMIT, "received": q.limit},
        )
    terms = words(q.text)
    cursor = _decode_cursor(q.after) if q.after is not None else None
    sources = [s for s in (_source(o) for o in _objects(engine, q)) if s is not None]
    if not sources:
        return Results([], False)
    b = Bindings()
    patterns = [_patterns(engine.dialect, t, b) for t in terms]
    wheres: list[tuple[Where | None, bool]] = []
    for s in sources:
        engine.authorize_filter(s.obj, q.filter)
        where = plan_filter(engine.catalog, s.obj, q.filter, b) if q.filter is not None else None
        wheres.append((where, include_deleted(q.filter)))
    cursor_slots = (
        (b.add(cursor[0]), b.add(cursor[1]), b.add(cursor[2]), b.add(cursor[3], Storage.TEXT), b.add(cursor[4]))
        if cursor is not None else None
    )
    limit_slot = b.add(q.limit + 1)
    key = ("search", tuple((s.obj.name_singular, *w) for s, w in zip(sources, wheres, strict=True)),
           tuple(map(tuple, patterns)), cursor_slots, limit_slot)

    def build() -> Any:
        return _statement(engine, sources, wheres, patterns, cursor_slots, limit_slot)

    compiled = sqlc.cached(engine.catalog, engine.dialect, key, build)
    rows = await engine.db.fetch(compiled.sql, compiled.params(b.adapted(engine.dialect)))
    by_name = {s.obj.name_singular: s.obj for s in sources}
    scale = float(EXACT * len(terms)) if terms else 1.0
    hits = [_hit(by_name[r[0]], r, scale) for r in rows[: q.limit]]
    return Results(hits, len(rows) > q.limit)


# ---- what each object contributes ------------------------------------------------------------


def _objects(engine: Reads, q: SearchQuery) -> list[ObjectMeta]:
    """Twenty's choice (searchable, active, included, not excluded), less the objects the key
    may not read."""
    out = []
    for o in engine.catalog.objects:
        if not o.is_searchable or not o.is_active or o.name_singular in q.excluded:
            continue
        if q.included and o.name_singular not in q.included:
            continue
        if engine.access.reaches(o.name_singular):
            out.append(o)
    return out


def _source(obj: ObjectMeta) -> _Source | None:
    names = SEARCH_TEXTS.get(obj.name_singular, ("name",))
    texts: list[Text] = []
    for name in names:
        f = obj.field(name)
        if f is not None and f.is_active:
            texts += _texts(f)
    if not texts:
        return None  # nothing to search in (a custom object whose name field is gone)
    return _Source(obj, tuple(texts), _label(obj), _image(obj))


def _texts(f: FieldMeta) -> list[Text]:
    cols = {c.sub.name: (c.name, c.storage) for c in f.columns() if c.sub is not None}
    if f.type == FieldType.PHONES:  # the number alone and with its calling code (+33612…)
        return [(cols["primaryPhoneNumber"],), (cols["primaryPhoneCallingCode"], cols["primaryPhoneNumber"]),
                (cols["additionalPhones"],)]
    if f.type == FieldType.LINKS:
        return [(cols["primaryLinkUrl"],), (cols["secondaryLinks"],)]
    if f.is_composite:
        return [((c, s),) for c, s in cols.values() if s in (Storage.TEXT, Storage.JSON)]
    if f.is_relation or not f.columns():
        return []
    return [tuple((c.name, c.storage) for c in f.columns())]


def _label(obj: ObjectMeta) -> tuple[str, ...]:
    """The columns of the label identifier (first and last name of a FULL_NAME, else its own)."""
    f = obj.field(obj.label_identifier_field or "name")
    if f is None or not f.is_active or f.is_relation or not f.columns():
        return ()
    if f.type == FieldType.FULL_NAME:
        return tuple(c.name for c in f.columns())
    return (f.columns()[0].name,)


def _image(obj: ObjectMeta) -> str | None:
    if obj.name_singular == "company" and obj.has("domainName"):
        return "domainNamePrimaryLinkUrl"
    f = obj.field(obj.image_identifier_field or DEFAULT_IMAGE.get(obj.name_singular, ""))
    if f is None or not f.is_active or f.is_composite or f.scalar_storage != Storage.TEXT:
        return None
    return f.name


# ---- the statement ----------------------------------------------------------------------------


def _escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _patterns(dialect: Dialect, word: str, b: Bindings) -> tuple[int, int, int, int]:
    """The slots of a word's patterns: the whole text, its start, a word's start, anywhere.
    SQLite compares case-folded texts (its LIKE is made case-sensitive), PostgreSQL uses ILIKE."""
    w = _escape(word.casefold() if dialect.name == "sqlite" else word)
    return (b.add(w, Storage.TEXT), b.add(w + "%", Storage.TEXT), b.add("% " + w + "%", Storage.TEXT),
            b.add("%" + w + "%", Storage.TEXT))


def _text_sql(dialect: Dialect, t: Any, text: Text) -> ColumnElement[Any]:
    parts = [t.c[c] if s == Storage.TEXT else sa.cast(t.c[c], sa.Text) for c, s in text]
    expr = parts[0]
    for p in parts[1:]:
        expr = expr.op("||")(p)
    return sa.func.vingt_casefold(expr) if dialect.name == "sqlite" else expr


def _like(dialect: Dialect, expr: Any, slot: int) -> ColumnElement[bool]:
    if dialect.name == "postgresql":
        return expr.op("ILIKE")(_slot(slot))  # type: ignore[no-any-return]  # escaped by backslash
    return expr.like(_slot(slot), escape="\\")  # type: ignore[no-any-return]


def _lit(text: str) -> Any:
    return sa.literal_column(text)


def _quality(dialect: Dialect, texts: list[Any], slots: tuple[int, int, int, int]) -> ColumnElement[Any]:
    exact, start, word_start, inside = slots
    return sa.case(
        (sa.or_(*[_like(dialect, x, exact) for x in texts]), _lit(str(EXACT))),
        (sa.or_(*[sa.or_(_like(dialect, x, start), _like(dialect, x, word_start)) for x in texts]),
         _lit(str(WORD_START))),
        (sa.or_(*[_like(dialect, x, inside) for x in texts]), _lit(str(INSIDE))),
        else_=_lit("0"),
    )


def _branch(engine: Reads, s: _Source, where: Where | None, deleted: bool,
            patterns: list[tuple[int, int, int, int]]) -> Any:
    """One object's rows: name, priority, id, label columns, image column, a quality per word."""
    dialect = engine.dialect
    t = tables(engine.catalog, dialect)[s.obj.name_singular].alias("r")
    texts = [_text_sql(dialect, t, x) for x in s.texts]
    name = s.obj.name_singular
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", name)  # metadata names: safe to inline
    label = [sa.cast(t.c[c], sa.Text) for c in s.label] + [sa.cast(sa.null(), sa.Text)] * (2 - len(s.label))
    image = sa.cast(t.c[s.image] if s.image is not None else sa.null(), sa.Text)
    cols = [
        _lit(f"'{name}'").label("object_name"), _lit(str(PRIORITY.get(name, 0))).label("priority"),
        t.c.id.label("record_id"), label[0].label("label_a"), label[1].label("label_b"), image.label("image"),
        *[_quality(dialect, texts, p).label(f"q{i}") for i, p in enumerate(patterns)],
    ]
    conds = sqlc.live_rows(engine.catalog, t, where, deleted, dialect)
    if patterns:
        conds.append(sa.or_(*[_like(dialect, x, p[3]) for p in patterns for x in texts]))
    return sa.select(*cols).where(*conds)


def _statement(engine: Reads, sources: list[_Source], wheres: list[tuple[Where | None, bool]],
               patterns: list[tuple[int, int, int, int]], cursor: tuple[int, ...] | None, limit_slot: int) -> Any:
    branches = [_branch(engine, s, w, d, patterns) for s, (w, d) in zip(sources, wheres, strict=True)]
    rows: Any = branches[0]
    if len(branches) > 1:
        rows = sa.union_all(*branches)
    union = rows.subquery("found")
    qualities = [union.c[f"q{i}"] for i in range(len(patterns))]
    if qualities:
        total: Any = qualities[0]
        for q in qualities[1:]:
            total = total + q
        every = sa.and_(*[q > _lit("0") for q in qualities])
        rank_cd: Any = sa.case((every, total), else_=_lit("0"))
    else:
        total = rank_cd = _lit("0")
    scored = sa.select(
        union.c.object_name, union.c.priority, union.c.record_id, union.c.label_a, union.c.label_b, union.c.image,
        rank_cd.label("rank_cd"), total.label("rank"),
    ).subquery("scored")
    stmt = sa.select(
        scored.c.object_name, scored.c.record_id, scored.c.label_a, scored.c.label_b, scored.c.image,
        scored.c.rank_cd, scored.c.rank, scored.c.priority,
    )
    if cursor is not None:
        stmt = stmt.where(_after(scored, cursor))
    stmt = stmt.order_by(
        scored.c.rank_cd.desc(), scored.c.rank.desc(), scored.c.priority.desc(), scored.c.object_name.asc(),
        scored.c.record_id.asc(),
    )
    stmt = stmt.limit(_slot(limit_slot))
    if engine.dialect.name == "sqlite":
        stmt = stmt.offset(_lit("0"))  # SQLite's compiler pairs LIMIT with a bound OFFSET: pin it
    return stmt


def _after(s: Any, slots: tuple[int, ...]) -> ColumnElement[bool]:
    """Rows after the cursor's in the order (ranks and priority down, then name and id up)."""
    keys = [(s.c.rank_cd, "<"), (s.c.rank, "<"), (s.c.priority, "<"), (s.c.object_name, ">"), (s.c.record_id, ">")]
    expr: ColumnElement[bool] | None = None
    for (col, op), slot in reversed(list(zip(keys, slots, strict=True))):
        value = _slot(slot)
        beyond = col < value if op == "<" else col > value
        expr = beyond if expr is None else sa.or_(beyond, sa.and_(col == value, expr))
    assert expr is not None
    return expr


# ---- rows → hits -------------------------------------------------------------------------------


def _hit(obj: ObjectMeta, row: Any, scale: float) -> Hit:
    name, record_id, label_a, label_b, image, rank_cd, rank, priority = row
    record_id = str(record_id)
    cursor = _encode_cursor(int(rank_cd), int(rank), int(priority), name, record_id)
    return Hit(
        record_id, name, obj.label_singular, " ".join(p for p in (label_a, label_b) if p),
        _image_url(obj, image), int(rank_cd) / scale, int(rank) / scale, cursor,
    )


def _image_url(obj: ObjectMeta, value: str | None) -> str:
    """The record's image (``""`` when none, as Twenty): a company's domain logo, or the image
    identifier's value."""
    if not value:
        return ""
    if obj.name_singular != "company":
        return value
    host = urlsplit(value if "//" in value else "https://" + value).hostname or ""
    host = host.removeprefix("www.")
    return LOGO_URL.format(host) if host else ""


def _encode_cursor(rank_cd: int, rank: int, priority: int, name: str, record_id: str) -> str:
    data = {"rankCD": rank_cd, "rank": rank, "priority": priority, "object": name, "id": record_id}
    return base64.urlsafe_b64encode(orjson.dumps(data)).decode().rstrip("=")


def _decode_cursor(raw: str) -> tuple[int, int, int, str, str]:
    try:
        text = raw.strip()
        data = orjson.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        out = (data["rankCD"], data["rank"], data["priority"], data["object"], str(uuid.UUID(data["id"])))
    except (binascii.Error, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        out = None
    if out is None or not all(isinstance(v, int) and not isinstance(v, bool) for v in out[:3]) \
            or not all(isinstance(v, str) for v in out[3:]):
        raise ApiError("INVALID_CURSOR", f"Invalid cursor: {raw}", {"cursor": raw, "parameter": "after"})
    return out  # type: ignore[return-value]
