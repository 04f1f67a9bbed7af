"""Finding duplicates over REST: ``POST /rest/<objects>/duplicates`` (REST.md §3.9, GRAPHQL.md §11,
DATA_MODEL.md §4.1, DECISIONS.md). Every test runs on SQLite and PostgreSQL; each tags its
records with a fresh marker so that tests sharing the module's workspace never match each other.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from conftest import Api, assert_error
from vingt.db.database import Stats


def marker() -> str:
    return uuid.uuid4().hex[:12]


def create(api: Api, plural: str, singular: str, body: dict[str, Any]) -> dict[str, Any]:
    r = api.post(f"/rest/{plural}", json=body)
    assert r.status_code == 201, r.text
    return r.json()["data"]["create" + singular[0].upper() + singular[1:]]  # type: ignore[no-any-return]


def person(api: Api, **body: Any) -> dict[str, Any]:
    return create(api, "people", "person", body)


def company(api: Api, **body: Any) -> dict[str, Any]:
    return create(api, "companies", "company", body)


def duplicates(api: Api, plural: str, body: Any, **params: str) -> list[dict[str, Any]]:
    r = api.post(f"/rest/{plural}/duplicates", json=body, params=params)
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert isinstance(data, list)
    return data  # type: ignore[no-any-return]


def ids_of(entry: dict[str, Any], key: str = "personDuplicates") -> list[str]:
    return [r["id"] for r in entry[key]]


# ---- person, by data --------------------------------------------------------------------------


def test_by_data_full_name_response_shape(api: Api) -> None:
    m = marker()
    a = person(api, name={"firstName": "Annabel", "lastName": m}, city="Lyon")
    b = person(api, name={"firstName": "Annabel", "lastName": m})
    person(api, name={"firstName": "Annabel", "lastName": m + "x"})  # other last name
    person(api, name={"firstName": "Bernadette", "lastName": m})  # other first name
    [entry] = duplicates(api, "people", {"data": [{"name": {"firstName": "Annabel", "lastName": m}}]})
    assert set(entry) == {"personDuplicates", "totalCount", "pageInfo"}
    expected = sorted([a["id"], b["id"]])
    assert ids_of(entry) == expected  # ordered by id
    assert entry["totalCount"] == 2
    assert entry["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": False,
        "startCursor": expected[0],
        "endCursor": expected[-1],
    }
    # full records, as find one renders them
    found = {r["id"]: r for r in entry["personDuplicates"]}
    r = api.get(f"/rest/people/{a['id']}")
    assert found[a["id"]] == r.json()["data"]["person"]


def test_by_data_every_column_of_a_group_must_match(api: Api) -> None:
    m = marker()
    person(api, name={"firstName": "Clementine", "lastName": m})
    [entry] = duplicates(api, "people", {"data": [{"name": {"firstName": "Clementine"}}]})
    assert entry["personDuplicates"] == [] and entry["totalCount"] == 0
    [entry] = duplicates(
        api, "people", {"data": [{"name": {"firstName": "Clementine", "lastName": m + "z"}}]}
    )
    assert entry["totalCount"] == 0
    assert entry["pageInfo"]["startCursor"] is None and entry["pageInfo"]["endCursor"] is None


def test_by_data_email_is_normalised(api: Api) -> None:
    m = marker()
    a = person(api, emails={"primaryEmail": f"dup.{m}@example.com"})
    [entry] = duplicates(api, "people", {"data": [{"emails": {"primaryEmail": f"  DUP.{m}@Example.COM "}}]})
    assert ids_of(entry) == [a["id"]]


def test_by_data_additional_emails_do_not_match(api: Api) -> None:
    m = marker()
    person(
        api, emails={"primaryEmail": f"main.{m}@example.com", "additionalEmails": [f"extra.{m}@example.com"]}
    )
    [entry] = duplicates(api, "people", {"data": [{"emails": {"primaryEmail": f"extra.{m}@example.com"}}]})
    assert entry["totalCount"] == 0


def test_by_data_linkedin_url_is_normalised(api: Api) -> None:
    m = marker() + "ab"  # letters, so that its upper case differs
    a = person(api, linkedinLink={"primaryLinkUrl": f"https://linkedin.com/in/{m}"})
    [entry] = duplicates(
        api, "people", {"data": [{"linkedinLink": {"primaryLinkUrl": f"HTTPS://LinkedIn.COM/in/{m}/"}}]}
    )
    assert ids_of(entry) == [a["id"]]
    # the path keeps its case
    [entry] = duplicates(
        api,
        "people",
        {"data": [{"linkedinLink": {"primaryLinkUrl": f"https://linkedin.com/in/{m.upper()}"}}]},
    )
    assert entry["totalCount"] == 0


def test_by_data_any_group_matches(api: Api) -> None:
    m = marker()
    by_name = person(api, name={"firstName": "Dorothea", "lastName": m})
    by_email = person(api, emails={"primaryEmail": f"any.{m}@example.com"})
    by_link = person(api, linkedinLink={"primaryLinkUrl": f"https://linkedin.com/in/any-{m}"})
    person(api, name={"firstName": "Dorothea", "lastName": m + "q"}, city=m)
    candidate = {
        "name": {"firstName": "Dorothea", "lastName": m},
        "emails": {"primaryEmail": f"any.{m}@example.com"},
        "linkedinLink": {"primaryLinkUrl": f"https://linkedin.com/in/any-{m}"},
        "city": "ignored",
    }
    [entry] = duplicates(api, "people", {"data": [candidate]})
    assert ids_of(entry) == sorted([by_name["id"], by_email["id"], by_link["id"]])
    assert entry["totalCount"] == 3


def test_by_data_a_record_matching_several_groups_counts_once(api: Api) -> None:
    m = marker()
    a = person(
        api, name={"firstName": "Euphemia", "lastName": m}, emails={"primaryEmail": f"once.{m}@example.com"}
    )
    [entry] = duplicates(
        api,
        "people",
        {
            "data": [
                {
                    "name": {"firstName": "Euphemia", "lastName": m},
                    "emails": {"primaryEmail": f"once.{m}@example.com"},
                }
            ]
        },
    )
    assert ids_of(entry) == [a["id"]] and entry["totalCount"] == 1


def test_short_values_are_ignored(api: Api) -> None:
    """Twenty's minLengthOfStringForDuplicateCheck: every value of a group needs 3 characters."""
    m = marker()
    person(api, name={"firstName": "Al", "lastName": m}, jobTitle=m)
    [entry] = duplicates(api, "people", {"data": [{"name": {"firstName": "Al", "lastName": m}}]})
    assert entry["totalCount"] == 0
    a = person(api, name={"firstName": "Ali", "lastName": m})
    [entry] = duplicates(api, "people", {"data": [{"name": {"firstName": "Ali", "lastName": m}}]})
    assert ids_of(entry) == [a["id"]]


