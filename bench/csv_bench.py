"""Throughput of ``vingt import`` and ``vingt export``: 100,000 people on SQLite (or
PostgreSQL with ``--database``), through the engine (events and timeline entries included).

    .venv/bin/python bench/csv_bench.py [--rows 100000] [--database URL] [--profile]

Generates a CSV of people (names, emails, some additional emails, phones, a city, a job title),
imports it into a new workspace, exports the workspace again and prints rows/s of each step.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import csv
import io
import pstats
import random
import tempfile
import time
from pathlib import Path

from vingt.csvio.exporter import export_records
from vingt.csvio.importer import import_file
from vingt.db.database import open_database
from vingt.db.migrate import upgrade
from vingt.db.url import parse_database_url
from vingt.workspace_engine import workspace_engine
from vingt.workspaces import create_workspace

FIRST = ["Ada", "Alan", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "John"]
LAST = ["Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Thompson", "Liskov", "Ritchie", "Allen", ""]
CITIES = ["Paris", "Lyon", "Berlin", "London", "Madrid", "Rome", "Lisbon", "Oslo"]


def generate(path: Path, rows: int) -> None:
    rng = random.Random(20)
    with path.open("w", newline="", encoding="utf-8") as out:
        w = csv.writer(out)
        w.writerow(["name.firstName", "name.lastName", "emails.primaryEmail", "emails.additionalEmails",
                    "phones.primaryPhoneNumber", "phones.primaryPhoneCallingCode", "city", "jobTitle"])
        for n in range(rows):
            extra = f'["alt{n}@example.org"]' if n % 7 == 0 else ""
            w.writerow([rng.choice(FIRST), rng.choice(LAST), f"person{n}@example.com", extra,
                        f"6{n:08d}", "+33", rng.choice(CITIES), f"Engineer {n % 50}"])


async def run(url: str, rows: int, profile: bool) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="vingt-csv-bench-"))
    source = tmp / "people.csv"
    generate(source, rows)
    db = open_database(parse_database_url(url))
    await db.start()
    try:
        workspace_id, _key = await create_workspace(db, "CSV bench")
        engine = await workspace_engine(db, workspace_id)
        people = engine.catalog.object("person")
        prof = cProfile.Profile() if profile else None
        started = time.perf_counter()
        if prof:
            prof.enable()
        report = await import_file(engine, people, source)
        if prof:
            prof.disable()
        took = time.perf_counter() - started
        assert report.accepted == rows and not report.rejected, report.summary(people, False)
        print(f"import: {rows} people in {took:.2f} s = {rows / took:,.0f} rows/s")
        if prof:
            pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
        out = io.StringIO()
        started = time.perf_counter()
        written = await export_records(engine, people, out)
        took = time.perf_counter() - started
        assert written == rows
        print(f"export: {written} people in {took:.2f} s = {written / took:,.0f} rows/s ({len(out.getvalue()):,} bytes)")
    finally:
        await db.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--database", help="a database URL (default: a new SQLite file)")
    p.add_argument("--profile", action="store_true", help="print where the import spends its time")
    args = p.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp(prefix='vingt-csv-bench-db-')}/bench.db"
    upgrade(parse_database_url(url))
    asyncio.run(run(url, args.rows, args.profile))


if __name__ == "__main__":
    main()
