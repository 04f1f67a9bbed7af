"""``GET /rest/<objects>/groupBy`` (REST.md §3.11, DECISIONS.md §2) on every backend.

One module-scoped dataset (the module's own workspace); every test asserts the exact groups,
in order, with their aggregate values. Rendering rules (date buckets, names, numbers) are those
documented in ``vingt.engine.group_by``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from conftest import Api, assert_error
from vingt.db.database import Stats

COMPANIES: dict[str, dict[str, Any]] = {
    "acme": {"name": "Acme", "employees": 10, "idealCustomerProfile": True, "address": {"addressCity": "Paris"}},
    "globex": {"name": "Globex", "employees": 50, "idealCustomerProfile": False, "address": {"addressCity": "Berlin"}},
    "initech": {"name": "Initech"},  # employees NULL, idealCustomerProfile false, no city
    "umbrella": {"name": "Umbrella", "employees": 101, "idealCustomerProfile": True, "address": {"addressCity": "Paris"}},
}

PEOPLE: dict[str, dict[str, Any]] = {
    "ada": {"name": {"firstName": "Ada", "lastName": "Lovelace"}, "city": "London", "jobTitle": "Engineer",
            "company": "acme"},
    "alan": {"name": {"firstName": "Alan", "lastName": "Turing"}, "city": "London", "company": "acme"},
    "grace": {"name": {"firstName": "Grace", "lastName": "Hopper"}, "city": "Paris", "jobTitle": "Admiral",
              "company": "globex"},
    "yonath": {"name": {"firstName": "Ada", "lastName": "Yonath"}, "jobTitle": "Engineer", "company": None},
    "linus": {"name": {"firstName": "Linus", "lastName": "Torvalds"}, "city": "Paris", "jobTitle": "",
              "company": "initech"},
    "ghost": {"name": {"firstName": "Ghost", "lastName": "Deleted"}, "city": "London", "company": "acme"},
}

OPPORTUNITIES: dict[str, dict[str, Any]] = {
    "o1": {"name": "One", "stage": "NEW", "amount": {"amountMicros": 1_000_000, "currencyCode": "USD"},
           "closeDate": "2024-01-15T10:00:00.000Z", "company": "acme"},  # a Monday
    "o2": {"name": "Two", "stage": "NEW", "amount": {"amountMicros": 3_000_000, "currencyCode": "USD"},
           "closeDate": "2024-01-20T23:30:00.000Z", "company": "acme"},  # a Saturday, late (UTC)
    "o3": {"name": "Three", "stage": "MEETING", "amount": {"amountMicros": 5_000_000, "currencyCode": "EUR"},
           "closeDate": "2024-02-10T00:00:00.000Z", "company": "globex"},  # a Saturday
    "o4": {"name": "Four", "stage": "MEETING", "closeDate": "2024-04-01T08:00:00.000Z", "company": None},  # Monday
    "o5": {"name": "Five", "stage": "PROPOSAL", "amount": {"amountMicros": 2_500_000, "currencyCode": "USD"},
           "closeDate": "2024-07-04T12:00:00.000Z", "company": "globex"},  # a Thursday
    "o6": {"name": "Six", "stage": "CUSTOMER", "amount": {"amountMicros": 10_000_000, "currencyCode": "USD"},
           "closeDate": "2025-01-01T00:00:00.000Z", "company": "acme"},  # a Wednesday
    "o7": {"name": "Seven", "stage": "NEW", "amount": {"amountMicros": 500_001, "currencyCode": "USD"},
           "closeDate": None, "company": "initech"},
    "o8": {"name": "Ghost deal", "stage": "CUSTOMER", "amount": {"amountMicros": 7_000_000, "currencyCode": "USD"},
           "closeDate": "2024-01-16T00:00:00.000Z", "company": "acme"},  # soft-deleted
}

# notes: 30 distinct titles T00…T29, T00 on 12 notes (a group larger than the 10-record sample),
# and 20 more titled "extra" (61 notes in all)
NOTE_TITLES = [f"T{i:02d}" for i in range(30)] + ["T00"] * 11 + ["extra"] * 20


def _batch(api: Api, plural: str, rows: dict[str, dict[str, Any]], ids: dict[str, str]) -> None:
    payload = []
    for spec in rows.values():
        body = {k: v for k, v in spec.items() if k != "company"}
        if "company" in spec:
            body["companyId"] = None if spec["company"] is None else ids[spec["company"]]
        payload.append(body)
    r = api.post(f"/rest/batch/{plural}", json=payload)
    assert r.status_code == 201, r.text
    created = next(iter(r.json()["data"].values()))
    for key, record in zip(rows, created, strict=True):
        ids[key] = record["id"]


@pytest.fixture(scope="module")
def seed(api: Api) -> dict[str, str]:
    ids: dict[str, str] = {}
    _batch(api, "companies", COMPANIES, ids)
    _batch(api, "people", PEOPLE, ids)
    _batch(api, "opportunities", OPPORTUNITIES, ids)
    _batch(api, "notes", {f"n{i}": {"title": t} for i, t in enumerate(NOTE_TITLES)}, ids)
    for key, plural in (("ghost", "people"), ("o8", "opportunities")):
        r = api.delete(f"/rest/{plural}/{ids[key]}", params={"soft_delete": "true"})
        assert r.status_code == 200, r.text
    return ids


def _get(api: Api, plural: str, **params: Any) -> list[dict[str, Any]]:
    query = {k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in params.items()}
    r = api.get(f"/rest/{plural}/groupBy", params=query)
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == ["data"]
    assert list(body["data"]) == [f"{plural}GroupBy"]
    groups = body["data"][f"{plural}GroupBy"]
    assert isinstance(groups, list)
    return groups  # type: ignore[no-any-return]


def _dims(groups: list[dict[str, Any]]) -> list[list[Any]]:
    return [g["groupByDimensionValues"] for g in groups]


def _table(groups: list[dict[str, Any]], *aggregates: str) -> list[tuple[Any, ...]]:
    """(dimension values…, aggregate values…) per group; also checks the keys of each group."""
    out = []
    for g in groups:
        assert set(g) == {"groupByDimensionValues", *aggregates}, g
        out.append((*g["groupByDimensionValues"], *(g[a] for a in aggregates)))
    return out


# ---- dimensions -------------------------------------------------------------------------------


def test_single_dimension_with_count(api: Api, seed: dict[str, str]) -> None:
    groups = _get(api, "opportunities", group_by=[{"stage": True}], aggregate=["totalCount"])
    assert _table(groups, "totalCount") == [("CUSTOMER", 1), ("MEETING", 2), ("NEW", 3), ("PROPOSAL", 1)]


def test_no_aggregate_gives_dimensions_only(api: Api, seed: dict[str, str]) -> None:
    groups = _get(api, "people", group_by=[{"city": True}])
    # NULL (and the stored-as-NULL empty string) is one group, last by default
    assert groups == [
        {"groupByDimensionValues": ["London"]},
        {"groupByDimensionValues": ["Paris"]},
        {"groupByDimensionValues": [None]},
    ]


def test_multiple_dimensions(api: Api, seed: dict[str, str]) -> None:
    groups = _get(api, "opportunities", group_by=[{"stage": True}, {"companyId": True}], aggregate=["totalCount"])
    acme, globex, initech = seed["acme"], seed["globex"], seed["initech"]
    expected = [
        ("CUSTOMER", acme, 1),
        ("MEETING", globex, 1),
        ("MEETING", None, 1),
        ("NEW", acme, 2),
        ("NEW", initech, 1),
        ("PROPOSAL", globex, 1),
    ]
    # within a stage, company ids order as text: compute the expected order the same way
    expected.sort(key=lambda row: (row[0], row[1] is None, row[1] or ""))
    assert _table(groups, "totalCount") == expected


def test_join_column_dimension(api: Api, seed: dict[str, str]) -> None:
    groups = _get(api, "opportunities", group_by=[{"companyId": True}], aggregate=["totalCount"],
                  order_by=[{"aggregate": {"totalCount": "DescNullsLast"}}])
    assert _table(groups, "totalCount") == [
        (seed["acme"], 3), (seed["globex"], 2),
        *sorted([(seed["initech"], 1), (None, 1)], key=lambda r: (r[0] is None, r[0] or "")),
    ]
    # the relation name with true groups by its join column too
    assert _get(api, "opportunities", group_by=[{"company": True}], aggregate=["totalCount"],
                order_by=[{"aggregate": {"totalCount": "DescNullsLast"}}]) == groups


def test_relation_target_field_dimension(api: Api, seed: dict[str, str]) -> None:
    groups = _get(api, "opportunities", group_by=[{"company": {"name": True}}], aggregate=["totalCount"])
    assert _table(groups, "totalCount") == [("Acme", 3), ("Globex", 2), ("Initech", 1), (None, 1)]
    groups = _get(api, "people", group_by=[{"company": {"address": {"addressCity": True}}}],
                  aggregate=["totalCount"], order_by=[{"company": {"address": {"addressCity": "AscNullsFirst"}}}])
    # yonath has no company, linus's company has no city
    assert _table(groups, "totalCount") == [(None, 2), ("Berlin", 1), ("Paris", 2)]


def test_composite_sub_field_dimensions(api: Api, seed: dict[str, str]) -> None:
    groups = _get(api, "people", group_by=[{"name": {"firstName": True}}], aggregate=["totalCount"])
    assert _table(groups, "totalCount") == [("Ada", 2), ("Alan", 1), ("Grace", 1), ("Linus", 1)]
    groups = _get(api, "companies", group_by=[{"address": {"addressCity": True}}], aggregate=["totalCount"])
    assert _table(groups, "totalCount") == [("Berlin", 1), ("Paris", 2), (None, 1)]
    groups = _get(api, "opportunities", group_by=[{"amount": {"currencyCode": True}}],
                  aggregate=["totalCount", "sumAmountAmountMicros"])
    assert _table(groups, "totalCount", "sumAmountAmountMicros") == [
        ("EUR", 1, 5_000_000), ("USD", 5, 17_000_001), (None, 1, None),
    ]


def test_boolean_and_number_dimensions_are_strings(api: Api, seed: dict[str, str]) -> None:
    groups = _get(api, "companies", group_by=[{"idealCustomerProfile": True}], aggregate=["totalCount"])
    assert _table(groups, "totalCount") == [("false", 2), ("true", 2)]
    groups = _get(api, "companies", group_by=[{"employees": True}])
    assert _dims(groups) == [["10"], ["50"], ["101"], [None]]
    groups = _get(api, "opportunities", group_by=[{"amount": {"amountMicros": True}}],
                  order_by=[{"amount": {"amountMicros": "DescNullsFirst"}}], limit="3")
    assert _dims(groups) == [[None], ["10000000"], ["5000000"]]


# ---- date granularities -----------------------------------------------------------------------

GRANULARITY_CASES = [
    ("DAY", [("2024-01-15", 1), ("2024-01-20", 1), ("2024-02-10", 1), ("2024-04-01", 1), ("2024-07-04", 1),
             ("2025-01-01", 1), (None, 1)]),
    ("WEEK", [("2024-01-15", 2), ("2024-02-05", 1), ("2024-04-01", 1), ("2024-07-01", 1), ("2024-12-30", 1),
              (None, 1)]),
    ("MONTH", [("2024-01-01", 2), ("2024-02-01", 1), ("2024-04-01", 1), ("2024-07-01", 1), ("2025-01-01", 1),
               (None, 1)]),
    ("QUARTER", [("2024-01-01", 3), ("2024-04-01", 1), ("2024-07-01", 1), ("2025-01-01", 1), (None, 1)]),
    ("YEAR", [("2024-01-01", 5), ("2025-01-01", 1), (None, 1)]),
    ("DAY_OF_THE_WEEK", [("Monday", 2), ("Wednesday", 1), ("Thursday", 1), ("Saturday", 2), (None, 1)]),
    ("MONTH_OF_THE_YEAR", [("January", 3), ("February", 1), ("April", 1), ("July", 1), (None, 1)]),
    ("QUARTER_OF_THE_YEAR", [("Q1", 4), ("Q2", 1), ("Q3", 1), (None, 1)]),
    ("NONE", [("2024-01-15T10:00:00.000Z", 1), ("2024-01-20T23:30:00.000Z", 1), ("2024-02-10T00:00:00.000Z", 1),
              ("2024-04-01T08:00:00.000Z", 1), ("2024-07-04T12:00:00.000Z", 1), ("2025-01-01T00:00:00.000Z", 1),
              (None, 1)]),
]


@pytest.mark.parametrize(("granularity", "expected"), GRANULARITY_CASES, ids=[c[0] for c in GRANULARITY_CASES])
def test_date_granularity(api: Api, seed: dict[str, str], granularity: str, expected: list[tuple[Any, int]]) -> None:
    groups = _get(api, "opportunities", group_by=[{"closeDate": {"granularity": granularity}}],
                  aggregate=["totalCount"])
    assert _table(groups, "totalCount") == expected


def test_date_field_with_true_groups_by_value(api: Api, seed: dict[str, str]) -> None:
    by_true = _get(api, "opportunities", group_by=[{"closeDate": True}], aggregate=["totalCount"])
    assert _table(by_true, "totalCount") == GRANULARITY_CASES[-1][1]


def test_week_start_day(api: Api, seed: dict[str, str]) -> None:
    groups = _get(api, "opportunities", group_by=[{"closeDate": {"granularity": "WEEK", "weekStartDay": "SUNDAY"}}],
                  aggregate=["totalCount"])
    assert _table(groups, "totalCount") == [
        ("2024-01-14", 2), ("2024-02-04", 1), ("2024-03-31", 1), ("2024-06-30", 1), ("2024-12-29", 1), (None, 1),
    ]
    groups = _get(api, "opportunities",
                  group_by=[{"closeDate": {"granularity": "DAY_OF_THE_WEEK", "weekStartDay": "SATURDAY",
                                           "timeZone": "UTC"}}],
                  aggregate=["totalCount"])
    assert _table(groups, "totalCount") == [
        ("Saturday", 2), ("Monday", 2), ("Wednesday", 1), ("Thursday", 1), (None, 1),
    ]


def test_date_dimension_with_other_dimension(api: Api, seed: dict[str, str]) -> None:
    groups = _get(api, "opportunities", group_by=[{"closeDate": {"granularity": "YEAR"}}, {"stage": True}],
                  aggregate=["totalCount"])
    assert _table(groups, "totalCount") == [
        ("2024-01-01", "MEETING", 2), ("2024-01-01", "NEW", 2), ("2024-01-01", "PROPOSAL", 1),
        ("2025-01-01", "CUSTOMER", 1), (None, "NEW", 1),
    ]


# ---- aggregates -------------------------------------------------------------------------------


def test_numeric_and_currency_aggregates(api: Api, seed: dict[str, str]) -> None:
    names = ["totalCount", "sumAmountAmountMicros", "avgAmountAmountMicros", "minAmountAmountMicros",
             "maxAmountAmountMicros"]
    groups = _get(api, "opportunities", group_by=[{"stage": True}], aggregate=names)
    assert _table(groups, *names) == [
        ("CUSTOMER", 1, 10_000_000, 10_000_000, 10_000_000, 10_000_000),
        ("MEETING", 2, 5_000_000, 5_000_000, 5_000_000, 5_000_000),  # NULL amounts are ignored
        ("NEW", 3, 4_500_001, pytest.approx(1_500_000.3333333333), 500_001, 3_000_000),
        ("PROPOSAL", 1, 2_500_000, 2_500_000, 2_500_000, 2_500_000),
    ]
    # whole values are JSON integers, others floats; never strings
    new = groups[2]
    assert isinstance(new["sumAmountAmountMicros"], int) and isinstance(new["avgAmountAmountMicros"], float)
    assert isinstance(groups[0]["avgAmountAmountMicros"], int)

    names = ["sumEmployees", "avgEmployees", "minEmployees", "maxEmployees", "countEmptyEmployees"]
    groups = _get(api, "companies", group_by=[{"idealCustomerProfile": True}], aggregate=names)
    assert _table(groups, *names) == [("false", 50, 50, 50, 50, 1), ("true", 111, 55.5, 10, 101, 0)]


def test_count_and_percentage_aggregates(api: Api, seed: dict[str, str]) -> None:
    names = ["totalCount", "countEmptyJobTitle", "countNotEmptyJobTitle", "percentageEmptyJobTitle",
             "percentageNotEmptyJobTitle", "countUniqueValuesJobTitle", "countUniqueValuesName",
             "countUniqueValuesCompanyId", "countNotEmptyCompany"]
    groups = _get(api, "people", group_by=[{"city": True}], aggregate=names)
    assert _table(groups, *names) == [
        ("London", 2, 1, 1, 0.5, 0.5, 1, 2, 1, 2),
        ("Paris", 2, 1, 1, 0.5, 0.5, 1, 2, 2, 2),  # linus's '' job title counts as empty
        (None, 1, 0, 1, 0.0, 1.0, 1, 1, 0, 0),
    ]
    for g in groups:
        assert isinstance(g["percentageEmptyJobTitle"], float) and isinstance(g["countEmptyJobTitle"], int)

    names = ["percentageEmptyCloseDate", "countNotEmptyCloseDate", "countEmptyAmount", "percentageEmptyAmount",
             "countUniqueValuesCompanyId"]
    groups = _get(api, "opportunities", group_by=[{"stage": True}], aggregate=names)
    assert _table(groups, *names) == [
        ("CUSTOMER", 0.0, 1, 0, 0.0, 1),
        ("MEETING", 0.0, 2, 1, 0.5, 1),
        ("NEW", pytest.approx(1 / 3), 2, 0, 0.0, 2),
        ("PROPOSAL", 0.0, 1, 0, 0.0, 1),
    ]


def test_boolean_aggregates(api: Api, seed: dict[str, str]) -> None:
    names = ["countTrueIdealCustomerProfile", "countFalseIdealCustomerProfile"]
    groups = _get(api, "companies", group_by=[{"address": {"addressCity": True}}], aggregate=names)
    assert _table(groups, *names) == [("Berlin", 0, 1), ("Paris", 2, 0), (None, 0, 1)]


def test_date_aggregates(api: Api, seed: dict[str, str]) -> None:
    names = ["minCloseDate", "maxCloseDate"]
    groups = _get(api, "opportunities", group_by=[{"stage": True}], aggregate=names)
    assert _table(groups, *names) == [
        ("CUSTOMER", "2025-01-01T00:00:00.000Z", "2025-01-01T00:00:00.000Z"),
        ("MEETING", "2024-02-10T00:00:00.000Z", "2024-04-01T08:00:00.000Z"),
        ("NEW", "2024-01-15T10:00:00.000Z", "2024-01-20T23:30:00.000Z"),
        ("PROPOSAL", "2024-07-04T12:00:00.000Z", "2024-07-04T12:00:00.000Z"),
    ]


def test_composite_sub_field_aggregates(api: Api, seed: dict[str, str]) -> None:
    names = ["countNotEmptyNameLastName", "countUniqueValuesNameFirstName", "countEmptyAddressAddressCity"]
    groups = _get(api, "people", group_by=[{"city": True}], aggregate=names[:2])
    assert _table(groups, *names[:2]) == [("London", 2, 2), ("Paris", 2, 2), (None, 1, 1)]
    groups = _get(api, "companies", group_by=[{"idealCustomerProfile": True}], aggregate=names[2:])
    assert _table(groups, *names[2:]) == [("false", 1), ("true", 0)]


def test_repeated_aggregate_names_appear_once(api: Api, seed: dict[str, str]) -> None:
    groups = _get(api, "people", group_by=[{"city": True}], aggregate=["totalCount", "totalCount"])
    assert _table(groups, "totalCount") == [("London", 2), ("Paris", 2), (None, 1)]


# ---- filter and soft delete -------------------------------------------------------------------


def test_filter(api: Api, seed: dict[str, str]) -> None:
    groups = _get(api, "opportunities", group_by=[{"stage": True}], aggregate=["totalCount"],
                  filter="amount.amountMicros[gte]:2000000")
    assert _table(groups, "totalCount") == [("CUSTOMER", 1), ("MEETING", 1), ("NEW", 1), ("PROPOSAL", 1)]
    groups = _get(api, "opportunities", group_by=[{"stage": True}], aggregate=["totalCount"],
                  filter=f"or(companyId[eq]:{seed['acme']},closeDate[is]:NULL)")
    assert _table(groups, "totalCount") == [("CUSTOMER", 1), ("NEW", 3)]
    assert _get(api, "opportunities", group_by=[{"stage": True}], filter="name[eq]:nothing") == []


def test_soft_deleted_rows_follow_the_deleted_at_rule(api: Api, seed: dict[str, str]) -> None:
    live = _get(api, "opportunities", group_by=[{"stage": True}], aggregate=["totalCount", "sumAmountAmountMicros"])
    assert ("CUSTOMER", 1, 10_000_000) in _table(live, "totalCount", "sumAmountAmountMicros")
    deleted = _get(api, "opportunities", group_by=[{"stage": True}], aggregate=["totalCount"],
                   filter="deletedAt[is]:NOT_NULL")
    assert _table(deleted, "totalCount") == [("CUSTOMER", 1)]
    both = _get(api, "opportunities", group_by=[{"stage": True}], aggregate=["totalCount", "sumAmountAmountMicros"],
                filter="or(deletedAt[is]:NULL,deletedAt[is]:NOT_NULL)")
    assert _table(both, "totalCount", "sumAmountAmountMicros") == [
        ("CUSTOMER", 2, 17_000_000), ("MEETING", 2, 5_000_000), ("NEW", 3, 4_500_001), ("PROPOSAL", 1, 2_500_000),
    ]
    people = _get(api, "people", group_by=[{"name": {"firstName": True}}], filter="deletedAt[is]:NOT_NULL")
    assert _dims(people) == [["Ghost"]]


# ---- ordering and limit -----------------------------------------------------------------------


def test_order_by_dimension(api: Api, seed: dict[str, str]) -> None:
    groups = _get(api, "opportunities", group_by=[{"stage": True}], order_by=[{"stage": "DescNullsLast"}])
    assert _dims(groups) == [["PROPOSAL"], ["NEW"], ["MEETING"], ["CUSTOMER"]]
    groups = _get(api, "people", group_by=[{"city": True}], order_by=[{"city": "AscNullsFirst"}])
    assert _dims(groups) == [[None], ["London"], ["Paris"]]
    groups = _get(api, "people", group_by=[{"city": True}], order_by=[{"city": "DescNullsLast"}])
    assert _dims(groups) == [["Paris"], ["London"], [None]]


def test_order_by_composite_sub_field(api: Api, seed: dict[str, str]) -> None:
    groups = _get(api, "people", group_by=[{"name": {"firstName": True}}],
                  order_by=[{"name": {"firstName": "DescNullsLast"}}])
    assert _dims(groups) == [["Linus"], ["Grace"], ["Alan"], ["Ada"]]


def test_order_by_aggregate(api: Api, seed: dict[str, str]) -> None:
    groups = _get(api, "opportunities", group_by=[{"stage": True}], aggregate=["totalCount"],
                  order_by=[{"aggregate": {"totalCount": "DescNullsLast"}}])
    # ties keep the dimension order
    assert _table(groups, "totalCount") == [("NEW", 3), ("MEETING", 2), ("CUSTOMER", 1), ("PROPOSAL", 1)]
    # an aggregate that is not selected can order the groups
    groups = _get(api, "opportunities", group_by=[{"stage": True}],
                  order_by=[{"aggregate": {"sumAmountAmountMicros": "DescNullsLast"}}])
    assert _dims(groups) == [["CUSTOMER"], ["MEETING"], ["NEW"], ["PROPOSAL"]]
    groups = _get(api, "opportunities", group_by=[{"stage": True}],
                  order_by=[{"aggregate": {"minAmountAmountMicros": "AscNullsFirst"}}])
    assert _dims(groups) == [["NEW"], ["PROPOSAL"], ["MEETING"], ["CUSTOMER"]]


def test_order_by_date_dimension(api: Api, seed: dict[str, str]) -> None:
    groups = _get(api, "opportunities", group_by=[{"closeDate": {"granularity": "MONTH"}}],
                  order_by=[{"closeDate": {"orderBy": "DescNullsFirst", "granularity": "MONTH"}}])
    assert _dims(groups) == [[None], ["2025-01-01"], ["2024-07-01"], ["2024-04-01"], ["2024-02-01"], ["2024-01-01"]]
    groups = _get(api, "opportunities", group_by=[{"closeDate": {"granularity": "DAY_OF_THE_WEEK"}}],
                  order_by=[{"closeDate": {"orderBy": "DescNullsLast", "granularity": "DAY_OF_THE_WEEK"}}])
    assert _dims(groups) == [["Saturday"], ["Thursday"], ["Wednesday"], ["Monday"], [None]]
    # the plain field name orders by the bucket it is grouped by
    groups = _get(api, "opportunities", group_by=[{"closeDate": {"granularity": "MONTH_OF_THE_YEAR"}}],
                  order_by=[{"closeDate": "DescNullsLast"}])
    assert _dims(groups) == [["July"], ["April"], ["February"], ["January"], [None]]


def test_order_by_several_keys(api: Api, seed: dict[str, str]) -> None:
    groups = _get(api, "opportunities", group_by=[{"stage": True}, {"company": {"name": True}}],
                  aggregate=["totalCount"],
                  order_by=[{"company": {"name": "AscNullsFirst"}}, {"stage": "DescNullsLast"}])
    assert _table(groups, "totalCount") == [
        ("MEETING", None, 1), ("NEW", "Acme", 2), ("CUSTOMER", "Acme", 1), ("PROPOSAL", "Globex", 1),
        ("MEETING", "Globex", 1), ("NEW", "Initech", 1),
    ]


def test_limit(api: Api, seed: dict[str, str]) -> None:
    groups = _get(api, "opportunities", group_by=[{"stage": True}], limit="2")
    assert _dims(groups) == [["CUSTOMER"], ["MEETING"]]
    groups = _get(api, "opportunities", group_by=[{"stage": True}], aggregate=["totalCount"], limit="1",
                  order_by=[{"aggregate": {"totalCount": "DescNullsLast"}}])
    assert _table(groups, "totalCount") == [("NEW", 3)]
    assert _get(api, "opportunities", group_by=[{"stage": True}], limit="0") == []
    # above the maximum: clamped, not refused
    assert len(_get(api, "notes", group_by=[{"title": True}], limit="1000")) == 31


def test_default_limit_is_50(api: Api, seed: dict[str, str]) -> None:
    groups = _get(api, "notes", group_by=[{"id": True}])
    assert len(groups) == 50
    assert len(_get(api, "notes", group_by=[{"id": True}], limit="200")) == len(NOTE_TITLES)


# ---- records sample ---------------------------------------------------------------------------


def test_records_sample(api: Api, seed: dict[str, str]) -> None:
    groups = _get(api, "opportunities", group_by=[{"stage": True}], aggregate=["totalCount"],
                  include_records_sample="true", order_by_for_records="amount.amountMicros[DescNullsLast]")
    assert _dims(groups) == [["CUSTOMER"], ["MEETING"], ["NEW"], ["PROPOSAL"]]
    by_id = {v: k for k, v in seed.items()}
    samples = {g["groupByDimensionValues"][0]: [by_id[r["id"]] for r in g["records"]] for g in groups}
    assert samples == {"CUSTOMER": ["o6"], "MEETING": ["o3", "o4"], "NEW": ["o2", "o1", "o7"], "PROPOSAL": ["o5"]}
    # depth-0 records, as the record API renders them
    record = groups[2]["records"][0]
    r = api.get(f"/rest/opportunities/{record['id']}")
    assert record == r.json()["data"]["opportunity"]
    assert "company" not in record and record["companyId"] == seed["acme"]
    for g in groups:
        assert set(g) == {"groupByDimensionValues", "totalCount", "records"}

    groups = _get(api, "opportunities", group_by=[{"stage": True}], include_records_sample="true",
                  order_by_for_records="name[AscNullsFirst]", filter="stage[eq]:NEW")
    assert [[by_id[r["id"]] for r in g["records"]] for g in groups] == [["o1", "o7", "o2"]]  # One, Seven, Two


def test_records_sample_with_null_and_relation_dimensions(api: Api, seed: dict[str, str]) -> None:
    groups = _get(api, "people", group_by=[{"city": True}, {"company": {"name": True}}],
                  include_records_sample="true", order_by_for_records="name.lastName")
    by_id = {v: k for k, v in seed.items()}
    assert [(g["groupByDimensionValues"], [by_id[r["id"]] for r in g["records"]]) for g in groups] == [
        (["London", "Acme"], ["ada", "alan"]),
        (["Paris", "Globex"], ["grace"]),
        (["Paris", "Initech"], ["linus"]),
        ([None, None], ["yonath"]),
    ]


def test_records_sample_is_capped_and_off_by_default(api: Api, seed: dict[str, str]) -> None:
    groups = _get(api, "notes", group_by=[{"title": True}], aggregate=["totalCount"], include_records_sample="true",
                  filter="title[in]:[T00,T01]", order_by_for_records="id[DescNullsLast]")
    assert _dims(groups) == [["T00"], ["T01"]]
    assert groups[0]["totalCount"] == 12 and len(groups[0]["records"]) == 10
    ids = [r["id"] for r in groups[0]["records"]]
    assert ids == sorted(ids, reverse=True)
    assert all(r["title"] == "T00" for r in groups[0]["records"])
    assert len(groups[1]["records"]) == 1
    plain = _get(api, "notes", group_by=[{"title": True}], include_records_sample="false", filter="title[eq]:T01")
    assert plain == [{"groupByDimensionValues": ["T01"]}]


def test_statement_count_does_not_grow_with_groups(api: Api, seed: dict[str, str]) -> None:
    def statements(**params: Any) -> tuple[int, int]:
        _get(api, "notes", **params)  # warm caches (catalog, compiled SQL)
        before = Stats.statements
        groups = _get(api, "notes", **params)
        return Stats.statements - before, len(groups)

    base = {"group_by": [{"title": True}], "aggregate": ["totalCount"], "include_records_sample": "true"}
    few, n_few = statements(**base, filter="title[in]:[T00,T01,T02]")
    many, n_many = statements(**base, filter="title[startsWith]:T")
    assert (n_few, n_many) == (3, 30)
    assert few == many
    assert few <= 2


# ---- parameter spellings ----------------------------------------------------------------------


def test_camel_case_spellings(api: Api, seed: dict[str, str]) -> None:
    snake = _get(api, "opportunities", group_by=[{"stage": True}], aggregate=["totalCount"],
                 order_by=[{"aggregate": {"totalCount": "DescNullsLast"}}], include_records_sample="true",
                 order_by_for_records="name")
    camel = _get(api, "opportunities", groupBy=[{"stage": True}], aggregate=["totalCount"],
                 orderBy=[{"aggregate": {"totalCount": "DescNullsLast"}}], includeRecordsSample="true",
                 orderByForRecords="name")
    assert camel == snake
    assert _dims(camel)[0] == ["NEW"]


def test_percent_encoded_query_string(api: Api, seed: dict[str, str]) -> None:
    # what the official client sends: every JSON character percent-encoded
    r = api.get("/rest/opportunities/groupBy?group_by=%5B%7B%22stage%22%3Atrue%7D%5D"
                "&aggregate=%5B%22totalCount%22%5D&filter=stage%5Beq%5D%3ANEW")
    assert r.status_code == 200, r.text
    assert r.json() == {"data": {"opportunitiesGroupBy": [{"groupByDimensionValues": ["NEW"], "totalCount": 3}]}}


# ---- errors -----------------------------------------------------------------------------------

UUID = "20202020-0000-4000-8000-000000000001"
GB = json.dumps([{"stage": True}])

ERROR_CASES: list[tuple[str, dict[str, str], int, str]] = [
    # group_by
    ("missing group_by", {}, 400, "INVALID_GROUP_BY"),
    ("empty group_by", {"group_by": ""}, 400, "INVALID_GROUP_BY"),
    ("group_by not JSON", {"group_by": "stage"}, 400, "INVALID_GROUP_BY"),
    ("group_by empty array", {"group_by": "[]"}, 400, "INVALID_GROUP_BY"),
    ("group_by an object", {"group_by": '{"stage": true}'}, 400, "INVALID_GROUP_BY"),
    ("group_by of strings", {"group_by": '["stage"]'}, 400, "INVALID_GROUP_BY"),
    ("two fields in one item", {"group_by": '[{"stage": true, "name": true}]'}, 400, "INVALID_GROUP_BY"),
    ("false instead of true", {"group_by": '[{"stage": false}]'}, 400, "INVALID_GROUP_BY"),
    ("unknown field", {"group_by": '[{"nope": true}]'}, 400, "INVALID_GROUP_BY"),
    ("unknown sub-field", {"group_by": '[{"amount": {"nope": true}}]'}, 400, "INVALID_GROUP_BY"),
    ("composite without sub-field", {"group_by": '[{"amount": true}]'}, 400, "INVALID_GROUP_BY"),
    ("sub-field of a scalar", {"group_by": '[{"stage": {"x": true}}]'}, 400, "INVALID_GROUP_BY"),
    ("granularity on a non-date", {"group_by": '[{"stage": {"granularity": "DAY"}}]'}, 400, "INVALID_GROUP_BY"),
    ("unknown granularity", {"group_by": '[{"closeDate": {"granularity": "HOUR"}}]'}, 400, "INVALID_GROUP_BY"),
    ("bad week start", {"group_by": '[{"closeDate": {"granularity": "WEEK", "weekStartDay": "FRIDAY"}}]'},
     400, "INVALID_GROUP_BY"),
    ("non-UTC time zone", {"group_by": '[{"closeDate": {"granularity": "DAY", "timeZone": "Europe/Paris"}}]'},
     400, "INVALID_GROUP_BY"),
    ("unknown relation target field", {"group_by": '[{"company": {"nope": true}}]'}, 400, "INVALID_GROUP_BY"),
    ("relation of a relation", {"group_by": '[{"company": {"accountOwner": {"id": true}}}]'}, 400,
     "INVALID_GROUP_BY"),
    ("one-to-many relation", {"group_by": '[{"pointOfContactForOpportunities": {"id": true}}]', "_plural": "people"},
     400, "INVALID_GROUP_BY"),
    ("too many dimensions", {"group_by": json.dumps([{"stage": True}] * 11)}, 400, "INVALID_GROUP_BY"),
    ("list-valued column", {"group_by": '[{"statuses": true}]', "_plural": "workflows"}, 400, "INVALID_GROUP_BY"),
    # aggregate
    ("aggregate not JSON", {"group_by": GB, "aggregate": "totalCount"}, 400, "INVALID_AGGREGATE"),
    ("aggregate not an array", {"group_by": GB, "aggregate": '"totalCount"'}, 400, "INVALID_AGGREGATE"),
    ("aggregate of numbers", {"group_by": GB, "aggregate": "[1]"}, 400, "INVALID_AGGREGATE"),
    ("unknown aggregate", {"group_by": GB, "aggregate": '["nope"]'}, 400, "INVALID_AGGREGATE"),
    ("unknown aggregate field", {"group_by": GB, "aggregate": '["countEmptyNope"]'}, 400, "INVALID_AGGREGATE"),
    ("sum of a select", {"group_by": GB, "aggregate": '["sumStage"]'}, 400, "INVALID_AGGREGATE"),
    ("sum of a whole currency", {"group_by": GB, "aggregate": '["sumAmount"]'}, 400, "INVALID_AGGREGATE"),
    ("avg of a date", {"group_by": GB, "aggregate": '["avgCloseDate"]'}, 400, "INVALID_AGGREGATE"),
    ("countTrue of text", {"group_by": GB, "aggregate": '["countTrueName"]'}, 400, "INVALID_AGGREGATE"),
    ("sum of a text sub-field", {"group_by": GB, "aggregate": '["sumAmountCurrencyCode"]'}, 400,
     "INVALID_AGGREGATE"),
    # order_by
    ("order_by not JSON", {"group_by": GB, "order_by": "stage"}, 400, "INVALID_ORDER_BY"),
    ("order_by an object", {"group_by": GB, "order_by": '{"stage": "AscNullsFirst"}'}, 400, "INVALID_ORDER_BY"),
    ("order_by a field not grouped", {"group_by": GB, "order_by": '[{"name": "AscNullsFirst"}]'}, 400,
     "INVALID_ORDER_BY"),
    ("order_by bad direction", {"group_by": GB, "order_by": '[{"stage": "Up"}]'}, 400, "INVALID_ORDER_BY"),
    ("order_by two keys", {"group_by": GB, "order_by": '[{"stage": "AscNullsFirst", "name": "AscNullsFirst"}]'},
     400, "INVALID_ORDER_BY"),
    ("order_by unknown aggregate", {"group_by": GB, "order_by": '[{"aggregate": {"nope": "AscNullsFirst"}}]'},
     400, "INVALID_ORDER_BY"),
    ("order_by granularity not grouped",
     {"group_by": '[{"closeDate": {"granularity": "MONTH"}}]',
      "order_by": '[{"closeDate": {"orderBy": "AscNullsFirst", "granularity": "YEAR"}}]'}, 400, "INVALID_ORDER_BY"),
    ("order_by_for_records unknown field", {"group_by": GB, "order_by_for_records": "nope"}, 400,
     "INVALID_ORDER_BY"),
    ("order_by_for_records bad direction", {"group_by": GB, "order_by_for_records": "name[Up]"}, 400,
     "INVALID_ORDER_BY"),
    # filter
    ("filter syntax", {"group_by": GB, "filter": "stage[eq"}, 400, "INVALID_FILTER"),
    ("filter unknown field", {"group_by": GB, "filter": "nope[eq]:1"}, 400, "INVALID_FILTER"),
    ("filter unknown comparator", {"group_by": GB, "filter": "stage[xx]:NEW"}, 400, "INVALID_FILTER"),
    ("filter bad enum value", {"group_by": GB, "filter": "stage[eq]:BOGUS"}, 400, "INVALID_FILTER"),
    # other parameters
    ("limit not a number", {"group_by": GB, "limit": "ten"}, 400, "INVALID_LIMIT"),
    ("negative limit", {"group_by": GB, "limit": "-1"}, 400, "INVALID_LIMIT"),
    ("include_records_sample not a boolean", {"group_by": GB, "include_records_sample": "yes"}, 400,
     "INVALID_PARAMETER"),
    ("view_id", {"group_by": GB, "view_id": UUID}, 400, "INVALID_PARAMETER"),
    ("viewId", {"group_by": GB, "viewId": UUID}, 400, "INVALID_PARAMETER"),
    ("both spellings", {"group_by": GB, "groupBy": GB}, 400, "INVALID_PARAMETER"),
    ("unknown parameter", {"group_by": GB, "depth": "1"}, 400, "UNKNOWN_PARAMETER"),
    ("typo", {"group_by": GB, "aggregates": '["totalCount"]'}, 400, "UNKNOWN_PARAMETER"),
]


@pytest.mark.parametrize(("case", "params", "status", "code"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_errors(api: Api, seed: dict[str, str], case: str, params: dict[str, str], status: int, code: str) -> None:
    params = dict(params)
    plural = params.pop("_plural", "opportunities")
    body = assert_error(api.get(f"/rest/{plural}/groupBy", params=params), status, code)
    if code == "INVALID_GROUP_BY" and case in ("missing group_by", "group_by not JSON", "group_by empty array"):
        assert body["error"]["message"].startswith(
            "Invalid group_by query parameter - should be a valid array of objects - ex: ["
        )
    if case == "unknown field":
        assert "nope" in body["error"]["message"] and body["error"]["details"]["field"] == "nope"
    if case == "unknown sub-field":
        assert "nope" in body["error"]["message"]
    if case in ("unknown aggregate", "sum of a select"):
        assert json.loads(params["aggregate"])[0] in body["error"]["message"]
    if case == "aggregate not JSON":
        assert body["error"]["message"].startswith("Invalid aggregate query parameter - should be a valid array")
    if case == "order_by not JSON":
        assert body["error"]["message"].startswith("Invalid order_by query parameter - should be a valid array")
    if case.startswith("view"):
        assert "not supported" in body["error"]["message"]
    if code == "UNKNOWN_PARAMETER":
        assert "group_by" in body["error"]["details"]["accepted"]


def test_other_methods_are_refused(api: Api, seed: dict[str, str]) -> None:
    assert_error(api.post("/rest/opportunities/groupBy", json={}), 405, "METHOD_NOT_ALLOWED")


def test_unknown_object(api: Api, seed: dict[str, str]) -> None:
    assert_error(api.get("/rest/nothings/groupBy", params={"group_by": GB}), 400, "OBJECT_NOT_FOUND")