def test_soft_deleted_records_are_not_duplicates(api: Api) -> None:
    m = marker()
    live = person(api, name={"firstName": "Frederica", "lastName": m})
    gone = person(api, name={"firstName": "Frederica", "lastName": m})
    r = api.delete(f"/rest/people/{gone['id']}", params={"soft_delete": "true"})
    assert r.status_code == 200, r.text
    [entry] = duplicates(api, "people", {"data": [{"name": {"firstName": "Frederica", "lastName": m}}]})
    assert ids_of(entry) == [live["id"]]


def test_by_data_one_entry_per_item_in_order(api: Api) -> None:
    m = marker()
    a = person(api, emails={"primaryEmail": f"first.{m}@example.com"})
    b = person(api, emails={"primaryEmail": f"second.{m}@example.com"})
    data = [
        {"emails": {"primaryEmail": f"second.{m}@example.com"}},
        {"city": "no criteria at all"},
        {"emails": {"primaryEmail": f"first.{m}@example.com"}},
        {"emails": {"primaryEmail": f"second.{m}@example.com"}},
    ]
    entries = duplicates(api, "people", {"data": data})
    assert [ids_of(e) for e in entries] == [[b["id"]], [], [a["id"]], [b["id"]]]
    assert [e["totalCount"] for e in entries] == [1, 0, 1, 1]


def test_by_data_with_an_id_excludes_that_record(api: Api) -> None:
    m = marker()
    a = person(api, name={"firstName": "Georgiana", "lastName": m})
    b = person(api, name={"firstName": "Georgiana", "lastName": m})
    [entry] = duplicates(
        api, "people", {"data": [{"id": a["id"], "name": {"firstName": "Georgiana", "lastName": m}}]}
    )
    assert ids_of(entry) == [b["id"]]


def test_at_most_200_duplicates_with_exact_total(api: Api) -> None:
    m = marker()
    rows = [{"name": {"firstName": "Henrietta", "lastName": m}} for _ in range(200)]
    r = api.post("/rest/batch/people", json=rows)
    assert r.status_code == 201, r.text
    person(api, name={"firstName": "Henrietta", "lastName": m})
    [entry] = duplicates(api, "people", {"data": [{"name": {"firstName": "Henrietta", "lastName": m}}]})
    assert entry["totalCount"] == 201
    assert len(entry["personDuplicates"]) == 200
    ids = ids_of(entry)
    assert ids == sorted(ids)
    assert entry["pageInfo"]["hasNextPage"] is False
    assert entry["pageInfo"]["startCursor"] == ids[0] and entry["pageInfo"]["endCursor"] == ids[-1]


# ---- person, by ids ---------------------------------------------------------------------------


