"""Keyset pagination (REST.md §6–7; DECISIONS.md §1–2: cursors are record ids, default page 20,
maximum 100 clamped) on every backend.

25 people are seeded once for the module, in two batches created a few milliseconds apart
(so ``createdAt`` has exactly two distinct values), with repeated and NULL values in ``city``,
``name.firstName`` and ``name.lastName`` and a distinct ``position`` per person. The expected
order of every ordering is computed here from the seed, then checked against one full read and
against forward and backward walks with ``limit=7``.
"""

from __future__ import annotations

import base64
import functools
import json
import time
import uuid
from typing import Any

import pytest

from conftest import Api, assert_error

N = 25
PAGE = 7
CITIES = ["berlin", None, "amsterdam", "cairo", "berlin", None, "dakar"]
FIRST_NAMES = ["Ann", "Bob", None, "Cy", "Ann"]
LAST_NAMES = ["smith", None, "jones", "brown", "smith", "lee"]


def _person(i: int) -> dict[str, Any]:
    name: dict[str, str] = {}
    first, last = FIRST_NAMES[i % 5], LAST_NAMES[(i * 5) % 6]
    if first is not None:
        name["firstName"] = first
    if last is not None:
        name["lastName"] = last
    body: dict[str, Any] = {"name": name, "position": ((i * 7) % N) * 1.5 - 10, "jobTitle": "pager"}
    if CITIES[i % 7] is not None:
        body["city"] = CITIES[i % 7]
    return body


@pytest.fixture(scope="module")
def people(api: Api) -> dict[str, dict[str, Any]]:
    """id → sort values (``position``, ``city``, ``name.firstName``, ``name.lastName``, ``createdAt``)."""
    out: dict[str, dict[str, Any]] = {}
    for chunk in (range(0, 13), range(13, N)):
        bodies = [_person(i) for i in chunk]
        r = api.post("/rest/batch/people", json=bodies)
        assert r.status_code == 201, r.text
        for body, rec in zip(bodies, r.json()["data"]["createPeople"], strict=True):
            out[rec["id"]] = {
                "position": body["position"],
                "city": body.get("city"),
                "name.firstName": body["name"].get("firstName"),
                "name.lastName": body["name"].get("lastName"),
                "createdAt": rec["createdAt"],
            }
        time.sleep(0.02)
    assert len({v["createdAt"] for v in out.values()}) == 2
    assert len({v["position"] for v in out.values()}) == N
    return out


def _compare(a: Any, b: Any, direction: str) -> int:
    if a is None and b is None:
        return 0
    nulls_first = direction.endswith("NullsFirst")
    if a is None:
        return -1 if nulls_first else 1
    if b is None:
        return 1 if nulls_first else -1
    c = (a > b) - (a < b)
    return c if direction.startswith("Asc") else -c


def _expected(people: dict[str, dict[str, Any]], keys: list[tuple[str, str]]) -> list[str]:
    """Ids in the given order, with Vingt's final ``id AscNullsFirst`` tie-breaker."""

    def cmp(x: str, y: str) -> int:
        for field, direction in keys:
            c = _compare(people[x][field], people[y][field], direction)
            if c:
                return c
        return (x > y) - (x < y)

    return sorted(people, key=functools.cmp_to_key(cmp))


