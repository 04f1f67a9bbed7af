"""Values at the edges of their types: old years, overflowing offsets, huge numbers, and
non-ASCII digits. Each is either stored faithfully or refused with a 4xx."""

from __future__ import annotations

import uuid

import pytest

from conftest import Api, assert_error


def marker() -> str:
    return uuid.uuid4().hex


def test_year_below_1000_is_stored_and_compared_as_a_date(api: Api) -> None:
    city = marker()
    r = api.post("/rest/people", json={"city": city, "createdAt": "0828-08-31T00:38:07.976Z"})
    assert r.status_code == 201, r.text
    assert r.json()["data"]["createPerson"]["createdAt"] == "0828-08-31T00:38:07.976Z"
    r = api.get("/rest/people", params={"filter": f'and(city[eq]:{city},createdAt[gte]:"2023-01-01")'})
    assert r.json()["totalCount"] == 0
    r = api.get("/rest/people", params={"filter": f'and(city[eq]:{city},createdAt[lt]:"1000-01-01")'})
    assert r.json()["totalCount"] == 1


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_offsets_past_the_calendar_are_refused(api: Api, value: str) -> None:
    assert_error(api.post("/rest/people", json={"createdAt": value}), 400, "VALIDATION_ERROR")
    assert_error(api.get("/rest/people", params={"filter": f'createdAt[gte]:"{value}"'}), 400, "INVALID_FILTER")


def test_large_numeric_values_round_trip(api: Api) -> None:
    r = api.post("/rest/opportunities", json={"name": marker(), "amount": {"amountMicros": 1e19, "currencyCode": "USD"}})
    assert r.status_code == 201, r.text
    assert r.json()["data"]["createOpportunity"]["amount"]["amountMicros"] == 1e19
    r = api.post("/rest/companies", json={"name": marker(), "address": {"addressLat": -7.098165859936125e127}})
    assert r.status_code == 201, r.text
    assert r.json()["data"]["createCompany"]["address"]["addressLat"] == pytest.approx(-7.098165859936125e127)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/rest/notes", {"title": "x", "position": 1.7976931348623157e308}),
        ("/rest/companies", {"name": "x", "employees": -1e308}),
        ("/rest/opportunities", {"name": "x", "amount": {"amountMicros": 1e301}}),
    ],
)
def test_numbers_beyond_range_are_refused(api: Api, path: str, body: dict) -> None:
    before = api.get(path, params={"limit": "0"}).json()["totalCount"]
    assert_error(api.post(path, json=body), 400, "VALIDATION_ERROR")
    assert api.get(path, params={"limit": "0"}).json()["totalCount"] == before


@pytest.mark.parametrize("path", ["/rest/people", "/rest/metadata/objects"])
def test_non_ascii_digits_in_limit(api: Api, path: str) -> None:
    assert_error(api.get(path, params={"limit": "²"}), 400, "INVALID_LIMIT")