def test_by_ids_excludes_the_record_itself(api: Api) -> None:
    m = marker()
    a = person(api, name={"firstName": "Isadora", "lastName": m})
    b = person(api, name={"firstName": "Isadora", "lastName": m})
    c = person(api, name={"firstName": "Isadora", "lastName": m})
    lone = person(api, name={"firstName": "Josephine", "lastName": m})
    entries = duplicates(api, "people", {"ids": [b["id"], lone["id"], a["id"]]})
    assert [ids_of(e) for e in entries] == [sorted([a["id"], c["id"]]), [], sorted([b["id"], c["id"]])]
    assert [e["totalCount"] for e in entries] == [2, 0, 2]


def test_by_ids_uses_every_criterion(api: Api) -> None:
    m = marker()
    a = person(
        api,
        name={"firstName": "Katharina", "lastName": m},
        emails={"primaryEmail": f"k.{m}@example.com"},
        linkedinLink={"primaryLinkUrl": f"https://linkedin.com/in/k-{m}"},
    )
    # (emails.primaryEmail is unique among live people: it can only match data candidates)
    same_name = person(
        api, name={"firstName": "Katharina", "lastName": m}, emails={"primaryEmail": f"k2.{m}@example.com"}
    )
    same_link = person(api, linkedinLink={"primaryLinkUrl": f"https://LINKEDIN.com/in/k-{m}/"})  # normalised
    gone = person(api, name={"firstName": "Katharina", "lastName": m})
    assert api.delete(f"/rest/people/{gone['id']}", params={"soft_delete": "true"}).status_code == 200
    [entry] = duplicates(api, "people", {"ids": [a["id"]]})
    assert ids_of(entry) == sorted([same_name["id"], same_link["id"]])


def test_by_ids_repeated_and_uppercase_ids(api: Api) -> None:
    m = marker()
    a = person(api, name={"firstName": "Leopoldine", "lastName": m})
    b = person(api, name={"firstName": "Leopoldine", "lastName": m})
    entries = duplicates(api, "people", {"ids": [a["id"].upper(), a["id"]]})
    assert [ids_of(e) for e in entries] == [[b["id"]], [b["id"]]]


def test_depth_1_embeds_relations(api: Api) -> None:
    m = marker()
    co = company(api, name=f"Depth {m}")
    a = person(api, name={"firstName": "Millicent", "lastName": m}, companyId=co["id"])
    b = person(api, name={"firstName": "Millicent", "lastName": m})
    [entry] = duplicates(api, "people", {"ids": [b["id"]]}, depth="1")
    [dup] = entry["personDuplicates"]
    assert dup["id"] == a["id"]
    assert dup["company"]["id"] == co["id"] and dup["company"]["name"] == f"Depth {m}"
    assert dup["noteTargets"] == []
    [entry] = duplicates(api, "people", {"ids": [b["id"]]})
    assert "company" not in entry["personDuplicates"][0]


def test_fields_projection(api: Api) -> None:
    m = marker()
    a = person(api, name={"firstName": "Nicoletta", "lastName": m}, city="Nice")
    person(api, name={"firstName": "Nicoletta", "lastName": m})
    [entry] = duplicates(
        api, "people", {"data": [{"name": {"firstName": "Nicoletta", "lastName": m}}]}, fields="city"
    )
    assert {"id": a["id"], "city": "Nice"} in entry["personDuplicates"]
    assert all(set(r) == {"id", "city"} for r in entry["personDuplicates"])


# ---- company ----------------------------------------------------------------------------------


def test_company_by_name_and_domain(api: Api) -> None:
    m = marker()
    by_name = company(api, name=f"Acme {m}")
    by_domain = company(api, name=f"Other {m}", domainName={"primaryLinkUrl": f"https://{m}.example.com"})
    company(api, name=f"acme {m}")  # matching is case-sensitive on names, as in Twenty
    [entry] = duplicates(
        api,
        "companies",
        {
            "data": [
                {"name": f"Acme {m}", "domainName": {"primaryLinkUrl": f"HTTPS://{m.upper()}.Example.com/"}}
            ]
        },
    )
    assert set(entry) == {"companyDuplicates", "totalCount", "pageInfo"}
    assert ids_of(entry, "companyDuplicates") == sorted([by_name["id"], by_domain["id"]])
    twin = company(api, name=f"Acme {m}")
    entries = duplicates(api, "companies", {"ids": [by_name["id"], twin["id"], by_domain["id"]]})
    assert [ids_of(e, "companyDuplicates") for e in entries] == [[twin["id"]], [by_name["id"]], []]


# ---- one statement whatever the number of inputs -------------------------------------------------


