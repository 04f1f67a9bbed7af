"""The neutral read request (engine/query.py), run in process against the real database:
what a GraphQL front end will build from a selection set, without HTTP. Data is written
through the REST API; every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import orjson
import pytest

from conftest import Api, Workspace
from vingt.db.database import Stats, open_database
from vingt.db.system_queries import workspace_schema
from vingt.db.url import parse_database_url
from vingt.engine.ir import BoolOp, Condition, OrderItem
from vingt.engine.query import (
    Composite,
    Constant,
    Count,
    Layout,
    Page,
    Query,
    Record,
    Relation,
    Rows,
    Select,
    ToMany,
    ToOne,
    Value,
)
from vingt.engine.records import Actor, Engine
from vingt.errors import ApiError
from vingt.metadata.store import load_catalog
from vingt.sql.dialect import dialect_for

T = TypeVar("T")


def marker() -> str:
    return uuid.uuid4().hex[:12]


def with_engine(database_url: str, workspace: Workspace, use: Callable[[Engine], Awaitable[T]]) -> T:
    async def run() -> T:
        db = open_database(parse_database_url(database_url))
        await db.start()
        try:
            dialect = dialect_for(db.kind)
            found = await workspace_schema(db, dialect, workspace.id)
            assert found is not None
            catalog = await load_catalog(db, dialect, workspace.id, *found)
            return await use(Engine(db, dialect, catalog, Actor()))
        finally:
            await db.close()

    return asyncio.run(run())


@pytest.fixture
def run(database_url: str, workspace: Workspace) -> Callable[[Query], Page]:
    def go(q: Query) -> Page:
        return with_engine(database_url, workspace, lambda e: e.run(q))

    return go


@pytest.fixture
def counted(database_url: str, workspace: Workspace) -> Callable[[Query], tuple[Page, int]]:
    """Run a query: its page and the statements it took."""

    def go(q: Query) -> tuple[Page, int]:
        async def use(e: Engine) -> tuple[Page, int]:
            spent = Stats.statements
            page = await e.run(q)
            return page, Stats.statements - spent

        return with_engine(database_url, workspace, use)

    return go


def records(page: Page) -> list[dict[str, Any]]:
    return [orjson.loads(r) for r in page.records]


def company_with_people(api: Api, m: str, people: list[dict[str, Any]]) -> str:
    r = api.post("/rest/companies", json={"name": m, "employees": len(people)})
    assert r.status_code == 201, r.text
    company_id: str = r.json()["data"]["createCompany"]["id"]
    r = api.post("/rest/batch/people", json=[{**p, "companyId": company_id} for p in people])
    assert r.status_code == 201, r.text
    return company_id


def city(m: str) -> Condition:
    return Condition(("city",), "eq", m)


def test_a_relation_with_its_own_filter_order_bound_and_total(api: Api, run: Callable[[Query], Page]) -> None:
    m = marker()
    people = [{"city": m, "jobTitle": t} for t in ("b", "d", "a", "c")] + [{"city": "elsewhere", "jobTitle": "z"}]
    company_id = company_with_people(api, m, people)
    staff = Relation(
        Select(("jobTitle", "id")), filter=city(m), order=(OrderItem(("jobTitle",), "DescNullsLast"),), first=2,
        total=True,
    )
    q = Query("company", Condition(("id",), "eq", company_id), page=Page(first=5),
              select=Select.of(("name",), people=staff))
    (company,) = records(run(q))
    assert company["name"] == m
    assert company["people"]["totalCount"] == 4
    assert [p["jobTitle"] for p in company["people"]["records"]] == ["d", "c"]
    assert set(company["people"]["records"][0]) == {"id", "jobTitle"}
    # offset: the next two
    q2 = Query(q.object, q.filter, page=q.page, select=Select.of(("name",), people=Relation(
        staff.select, staff.filter, staff.order, first=2, offset=2)))
    (company,) = records(run(q2))
    assert [p["jobTitle"] for p in company["people"]] == ["b", "a"]


def test_nested_relations_and_many_to_one(api: Api, run: Callable[[Query], Page]) -> None:
    m = marker()
    company_with_people(api, m, [{"city": m, "jobTitle": "x"}])
    q = Query("person", city(m), select=Select.of(("jobTitle",), company=Relation(
        Select.of(("name",), people=Relation(Select(("city",)))))))
    (person,) = records(run(q))
    assert person["company"]["name"] == m
    assert [p["city"] for p in person["company"]["people"]] == [m]


def test_a_layout_renders_records_in_its_keys_and_order(api: Api, run: Callable[[Query], Page]) -> None:
    m = marker()
    company_id = company_with_people(api, m, [{"city": m, "jobTitle": t, "name": {"firstName": t, "lastName": "L"}}
                                             for t in ("b", "a", "c")])
    staff = Relation(Select(("jobTitle", "id")), order=(OrderItem(("jobTitle",), "AscNullsFirst"),), first=2)
    person = Layout((Constant("kind", "Person"), Value("job", "jobTitle")))
    layout = Layout((
        Value("id", "id"),
        Record("again", Layout((Value("n", "name"), Constant("t", "Company")))),
        ToMany("staff", "people", (Count("count"), Rows("rows", Layout((Value("cursor", "id"), Record("node", person)))),
                                   Constant("t", "PersonConnection"))),
    ))
    page = run(Query("company", Condition(("id",), "eq", company_id), page=Page(first=1),
                     select=Select.of(("name",), people=staff), layout=layout))
    (company,) = page.records
    rendered = orjson.loads(company)
    assert list(rendered) == ["id", "again", "staff"] and list(rendered["staff"]) == ["count", "rows", "t"]
    assert rendered["again"] == {"n": m, "t": "Company"}
    assert rendered["staff"]["count"] == 3 and rendered["staff"]["t"] == "PersonConnection"
    rows = rendered["staff"]["rows"]
    assert [r["node"] for r in rows] == [{"kind": "Person", "job": "a"}, {"kind": "Person", "job": "b"}]
    assert all(list(r) == ["cursor", "node"] for r in rows)
    # a person's company, a composite's chosen sub-fields (a name it lacks: null) and its join column
    people = run(Query("person", city(m), (OrderItem(("jobTitle",)),), Page(first=1),
                       Select.of(("name", "companyId"), company=Relation(Select(("name",)))), layout=Layout((
                           Composite("who", "name", (Value("last", "lastName"), Constant("t", "FullName"),
                                                     Value("first", "firstName"), Value("x", "nothing"))),
                           ToOne("co", "company", Layout((Value("name", "name"),))),
                           Value("companyId", "companyId"),
                       ))))
    assert orjson.loads(people.records[0]) == {
        "who": {"last": "L", "t": "FullName", "first": "a", "x": None}, "co": {"name": m}, "companyId": company_id}


def test_a_layout_renders_only_what_the_selection_selects(api: Api, run: Callable[[Query], Page]) -> None:
    for layout in (
        Layout((Value("job", "jobTitle"),)),  # not selected
        Layout((Value("c", "company"),)),  # a relation is not a value
        Layout((ToMany("c", "company", ()),)),  # a many-to-one relation is not a connection
        Layout((Constant("t", "x' || 'y"),)),  # constants are names
    ):
        with pytest.raises(ApiError) as err:
            run(Query("person", city(marker()), select=Select.of(("city",), company=Relation(Select(("name",)))),
                      layout=layout))
        assert err.value.code == "INVALID_FIELDS"


def test_typed_filter_values(api: Api, run: Callable[[Query], Page]) -> None:
    m = marker()
    for n, icp in ((3, True), (30, False), (None, False)):
        r = api.post("/rest/companies", json={"name": f"{m}-{n}", "employees": n, "idealCustomerProfile": icp})
        assert r.status_code == 201, r.text
    mine = Condition(("name",), "like", f"{m}%")

    def names(*more: Condition) -> list[str]:
        page = run(Query("company", BoolOp("and", (mine, *more)), (OrderItem(("name",)),), Page(first=10)))
        return [c["name"] for c in records(page)]

    assert names(Condition(("employees",), "gt", 10)) == [f"{m}-30"]
    assert names(Condition(("idealCustomerProfile",), "eq", True)) == [f"{m}-3"]
    assert names(Condition(("employees",), "eq", None)) == [f"{m}-None"]
    assert names(Condition(("employees",), "in", (3, 30))) == [f"{m}-3", f"{m}-30"]
    with pytest.raises(ApiError) as e:
        names(Condition(("employees",), "gt", "many"))
    assert e.value.code == "INVALID_FILTER"


def test_last_without_a_cursor_and_offset(api: Api, run: Callable[[Query], Page]) -> None:
    m = marker()
    r = api.post("/rest/batch/people", json=[{"city": m, "jobTitle": f"t{i}"} for i in range(5)])
    assert r.status_code == 201, r.text
    order = (OrderItem(("jobTitle",)),)
    last = run(Query("person", city(m), order, Page(last=2), Select(("jobTitle",))))
    assert [p["jobTitle"] for p in records(last)] == ["t3", "t4"]
    assert (last.has_previous, last.has_next) == (True, False)
    skipped = run(Query("person", city(m), order, Page(first=2, offset=1), Select(("jobTitle",))))
    assert [p["jobTitle"] for p in records(skipped)] == ["t1", "t2"]
    assert skipped.has_next
    before = run(Query("person", city(m), order, Page(last=2, before=last.ids[0]), Select(("jobTitle",))))
    assert [p["jobTitle"] for p in records(before)] == ["t1", "t2"]


def test_total_and_aggregates_only_when_asked(
    api: Api, run: Callable[[Query], Page], counted: Callable[[Query], tuple[Page, int]]
) -> None:
    m = marker()
    r = api.post("/rest/batch/companies", json=[
        {"name": f"{m}-a", "employees": 10}, {"name": f"{m}-b", "employees": 32}, {"name": f"{m}-c"},
    ])
    assert r.status_code == 201, r.text
    f = Condition(("name",), "like", f"{m}%")
    plain, spent = counted(Query("company", f, page=Page(first=1)))
    assert plain.total is None and plain.aggregates == {}
    assert spent == 1
    total, spent = counted(Query("company", f, page=Page(first=1), total=True))
    assert total.total == 3
    assert spent == 1  # the total in the same statement
    agg, spent = counted(Query("company", f, page=Page(first=1), total=True,
                               aggregates=("maxEmployees", "sumEmployees", "countEmptyEmployees", "avgEmployees")))
    assert spent == 2
    assert agg.total == 3
    assert agg.aggregates == {"maxEmployees": 32, "sumEmployees": 42, "countEmptyEmployees": 1, "avgEmployees": 21}
    with pytest.raises(ApiError) as e:
        run(Query("company", f, aggregates=("sumName",)))
    assert e.value.code == "INVALID_AGGREGATE"


def test_shapes_share_one_statement_whatever_the_field_order(
    database_url: str, workspace: Workspace, api: Api
) -> None:
    m = marker()
    company_with_people(api, m, [{"city": m}])

    async def both(e: Engine) -> tuple[int, int, int]:
        def q(fields: tuple[str, ...], inner: tuple[str, ...]) -> Query:
            return Query("company", Condition(("name",), "eq", m), select=Select.of(
                fields, people=Relation(Select(inner), filter=city(m))))

        await e.run(q(("name", "employees"), ("city", "jobTitle")))
        cache = e.catalog.lru(("sql", e.dialect.name), e.catalog.statement_cache_size)
        first = len(cache)
        page = await e.run(q(("employees", "name", "employees"), ("jobTitle", "city")))
        assert orjson.loads(page.records[0])["people"][0]["city"] == m
        return first, len(cache), len(page.records)

    first, second, n = with_engine(database_url, workspace, both)
    assert n == 1
    assert first == second


@pytest.mark.parametrize(
    ("select", "code"),
    [
        (Select.of(None, company=Relation(Select(), filter=Condition(("name",), "eq", "x"))), "INVALID_PARAMETER"),
        (Select.of(None, noSuchThing=Relation()), "INVALID_FIELDS"),
        (Select.of(None, jobTitle=Relation()), "INVALID_FIELDS"),
        (Select.of(None, noteTargets=Relation(first=201)), "INVALID_PARAMETER"),
        (Select(("noSuchField",)), "INVALID_FIELDS"),
    ],
)
def test_bad_selections_are_refused(run: Callable[[Query], Page], select: Select, code: str) -> None:
    with pytest.raises(ApiError) as e:
        run(Query("person", select=select))
    assert e.value.code == code
    assert e.value.status == 400


@pytest.mark.parametrize(
    "page", [Page(), Page(first=1, last=1), Page(first=-1), Page(first=2, before=str(uuid.uuid4()))]
)
def test_bad_pages_are_refused(run: Callable[[Query], Page], page: Page) -> None:
    with pytest.raises(ApiError) as e:
        run(Query("person", page=page))
    assert e.value.code == "INVALID_PARAMETER"


def test_an_unknown_object_is_refused(run: Callable[[Query], Page]) -> None:
    with pytest.raises(ApiError) as e:
        run(Query("noSuchObject"))
    assert e.value.code == "OBJECT_NOT_FOUND"


def test_a_filter_of_more_than_1000_conditions_is_refused(api: Api, run: Callable[[Query], Page]) -> None:
    m = marker()
    r = api.post("/rest/people", json={"city": m})
    assert r.status_code == 201, r.text
    terms = tuple(Condition(("city",), "eq", f"x{i}") for i in range(999)) + (city(m),)
    page = run(Query("person", BoolOp("or", terms)))
    assert len(page.records) == 1
    with pytest.raises(ApiError) as e:
        run(Query("person", BoolOp("or", (*terms, city("y")))))
    assert e.value.code == "FILTER_TOO_COMPLEX"
    assert e.value.status == 400
    assert e.value.details == {"limit": 1000, "received": 1001}
