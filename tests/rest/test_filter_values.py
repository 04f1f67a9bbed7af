"""Filter values are read as writes read them (hardening §15), and range comparators on SELECT
fields follow the options' positions, as Twenty's enum columns do (§19). SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid

import pytest

from conftest import Api, assert_error

STAGES = ("NEW", "SCREENING", "MEETING", "PROPOSAL", "CUSTOMER")


def marker() -> str:
    return uuid.uuid4().hex[:12]


@pytest.fixture(scope="module")
def stages(api: Api) -> str:
    m = marker()
    for stage in STAGES:
        r = api.post("/rest/opportunities", json={"name": f"{m}-{stage}", "stage": stage})
        assert r.status_code == 201, r.text
    return m


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ("stage[gte]:MEETING", {"MEETING", "PROPOSAL", "CUSTOMER"}),
        ("stage[gt]:MEETING", {"PROPOSAL", "CUSTOMER"}),
        ("stage[lt]:MEETING", {"NEW", "SCREENING"}),
        ("stage[lte]:NEW", {"NEW"}),
        ("stage[gt]:CUSTOMER", set()),
        ("not(stage[lt]:PROPOSAL)", {"PROPOSAL", "CUSTOMER"}),
    ],
)
def test_select_ranges_follow_option_positions(api: Api, stages: str, flt: str, expected: set[str]) -> None:
    r = api.get("/rest/opportunities", params={"filter": f"and(name[like]:{stages}-%,{flt})", "limit": "50"})
    assert r.status_code == 200, r.text
    assert {o["stage"] for o in r.json()["data"]["opportunities"]} == expected


def test_a_select_range_needs_an_option(api: Api) -> None:
    body = assert_error(api.get("/rest/opportunities", params={"filter": "stage[gte]:LATER"}), 400, "INVALID_FILTER")
    assert body["error"]["details"]["accepted"] == list(STAGES)


@pytest.fixture(scope="module")
def birthday(api: Api) -> str:
    objects = api.get("/rest/metadata/objects").json()["data"]["objects"]
    person = next(o for o in objects if o["nameSingular"] == "person")
    r = api.post("/rest/metadata/fields", json={
        "objectMetadataId": person["id"], "name": "birthday", "label": "Birthday", "type": "DATE",
    })
    assert r.status_code == 201, r.text
    m = marker()
    r = api.post("/rest/people", json={"city": m, "birthday": "1990-05-17"})
    assert r.status_code == 201, r.text
    return m


@pytest.mark.parametrize("value", ["1990-05-17-garbage!", "1990-05-17T00:00:00Z", "19900517", "1990-W20-4", "1990-5-17"])
def test_date_filters_take_exactly_a_date(api: Api, birthday: str, value: str) -> None:
    body = assert_error(api.get("/rest/people", params={"filter": f"birthday[eq]:{value}"}), 400, "INVALID_FILTER")
    assert body["error"]["details"]["expected"] == "date (YYYY-MM-DD)"
    # as a write refuses it
    assert_error(api.post("/rest/people", json={"birthday": value}), 400, "VALIDATION_ERROR")


def test_a_date_filter_matches_the_day(api: Api, birthday: str) -> None:
    r = api.get("/rest/people", params={"filter": f"and(city[eq]:{birthday},birthday[eq]:1990-05-17)"})
    assert r.status_code == 200, r.text
    assert r.json()["totalCount"] == 1


def test_a_long_or_runs_on_both_databases(api: Api) -> None:
    """650 OR'ed conditions (SQLite used to refuse more than ~496: expression too deep)."""
    m = marker()
    r = api.post("/rest/people", json={"city": m})
    assert r.status_code == 201, r.text
    terms = ",".join([f"city[eq]:{i}" for i in range(649)] + [f"city[eq]:{m}"])
    r = api.get("/rest/people", params={"filter": f"or({terms})"})
    assert r.status_code == 200, r.text
    assert r.json()["totalCount"] == 1
    r = api.get("/rest/people", params={"filter": f"not(or({terms}))", "limit": "1"})
    assert r.status_code == 200, r.text