ORDERINGS: list[tuple[str | None, list[tuple[str, str]]]] = [
    (None, []),
    ("position[AscNullsFirst]", [("position", "AscNullsFirst")]),
    ("position[DescNullsLast]", [("position", "DescNullsLast")]),
    ("city[AscNullsFirst]", [("city", "AscNullsFirst")]),
    ("city", [("city", "AscNullsFirst")]),  # missing direction = AscNullsFirst
    ("city[DescNullsLast]", [("city", "DescNullsLast")]),
    ("city[DescNullsFirst]", [("city", "DescNullsFirst")]),
    (
        "city[AscNullsLast],name.firstName[DescNullsFirst]",
        [("city", "AscNullsLast"), ("name.firstName", "DescNullsFirst")],
    ),
    ("name.lastName[DescNullsFirst]", [("name.lastName", "DescNullsFirst")]),
    (
        "name.lastName[AscNullsLast],city[DescNullsFirst],name.firstName[AscNullsFirst]",
        [("name.lastName", "AscNullsLast"), ("city", "DescNullsFirst"), ("name.firstName", "AscNullsFirst")],
    ),
    ("createdAt[DescNullsLast]", [("createdAt", "DescNullsLast")]),
    (
        "createdAt[AscNullsFirst],city[AscNullsLast]",
        [("createdAt", "AscNullsFirst"), ("city", "AscNullsLast")],
    ),
]


def _get(api: Api, **params: Any) -> dict:
    r = api.get("/rest/people", params={k: v for k, v in params.items() if v is not None})
    assert r.status_code == 200, f"{params}: {r.text}"
    return r.json()


def _ids(body: dict) -> list[str]:
    return [p["id"] for p in body["data"]["people"]]


def _check_page_shape(body: dict, total: int) -> list[str]:
    ids = _ids(body)
    info = body["pageInfo"]
    assert body["totalCount"] == total
    if ids:
        assert info["startCursor"] == ids[0]
        assert info["endCursor"] == ids[-1]
    else:
        assert info["startCursor"] is None
        assert info["endCursor"] is None
    return ids


