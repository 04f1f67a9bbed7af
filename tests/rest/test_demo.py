"""Demo data (vingt/demo.py, docs/demo.md): the small data set written through the engine, read
back through the REST API; the same records in every fresh workspace; a second seed adds
nothing; ``vingt seed`` on the command line."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import pytest

from conftest import Api, Workspace, make_workspace
from vingt.cli import main
from vingt.db.database import open_database
from vingt.db.url import parse_database_url
from vingt.demo import NAMESPACE, SeedResult, generate, record_id, seed
from vingt.engine.writes import MAX_BATCH

TODAY = dt.date(2026, 3, 2)
SMALL = {"companies": 20, "people": 60, "opportunities": 30, "notes": 30, "tasks": 30, "activities": 30}
TARGETS = {"notes": "noteTargets", "tasks": "taskTargets", "activities": "activityTargets"}


def run_seed(database_url: str, workspace_id: str, size: str = "small") -> SeedResult:
    async def run() -> SeedResult:
        db = open_database(parse_database_url(database_url))
        await db.start()
        try:
            return await seed(db, workspace_id, size, today=TODAY)
        finally:
            await db.close()

    return asyncio.run(run())


def records(api: Api, plural: str) -> list[dict[str, Any]]:
    order = "id" if plural.endswith("Targets") else "position"  # the junctions have no position
    r = api.get(f"/rest/{plural}", params={"limit": "100", "order_by": order})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["totalCount"] <= 100
    return list(body["data"][plural])


@pytest.fixture(scope="module")
def seeded(database_url: str, workspace: Workspace) -> SeedResult:
    return run_seed(database_url, workspace.id)


def test_the_small_seed_gives_the_expected_records(api: Api, seeded: SeedResult) -> None:
    assert not seeded.already
    assert {k: v for k, v in seeded.counts.items() if k in SMALL} == SMALL
    for plural, count in seeded.counts.items():
        assert len(records(api, plural)) == count, plural
    sources = {(r["createdBy"]["source"], r["createdBy"]["name"]) for r in records(api, "people")}
    assert sources == {("IMPORT", "Demo data")}


def test_people_work_at_existing_companies_and_every_company_has_people(api: Api, seeded: SeedResult) -> None:
    companies = {c["id"]: c for c in records(api, "companies")}
    people = records(api, "people")
    employed = [p for p in people if p["companyId"] is not None]
    assert len(employed) >= 50
    assert {p["companyId"] for p in employed} == set(companies)
    for p in people:
        assert p["name"]["firstName"] and p["name"]["lastName"] and p["jobTitle"] and p["city"]
        assert p["phones"]["primaryPhoneNumber"].isdigit() and p["phones"]["primaryPhoneCallingCode"].startswith("+")
        assert p["linkedinLink"]["primaryLinkUrl"].startswith("https://www.linkedin.com/in/")
    for p in employed:
        domain = companies[p["companyId"]]["domainName"]["primaryLinkUrl"].removeprefix("https://")
        assert p["emails"]["primaryEmail"].endswith("@" + domain), p
    assert len({p["emails"]["primaryEmail"] for p in people}) == len(people)
    for c in companies.values():
        assert c["name"] and c["address"]["addressCity"] and c["address"]["addressCountry"]
        assert c["employees"] > 0


def test_opportunities_span_the_stages_with_amounts_and_contacts(api: Api, seeded: SeedResult) -> None:
    people = {p["id"]: p for p in records(api, "people")}
    companies = {c["id"] for c in records(api, "companies")}
    opportunities = records(api, "opportunities")
    assert len({o["stage"] for o in opportunities}) >= 4
    for o in opportunities:
        assert o["companyId"] in companies
        assert o["amount"]["amountMicros"] > 0 and o["amount"]["currencyCode"] in {"USD", "EUR", "GBP", "CAD"}
        assert o["closeDate"] is not None
        if o["pointOfContactId"] is not None:
            assert people[o["pointOfContactId"]]["companyId"] == o["companyId"]
        if o["stage"] == "CUSTOMER":  # won deals closed before the day of the seed
            assert o["closeDate"] < TODAY.isoformat()
    assert sum(o["pointOfContactId"] is not None for o in opportunities) >= 25


def test_every_note_task_and_activity_is_attached(api: Api, seeded: SeedResult) -> None:
    live = {f"target{cap}Id": {r["id"] for r in records(api, plural)}
            for cap, plural in (("Person", "people"), ("Company", "companies"), ("Opportunity", "opportunities"))}
    for plural, junction in TARGETS.items():
        singular = {"notes": "note", "tasks": "task", "activities": "activity"}[plural]
        items = {r["id"]: r for r in records(api, plural)}
        attached: dict[str, set[str]] = {}
        for t in records(api, junction):
            columns = [c for c in live if t[c] is not None]
            assert len(columns) == 1, t
            assert t[columns[0]] in live[columns[0]], t
            attached.setdefault(t[f"{singular}Id"], set()).add(columns[0])
        assert set(attached) == set(items), plural
        assert all("targetPersonId" in kinds for kinds in attached.values())
        assert any("targetOpportunityId" in kinds for kinds in attached.values())
        for r in items.values():
            assert r["title"] and r["bodyV2"]["markdown"] and r["bodyV2"]["blocknote"].startswith("[")
    tasks = records(api, "tasks")
    assert {t["status"] for t in tasks} == {"TODO", "IN_PROGRESS", "DONE"}
    assert len({a["type"] for a in records(api, "activities")}) >= 3


def test_the_timeline_shows_the_seeded_records_and_their_notes(api: Api, seeded: SeedResult) -> None:
    [target] = [t for t in records(api, "noteTargets") if t["targetPersonId"]][:1]
    r = api.get("/rest/timelineActivities",
                params={"filter": f"targetPersonId[eq]:{target['targetPersonId']}", "limit": "100"})
    assert r.status_code == 200, r.text
    entries = r.json()["data"]["timelineActivities"]
    names = {e["name"] for e in entries}
    assert "person.created" in names and "linked-note.created" in names
    linked = [e for e in entries if e["name"] == "linked-note.created"]
    assert target["noteId"] in {e["linkedRecordId"] for e in linked}


def test_two_fresh_workspaces_get_the_same_records(api: Api, seeded: SeedResult, app_client: Any,
                                                   database_url: str) -> None:
    other = make_workspace(database_url, "Other")
    assert run_seed(database_url, other.id).counts == seeded.counts
    other_api = Api(app_client, other.token)

    def stable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in r.items() if k not in ("createdAt", "updatedAt")} for r in rows]

    for plural in seeded.counts:
        mine = stable(records(api, plural))
        assert mine == stable(records(other_api, plural)), plural
    assert records(api, "companies")[0]["id"] == record_id("company", 0)


def test_a_second_seed_adds_nothing(api: Api, seeded: SeedResult, database_url: str, workspace: Workspace) -> None:
    again = run_seed(database_url, workspace.id, "medium")
    assert again.already and again.counts == {}
    assert api.get("/rest/people").json()["totalCount"] == 60
    assert api.get("/rest/companies").json()["totalCount"] == 20


def test_vingt_seed_command(database_url: str, capsys: pytest.CaptureFixture[str], app_client: Any) -> None:
    fresh = make_workspace(database_url, "Command")
    assert main(["seed", "--workspace", fresh.id, "--database", database_url]) == 0
    out, err = capsys.readouterr()
    assert out == (f"Added demo data to workspace {fresh.id}: 20 companies, 60 people, 30 opportunities, "
                   "30 notes, 30 tasks, 30 activities.\n")
    assert err == ""  # no progress bar where stderr is not a terminal
    assert Api(app_client, fresh.token).get("/rest/opportunities").json()["totalCount"] == 30

    assert main(["seed", "--workspace", fresh.id, "--database", database_url]) == 0
    assert capsys.readouterr().out == f"Workspace {fresh.id} already holds the demo data: nothing added.\n"

    missing = str(uuid.uuid4())
    assert main(["seed", "--workspace", missing, "--database", database_url]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err == f"error: no workspace {missing}\n"


def test_the_sizes_shape_without_writing() -> None:
    small = generate("small", TODAY)
    assert generate("small", TODAY).counts() == small.counts()
    assert [list(b) for b in generate("small", TODAY).batches()] == [list(b) for b in small.batches()]
    medium = generate("medium", TODAY)
    assert medium.counts()["people"] == 10_000 and medium.counts()["companies"] == 3_333
    assert len({p.email for p in medium.people}) == 10_000
    assert len({c.domain for c in medium.companies}) == 3_333
    assert all(len(batch) <= MAX_BATCH for _plural, batch in small.batches())
    assert record_id("person", 7) == str(uuid.uuid5(NAMESPACE, "person:7"))
