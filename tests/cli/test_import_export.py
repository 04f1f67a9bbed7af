"""``vingt import`` and ``vingt export`` (docs/import-export.md), in process through
``vingt.cli.main``, on SQLite and PostgreSQL: the round trip is identical, bad rows are reported
and the good ones kept, ``--dry-run`` writes nothing, ``--match`` makes a second import a no-op,
Twenty's labels are read as headers and relations found by a unique field of their target."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import orjson
import pytest

from conftest import make_workspace, with_db
from vingt.cli import main
from vingt.db.database import Database
from vingt.db.system_queries import load_events
from vingt.engine.query import Page, Query
from vingt.sql.dialect import dialect_for
from vingt.workspace_engine import workspace_engine


def create(url: str, workspace: str, obj: str, payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    async def run(db: Database) -> list[dict[str, Any]]:
        engine = await workspace_engine(db, workspace, source="API")
        out = await engine.create(engine.catalog.object(obj), payloads, upsert=False, depth=0, fields=None)
        return [orjson.loads(r) for r in out]

    return with_db(url, run)  # type: ignore[no-any-return]


def records(url: str, workspace: str, obj: str) -> list[dict[str, Any]]:
    async def run(db: Database) -> list[str]:
        engine = await workspace_engine(db, workspace)
        return (await engine.run(Query(obj, page=Page(first=1000)))).records

    return [orjson.loads(r) for r in with_db(url, run)]


def events(url: str, workspace: str) -> list[dict[str, Any]]:
    return with_db(url, lambda db: load_events(db, dialect_for(db.kind), workspace))  # type: ignore[no-any-return]


def vingt(url: str, *args: str) -> int:
    return main([*args, "--database", url])


def summary(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """The JSON summary ``vingt import`` printed last."""
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    return orjson.loads(lines[-1])  # type: ignore[no-any-return]


def seed(url: str, workspace: str) -> None:
    """Companies, people and opportunities with values of every kind a cell has to carry."""
    acme, globex = create(url, workspace, "company", [
        {"name": '=Acme, "Inc"\nLtd', "domainName": {"primaryLinkUrl": "https://acme.com"}, "employees": 12,
         "annualRecurringRevenue": {"amountMicros": 1_500_000_000, "currencyCode": "EUR"},
         "address": {"addressCity": "Paris", "addressLat": 48.8566, "addressLng": 2.3522}, "idealCustomerProfile": True},
        {"name": "Globex", "domainName": {"primaryLinkUrl": "https://globex.com",
                                          "secondaryLinks": [{"url": "https://globex.org", "label": "org"}]}},
    ])
    people = create(url, workspace, "person", [
        {"name": {"firstName": "Ada", "lastName": "-Lovelace"}, "city": "Paris", "companyId": acme["id"],
         "emails": {"primaryEmail": "ada@acme.com", "additionalEmails": ["ada@home.org"]},
         "phones": {"primaryPhoneNumber": "612345678", "primaryPhoneCallingCode": "+33",
                    "additionalPhones": [{"number": "1", "countryCode": "FR", "callingCode": "+33"}]}},
        {"name": {"firstName": "Grace", "lastName": "Hopper"}, "jobTitle": "Rear admiral, \"Amazing\"",
         "city": "Arlington", "companyId": globex["id"], "emails": {"primaryEmail": "grace@globex.com"}},
        {"name": {"firstName": "Émile"}, "city": "\u200dLyon"},
    ])
    create(url, workspace, "opportunity", [
        {"name": "Big deal", "amount": {"amountMicros": 1234567890123, "currencyCode": "USD"},
         "closeDate": "2025-03-04T05:06:07.089Z", "stage": "PROPOSAL", "companyId": acme["id"],
         "pointOfContactId": people[0]["id"]},
        {"name": "Small deal"},
    ])


def test_round_trip_is_identical(database_url: str, tmp_path: Path) -> None:
    source, target = make_workspace(database_url).id, make_workspace(database_url).id
    seed(database_url, source)
    for obj, fmt in (("companies", "csv"), ("people", "csv"), ("opportunities", "csv"), ("people", "jsonl")):
        first, second = tmp_path / f"{obj}.{fmt}", tmp_path / f"{obj}.again.{fmt}"
        assert vingt(database_url, "export", obj, "--workspace", source, "--format", fmt, "-o", str(first)) == 0
        if fmt == "csv":
            assert vingt(database_url, "import", obj, str(first), "--workspace", target) == 0
        else:  # the people are there already: the JSON lines import into a third workspace
            third = make_workspace(database_url).id
            assert vingt(database_url, "import", "companies", str(tmp_path / "companies.csv"), "--workspace", third) == 0
            assert vingt(database_url, "import", obj, str(first), "--workspace", third) == 0
            target = third
        assert vingt(database_url, "export", obj, "--workspace", target, "--format", fmt, "-o", str(second)) == 0
        assert second.read_bytes() == first.read_bytes(), obj
    rows = list(csv.DictReader((tmp_path / "companies.csv").open(encoding="utf-8")))
    acme = next(r for r in rows if r["domainName.primaryLinkUrl"] == "https://acme.com")
    assert acme["name"] == '\u200d=Acme, "Inc"\nLtd'  # formula-protected as Twenty does, read back without it
    assert acme["annualRecurringRevenue.amountMicros"] == "1500000000"
    assert acme["idealCustomerProfile"] == "true"
    assert [p["name"]["firstName"] for p in records(database_url, target, "person") if p["city"] == "\u200dLyon"] == ["Émile"]


def test_export_filter_and_stdout(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    workspace = make_workspace(database_url).id
    seed(database_url, workspace)
    capsys.readouterr()
    assert vingt(database_url, "export", "people", "--workspace", workspace, "--filter", "city[eq]:Paris") == 0
    out = capsys.readouterr().out
    rows = list(csv.DictReader(out.splitlines()))
    assert [r["name.firstName"] for r in rows] == ["Ada"]  # and nothing but the CSV on standard output
    assert vingt(database_url, "export", "people", "--workspace", workspace, "--filter", "nope[eq]:1") == 2


def bad_file(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    path.write_text(
        "name.firstName,emails.primaryEmail,company.domainName,createdAt\n"
        "Ann,ann@example.com,acme.com,\n"  # 2: good, linked by the company's domain
        "Bad date,bad@example.com,,yesterday\n"  # 3: not a date-time
        '"Bo\nB",bo@example.com,HTTPS://ACME.COM/,2024-01-02T03:04:05.000Z\n'  # 4-5: good, the URL normalised
        "Nobody,nobody@example.com,nowhere.com,\n"  # 6: no such company
        "Taken,ada@acme.com,,\n"  # 7: the email is another person's
        "Cy,cy@example.com,,\n",  # 8: good
        encoding="utf-8",
    )
    return path


def test_bad_rows_are_reported_and_good_ones_kept(database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    workspace = make_workspace(database_url).id
    seed(database_url, workspace)
    acme = next(c for c in records(database_url, workspace, "company") if c["domainName"]["primaryLinkUrl"] == "https://acme.com")
    before, seen = len(records(database_url, workspace, "person")), len(events(database_url, workspace))
    path = bad_file(tmp_path)
    capsys.readouterr()
    assert vingt(database_url, "import", "people", str(path), "--workspace", workspace) == 1
    assert summary(capsys) | {"seconds": 0, "rowsPerSecond": 0} == {
        "object": "person", "rows": 6, "accepted": 3, "rejected": 3, "dryRun": False,
        "report": str(tmp_path / "people.rejected.csv"), "seconds": 0, "rowsPerSecond": 0,
    }
    report = list(csv.DictReader((tmp_path / "people.rejected.csv").open(encoding="utf-8")))
    assert [(r["line"], r["field"], r["code"]) for r in report] == [
        ("3", "createdAt", "VALIDATION_ERROR"),
        ("6", "company.domainName", "RELATION_TARGET_NOT_FOUND"),
        ("7", "emails.primaryEmail", "UNIQUE_VIOLATION"),
    ]
    assert "nowhere.com" in report[1]["reason"] and report[0]["reason"]
    people = {p["emails"]["primaryEmail"]: p for p in records(database_url, workspace, "person")}
    assert len(people) == before + 3
    assert people["ann@example.com"]["companyId"] == acme["id"]
    assert people["bo@example.com"]["companyId"] == acme["id"]
    assert people["bo@example.com"]["name"]["firstName"] == "Bo\nB"
    assert people["bo@example.com"]["createdAt"] == "2024-01-02T03:04:05.000Z"
    assert people["cy@example.com"]["createdBy"]["source"] == "IMPORT"
    new = events(database_url, workspace)[seen:]
    assert sorted((e["action"], e["recordId"]) for e in new if e["objectName"] == "person") == sorted(
        ("created", people[m]["id"]) for m in ("ann@example.com", "bo@example.com", "cy@example.com")
    )
    # a rerun with every row fixed removes the stale report
    path.write_text("name.firstName,emails.primaryEmail\nDee,dee@example.com\n", encoding="utf-8")
    assert vingt(database_url, "import", "people", str(path), "--workspace", workspace) == 0
    assert not (tmp_path / "people.rejected.csv").exists()


def test_dry_run_writes_nothing(database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    workspace = make_workspace(database_url).id
    seed(database_url, workspace)
    before, seen = records(database_url, workspace, "person"), len(events(database_url, workspace))
    capsys.readouterr()
    assert vingt(database_url, "import", "people", str(bad_file(tmp_path)), "--workspace", workspace, "--dry-run") == 1
    result = summary(capsys)
    assert (result["accepted"], result["rejected"], result["dryRun"]) == (3, 3, True)
    assert records(database_url, workspace, "person") == before
    assert len(events(database_url, workspace)) == seen


def test_match_makes_a_second_import_a_no_op(database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    workspace = make_workspace(database_url).id
    path = tmp_path / "people.csv"
    path.write_text(
        "name.firstName,name.lastName,emails.primaryEmail,city\n"
        + "".join(f"P{n},L{n},p{n}@example.com,City {n % 3}\n" for n in range(250)),
        encoding="utf-8",
    )
    args = ("import", "people", str(path), "--workspace", workspace, "--match", "emails.primaryEmail")
    assert vingt(database_url, *args) == 0
    first, seen = records(database_url, workspace, "person"), len(events(database_url, workspace))
    assert len(first) == 250 and seen == 250
    capsys.readouterr()
    assert vingt(database_url, *args) == 0
    assert summary(capsys)["accepted"] == 250
    again = records(database_url, workspace, "person")
    assert len(events(database_url, workspace)) == seen
    strip = {"updatedAt", "updatedBy"}
    assert [{k: v for k, v in r.items() if k not in strip} for r in again] == [
        {k: v for k, v in r.items() if k not in strip} for r in first
    ]
    # a changed row is an update of the record it matches, not a new record
    path.write_text("emails.primaryEmail,city\np7@example.com,Elsewhere\n", encoding="utf-8")
    assert vingt(database_url, *args) == 0
    now = records(database_url, workspace, "person")
    assert len(now) == 250 and [p["city"] for p in now if p["emails"]["primaryEmail"] == "p7@example.com"] == ["Elsewhere"]
    assert [e["action"] for e in events(database_url, workspace)[seen:]] == ["updated"]


def test_twenty_labels_as_headers(database_url: str, tmp_path: Path) -> None:
    workspace = make_workspace(database_url).id
    (company,) = create(database_url, workspace, "company", [{"name": "Acme"}])
    people = tmp_path / "people.csv"
    people.write_text(
        "\ufeffId,Name / First Name,Name / Last Name,Emails / Primary Email,Emails / Additional Emails,"
        "Company Id,Created by / Source,Created by / Name,Last update,Job Title\n"
        f"0b0c6a52-8b0e-4c2e-9a57-2f1d0c8c1a01,Ada,\u200d-L,ada@example.com,\"[\"\"ada@home.org\"\"]\",{company['id']},"
        "MANUAL,Someone,2024-01-01T00:00:00.000Z,Countess\n",
        encoding="utf-8",
    )
    assert vingt(database_url, "import", "people", str(people), "--workspace", workspace) == 0
    (ada,) = records(database_url, workspace, "person")
    assert ada["id"] == "0b0c6a52-8b0e-4c2e-9a57-2f1d0c8c1a01"
    assert ada["name"] == {"firstName": "Ada", "lastName": "-L"}
    assert ada["emails"] == {"primaryEmail": "ada@example.com", "additionalEmails": ["ada@home.org"]}
    assert (ada["companyId"], ada["jobTitle"], ada["createdBy"]["source"]) == (company["id"], "Countess", "MANUAL")
    deals = tmp_path / "opportunities.csv"
    deals.write_text("Name,Amount / Amount,Amount / Currency,Stage\nDeal,1.5,EUR,MEETING\n", encoding="utf-8")
    assert vingt(database_url, "import", "opportunities", str(deals), "--workspace", workspace) == 0
    (deal,) = records(database_url, workspace, "opportunity")
    assert deal["amount"] == {"amountMicros": 1500000, "currencyCode": "EUR"}  # Twenty's export writes units
    assert deal["stage"] == "MEETING"


def test_unknown_columns_write_nothing(database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    workspace = make_workspace(database_url).id
    path = tmp_path / "people.csv"
    path.write_text("name.firstName,shoeSize\nAda,38\n", encoding="utf-8")
    assert vingt(database_url, "import", "people", str(path), "--workspace", workspace) == 2
    assert "'shoeSize'" in capsys.readouterr().err
    assert vingt(database_url, "import", "people", str(path), "--workspace", workspace, "--match", "city") == 2
    assert records(database_url, workspace, "person") == []