@pytest.mark.parametrize("mode", ["data", "ids"])
def test_statement_count_does_not_grow_with_inputs(api: Api, mode: str) -> None:
    m = marker()
    people = [person(api, name={"firstName": "Ottoline", "lastName": f"{m}{i}"}) for i in range(12)]
    for p in people:
        person(api, name={"firstName": "Ottoline", "lastName": p["name"]["lastName"]})

    def body(n: int) -> dict[str, Any]:
        if mode == "ids":
            return {"ids": [p["id"] for p in people[:n]]}
        return {"data": [{"name": p["name"]} for p in people[:n]]}

    def statements(n: int) -> int:
        before = Stats.statements
        entries = duplicates(api, "people", body(n), depth="1")
        assert len(entries) == n and all(e["totalCount"] >= 1 for e in entries)
        return Stats.statements - before

    statements(1)  # warm caches
    assert statements(12) == statements(1) == statements(5)


# ---- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({}, "INVALID_BODY", 'You have to provide either "data" or "ids" argument'),
        ({"data": None, "ids": None}, "INVALID_BODY", 'You have to provide either "data" or "ids" argument'),
        ({"data": [], "ids": []}, "INVALID_BODY", 'You cannot provide both "data" and "ids" arguments'),
        (
            {"data": [{"city": "x"}], "ids": [str(uuid.uuid4())]},
            "INVALID_BODY",
            'You cannot provide both "data" and "ids" arguments',
        ),
        ({"data": []}, "INVALID_BODY", 'The "data" condition can not be empty when "ids" input not provided'),
        ({"data": {"city": "x"}}, "INVALID_BODY", None),
        ({"ids": "not-a-list"}, "INVALID_BODY", None),
        ({"ids": ["not-a-uuid"]}, "INVALID_UUID", "'not-a-uuid' is not a valid UUID"),
        ({"ids": [42]}, "INVALID_UUID", None),
        ({"data": [{"city": "x"}], "limit": 3}, "INVALID_BODY", None),
        ([{"city": "x"}], "INVALID_BODY", None),
        ({"data": [{"nope": 1}]}, "UNKNOWN_FIELD", None),
        ({"data": ["text"]}, "INVALID_BODY", None),
        ({"data": [{"emails": {"primaryEmail": 12}}]}, "VALIDATION_ERROR", None),
    ],
)
def test_errors(api: Api, body: Any, code: str, message: str | None) -> None:
    err = assert_error(api.post("/rest/people/duplicates", json=body), 400, code)
    if message is not None:
        assert err["error"]["message"] == message


def test_empty_ids_is_an_empty_answer(api: Api) -> None:
    r = api.post("/rest/people/duplicates", json={"ids": []})
    assert r.status_code == 200, r.text
    assert r.json() == {"data": []}


def test_unknown_or_deleted_ids_are_not_found(api: Api) -> None:
    m = marker()
    a = person(api, name={"firstName": "Philippa", "lastName": m})
    missing = str(uuid.uuid4())
    body = assert_error(
        api.post("/rest/people/duplicates", json={"ids": [a["id"], missing]}), 404, "RECORD_NOT_FOUND"
    )
    assert body["error"]["details"]["ids"] == [missing]
    assert api.delete(f"/rest/people/{a['id']}", params={"soft_delete": "true"}).status_code == 200
    assert_error(api.post("/rest/people/duplicates", json={"ids": [a["id"]]}), 404, "RECORD_NOT_FOUND")


def test_invalid_json_and_empty_body(api: Api) -> None:
    headers = {"Content-Type": "application/json"}
    assert_error(api.post("/rest/people/duplicates", content=b"{nope", headers=headers), 400, "INVALID_JSON")
    assert_error(api.post("/rest/people/duplicates", content=b"", headers=headers), 400, "INVALID_BODY")


def test_too_many_inputs(api: Api) -> None:
    body = {"data": [{"city": "x"}] * 201}
    assert_error(api.post("/rest/people/duplicates", json=body), 400, "BATCH_TOO_LARGE")


@pytest.mark.parametrize("plural", ["notes", "opportunities", "favorites"])
def test_objects_without_criteria(api: Api, plural: str) -> None:
    body = assert_error(
        api.post(f"/rest/{plural}/duplicates", json={"ids": []}), 400, "NO_DUPLICATE_CRITERIA"
    )
    assert "duplicate criteria" in body["error"]["message"]


def test_bad_query_parameters_and_method(api: Api) -> None:
    body = {"data": [{"city": "x"}]}
    assert_error(api.post("/rest/people/duplicates", json=body, params={"depth": "3"}), 400, "INVALID_DEPTH")
    assert_error(
        api.post("/rest/people/duplicates", json=body, params={"limit": "3"}), 400, "UNKNOWN_PARAMETER"
    )
    assert_error(api.get("/rest/people/duplicates"), 405, "METHOD_NOT_ALLOWED")