def _walk_forward(api: Api, total: int, limit: int = PAGE, **params: Any) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor = None
    for _ in range(total // max(limit, 1) + 3):
        body = _get(api, limit=limit, starting_after=cursor, **params)
        ids = _check_page_shape(body, total)
        info = body["pageInfo"]
        assert info["hasPreviousPage"] is False  # forward pagination
        pages.append(ids)
        if not info["hasNextPage"]:
            assert len(ids) <= limit
            return pages
        assert len(ids) == limit
        cursor = info["endCursor"]
    raise AssertionError(f"forward walk did not end: {pages}")


def _walk_backward(api: Api, total: int, before: str, limit: int = PAGE, **params: Any) -> list[list[str]]:
    """Pages before ``before``, nearest first."""
    pages: list[list[str]] = []
    cursor = before
    for _ in range(total // max(limit, 1) + 3):
        body = _get(api, limit=limit, ending_before=cursor, **params)
        ids = _check_page_shape(body, total)
        info = body["pageInfo"]
        assert info["hasNextPage"] is False  # backward pagination
        pages.append(ids)
        if not info["hasPreviousPage"]:
            return pages
        assert len(ids) == limit
        cursor = info["startCursor"]
    raise AssertionError(f"backward walk did not end: {pages}")


def _assert_slices(full: list[str], pages: list[list[str]]) -> None:
    """Each page is a contiguous run of the full order."""
    for page in pages:
        if page:
            start = full.index(page[0])
            assert full[start : start + len(page)] == page


@pytest.mark.parametrize(("order_by", "keys"), ORDERINGS, ids=[o or "default" for o, _ in ORDERINGS])
def test_walk_both_ways(
    api: Api, people: dict[str, dict[str, Any]], order_by: str | None, keys: list[tuple[str, str]]
) -> None:
    expected = _expected(people, keys)
    full_body = _get(api, limit=100, order_by=order_by)
    full = _check_page_shape(full_body, N)
    assert full_body["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": False,
        "startCursor": full[0],
        "endCursor": full[-1],
    }
    assert full == expected

    forward = _walk_forward(api, N, order_by=order_by)
    assert [len(p) for p in forward] == [7, 7, 7, 4]
    assert [i for p in forward for i in p] == full
    _assert_slices(full, forward)

    backward = _walk_backward(api, N, forward[-1][0], order_by=order_by)
    assert [len(p) for p in backward] == [7, 7, 7]
    assert [i for p in reversed(backward) for i in p] + forward[-1] == full
    _assert_slices(full, backward)

    # past either end: an empty page with null cursors
    body = _get(api, limit=PAGE, starting_after=full[-1], order_by=order_by)
    assert _check_page_shape(body, N) == []
    assert body["pageInfo"]["hasNextPage"] is False
    body = _get(api, limit=PAGE, ending_before=full[0], order_by=order_by)
    assert _check_page_shape(body, N) == []
    assert body["pageInfo"]["hasPreviousPage"] is False


@pytest.mark.parametrize(("order_by", "keys"), ORDERINGS[1:8:3], ids=[o for o, _ in ORDERINGS[1:8:3]])
def test_every_cursor_position(
    api: Api, people: dict[str, dict[str, Any]], order_by: str, keys: list[tuple[str, str]]
) -> None:
    """starting_after / ending_before from each record give the neighbouring slice."""
    full = _expected(people, keys)
    for k, cursor in enumerate(full):
        assert _ids(_get(api, limit=3, starting_after=cursor, order_by=order_by)) == full[k + 1 : k + 4], k
        assert _ids(_get(api, limit=3, ending_before=cursor, order_by=order_by)) == full[max(0, k - 3) : k], k


def test_camel_case_spellings(api: Api, people: dict[str, dict[str, Any]]) -> None:
    order = "city[DescNullsLast],position[AscNullsFirst]"
    full = _ids(_get(api, limit=100, order_by=order))
    assert _ids(_get(api, limit=100, orderBy=order)) == full
    assert full == _expected(people, [("city", "DescNullsLast"), ("position", "AscNullsFirst")])
    snake = _get(api, limit=5, order_by=order, starting_after=full[4])
    camel = _get(api, limit=5, orderBy=order, startingAfter=full[4])
    assert camel == snake
    assert _ids(camel) == full[5:10]
    snake = _get(api, limit=5, order_by=order, ending_before=full[20])
    camel = _get(api, limit=5, orderBy=order, endingBefore=full[20])
    assert camel == snake
    assert _ids(camel) == full[15:20]
    assert camel["pageInfo"]["hasPreviousPage"] is True


def test_older_last_cursor_is_starting_after(api: Api, people: dict[str, dict[str, Any]]) -> None:
    """Clients of older Twenty releases page with ``last_cursor``."""
    order = "city[DescNullsLast],position[AscNullsFirst]"
    full = _ids(_get(api, limit=100, order_by=order))
    older = _get(api, limit=5, order_by=order, last_cursor=full[4])
    assert older == _get(api, limit=5, order_by=order, starting_after=full[4])
    assert _ids(older) == full[5:10]
    body = assert_error(
        api.get("/rest/people", params={"last_cursor": full[1], "starting_after": full[2]}), 400, "INVALID_PARAMETER"
    )
    assert body["error"]["details"] == {"parameter": "starting_after", "parameters": ["last_cursor", "starting_after"]}
    assert body["error"]["message"] == (
        "Query parameters 'last_cursor' and 'starting_after' are two names of 'starting_after': give one"
    )


def test_both_cursors_rejected(api: Api, people: dict[str, dict[str, Any]]) -> None:
    a, b = sorted(people)[:2]
    assert_error(
        api.get("/rest/people", params={"starting_after": a, "ending_before": b}), 400, "INVALID_PARAMETER"
    )
    assert_error(
        api.get("/rest/people", params={"startingAfter": a, "endingBefore": b}), 400, "INVALID_PARAMETER"
    )
    assert_error(
        api.get("/rest/people", params={"starting_after": a, "endingBefore": b}), 400, "INVALID_PARAMETER"
    )


@pytest.mark.parametrize("param", ["starting_after", "ending_before"])
@pytest.mark.parametrize("order_by", [None, "city[AscNullsFirst]", "position[DescNullsLast]"])
def test_unknown_cursor_id(
    api: Api, people: dict[str, dict[str, Any]], param: str, order_by: str | None
) -> None:
    params = {param: str(uuid.uuid4()), "order_by": order_by}
    body = assert_error(
        api.get("/rest/people", params={k: v for k, v in params.items() if v}), 400, "INVALID_CURSOR"
    )
    assert "cursor" in body["error"]["details"]


@pytest.mark.parametrize("param", ["starting_after", "ending_before"])
def test_cursor_of_destroyed_record(api: Api, people: dict[str, dict[str, Any]], param: str) -> None:
    r = api.post("/rest/people", json={"name": {"firstName": "Gone"}, "jobTitle": "temp"})
    assert r.status_code == 201, r.text
    gone = r.json()["data"]["createPerson"]["id"]
    r = api.delete(f"/rest/people/{gone}")
    assert r.status_code == 200, r.text
    assert_error(api.get("/rest/people", params={param: gone}), 400, "INVALID_CURSOR")


GARBAGE = [
    "not-a-cursor",
    "12345",
    base64.b64encode(b'{"foo":"bar"}').decode(),  # JSON without id
    base64.b64encode(b'{"id":"not-a-uuid"}').decode(),
    base64.b64encode(b"plain text").decode(),
    "%%%",
]


@pytest.mark.parametrize("cursor", GARBAGE)
@pytest.mark.parametrize("param", ["starting_after", "ending_before"])
def test_garbage_cursor(api: Api, people: dict[str, dict[str, Any]], param: str, cursor: str) -> None:
    assert_error(api.get("/rest/people", params={param: cursor}), 400, "INVALID_CURSOR")


def test_twenty_base64_cursor(api: Api, people: dict[str, dict[str, Any]]) -> None:
    full = _ids(_get(api, limit=100, order_by="position[AscNullsFirst]"))
    target = full[9]
    plain = _get(api, limit=5, order_by="position[AscNullsFirst]", starting_after=target)
    for payload in (
        {"id": target},
        {"position": people[target]["position"], "id": target},  # Twenty's shape for this ordering
    ):
        cursor = base64.b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()
        body = _get(api, limit=5, order_by="position[AscNullsFirst]", starting_after=cursor)
        assert body == plain
        assert _ids(body) == full[10:15]
        # the emitted cursors are still record ids
        assert body["pageInfo"]["startCursor"] == full[10]
        body = _get(api, limit=5, order_by="position[AscNullsFirst]", ending_before=cursor)
        assert _ids(body) == full[4:9]
    unpadded = base64.b64encode(json.dumps({"id": target}).encode()).decode().rstrip("=")
    assert _ids(_get(api, limit=5, order_by="position[AscNullsFirst]", startingAfter=unpadded)) == full[10:15]


def test_default_page_size(api: Api, people: dict[str, dict[str, Any]]) -> None:
    body = _get(api)
    ids = _check_page_shape(body, N)
    assert ids == sorted(people)[:20]
    assert body["pageInfo"]["hasNextPage"] is True
    rest = _get(api, starting_after=body["pageInfo"]["endCursor"])
    assert _check_page_shape(rest, N) == sorted(people)[20:]
    assert rest["pageInfo"]["hasNextPage"] is False
    assert len(_ids(_get(api, limit=""))) == 20  # empty = default


def test_limit_zero(api: Api, people: dict[str, dict[str, Any]]) -> None:
    body = _get(api, limit=0)
    assert _check_page_shape(body, N) == []
    assert body["pageInfo"]["hasNextPage"] is True  # records exist beyond the (empty) page


@pytest.mark.parametrize("limit", ["-1", "abc", "1.5", "1e2"])
def test_invalid_limit(api: Api, people: dict[str, dict[str, Any]], limit: str) -> None:
    body = assert_error(api.get("/rest/people", params={"limit": limit}), 400, "INVALID_LIMIT")
    assert body["error"]["details"]["parameter"] == "limit"


@pytest.fixture(scope="module")
def many_notes(api: Api) -> list[str]:
    r = api.post("/rest/batch/notes", json=[{"title": f"note {i:03d}"} for i in range(105)])
    assert r.status_code == 201, r.text
    return sorted(n["id"] for n in r.json()["data"]["createNotes"])


def test_limit_above_maximum_is_clamped(api: Api, many_notes: list[str]) -> None:
    r = api.get("/rest/notes", params={"limit": 500})
    assert r.status_code == 200, r.text
    body = r.json()
    ids = [n["id"] for n in body["data"]["notes"]]
    assert ids == many_notes[:100]
    assert body["totalCount"] == 105
    assert body["pageInfo"]["hasNextPage"] is True
    assert body["pageInfo"]["endCursor"] == ids[-1]
    r = api.get("/rest/notes", params={"limit": 500, "starting_after": ids[-1]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [n["id"] for n in body["data"]["notes"]] == many_notes[100:]
    assert body["pageInfo"]["hasNextPage"] is False
    r = api.get("/rest/notes", params={"limit": 101, "ending_before": many_notes[-1]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [n["id"] for n in body["data"]["notes"]] == many_notes[4:104]
    assert body["pageInfo"]["hasPreviousPage"] is True


@pytest.mark.parametrize(
    "order_by",
    [
        "name[AscNullsFirst]",  # composite without a sub-field
        "name",
        "city[Sideways]",
        "city[ascnullsfirst]",
        "city[]",
        "nope[AscNullsFirst]",
        "name.middleName[AscNullsFirst]",
        "company[AscNullsFirst]",  # a relation
        "city[AscNullsFirst],",
        "city[AscNullsFirst",
    ],
)
def test_invalid_order_by(api: Api, people: dict[str, dict[str, Any]], order_by: str) -> None:
    assert_error(api.get("/rest/people", params={"order_by": order_by}), 400, "INVALID_ORDER_BY")
    assert_error(api.get("/rest/people", params={"orderBy": order_by}), 400, "INVALID_ORDER_BY")


def test_pagination_with_filter(api: Api, people: dict[str, dict[str, Any]]) -> None:
    flt = "or(city[eq]:berlin,city[eq]:amsterdam),jobTitle[eq]:pager"
    order = "city[DescNullsFirst],position[DescNullsLast]"
    matching = {i: v for i, v in people.items() if v["city"] in ("berlin", "amsterdam")}
    expected = _expected(matching, [("city", "DescNullsFirst"), ("position", "DescNullsLast")])
    total = len(expected)
    assert total == 11
    forward = _walk_forward(api, total, limit=3, filter=flt, order_by=order)
    assert [i for p in forward for i in p] == expected
    backward = _walk_backward(api, total, forward[-1][0], limit=3, filter=flt, order_by=order)
    assert [i for p in reversed(backward) for i in p] + forward[-1] == expected


def test_cursor_outside_filter_seeks_by_its_sort_values(api: Api, people: dict[str, dict[str, Any]]) -> None:
    """DECISIONS.md §2: the cursor is a position in the ordering, even for a record the filter excludes."""
    full = _expected(people, [("position", "AscNullsFirst")])
    outsider = next(i for i in full[8:] if people[i]["city"] != "berlin")
    at = full.index(outsider)
    berlin_after = [i for i in full[at + 1 :] if people[i]["city"] == "berlin"]
    berlin_before = [i for i in full[:at] if people[i]["city"] == "berlin"]
    body = _get(api, limit=100, filter="city[eq]:berlin", order_by="position", starting_after=outsider)
    assert _ids(body) == berlin_after
    assert body["totalCount"] == len(berlin_after) + len(berlin_before)
    body = _get(api, limit=100, filter="city[eq]:berlin", order_by="position", ending_before=outsider)
    assert _ids(body) == berlin_before


def test_empty_result_has_null_cursors(api: Api, people: dict[str, dict[str, Any]]) -> None:
    body = _get(api, filter="city[eq]:nowhere")
    assert body["data"]["people"] == []
    assert body["totalCount"] == 0
    assert body["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": False,
        "startCursor": None,
        "endCursor": None,
    }
