"""What a batch of events costs the dispatcher, on each database: a fan-out is the same few
statements whatever the number of events it takes, and each batch of attempts is recorded by the
same few more (``db/deliveries.py``). The dispatcher runs in the test's process (its turns driven
by hand, its statements counted by ``Stats``), the receiver on loopback."""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import Iterator

import orjson
import pytest

from conftest import pg_database, with_db
from vingt.db import deliveries, system_queries
from vingt.db.database import Database, Stats
from vingt.db.migrate import upgrade
from vingt.db.url import parse_database_url
from vingt.db.webhooks import WebhookStore
from vingt.settings import Settings
from vingt.sql.dialect import dialect_for, iso_ms
from vingt.webhooks import dispatcher as dispatching
from vingt.workspaces import create_workspace
from webhook_receiver import Receiver

pytestmark = pytest.mark.e2e

FAN_OUT_STATEMENTS = 4  # the turn and the claim, the live webhooks, the deliveries, the events marked
PLANNER = {"sqlite": 0, "postgresql": 1}  # the claim's index-scan setting (PostgreSQL), once per fan-out
# per batch of attempts: the attempts and the states (SQLite); the commit mode and the one
# statement of both (PostgreSQL)
PER_BATCH = 2


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        found = f"sqlite:///{tmp_path_factory.mktemp('batches') / 'b.db'}"
        upgrade(parse_database_url(found))
        yield found
        return
    with pg_database("vingt_batches") as found:
        upgrade(parse_database_url(found))
        yield found


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture(scope="module")
def workspace_id(url: str, receiver: Receiver) -> str:
    """A workspace with two webhooks (``*.*``) to the receiver."""
    async def run(db: Database) -> str:
        dialect = dialect_for(db.kind)
        found, _key = await create_workspace(db, "Batches")
        store = WebhookStore(db, dialect, found)
        for path in ("/one", "/two"):
            await store.insert({"id": str(uuid.uuid4()), "workspaceId": found, "targetUrl": receiver.url(path),
                                "operations": ["*.*"], "description": None, "secret": "s", "createdAt": "t",
                                "updatedAt": "t", "deletedAt": None})
        return found

    return with_db(url, run)  # type: ignore[no-any-return]


def event_rows(workspace_id: str, n: int) -> list[tuple[object, ...]]:
    rows = []
    for i in range(n):
        record = {"id": str(uuid.uuid4()), "jobTitle": f"job {i}", "position": float(i)}
        rows.append((str(uuid.uuid4()), workspace_id, "om", "person", record["id"], "created", None,
                     orjson.dumps(record).decode(), None, None, None, "2025-01-01T00:00:00.000Z"))
    return rows


@pytest.mark.parametrize("events", [3, 100])
def test_a_fan_out_and_its_attempts_cost_statements_per_batch_not_per_event(
    url: str, receiver: Receiver, workspace_id: str, events: int
) -> None:
    rows = event_rows(workspace_id, events)

    async def run(db: Database) -> tuple[int, list[tuple[object, ...]]]:
        dialect = dialect_for(db.kind)
        async with db.transaction() as conn:
            await system_queries.insert_events(conn, dialect, rows)
        d = dispatching.Dispatcher(db, dialect, Settings(database_url=url, webhook_allow_private_targets=True))
        before = Stats.statements
        assert await d.fan_out() == events  # every event written: none was waiting before
        await asyncio.wait(d._batches)
        spent = Stats.statements - before
        await d.stop()
        ids = ", ".join(f"'{r[0]}'" for r in rows)
        recorded = await db.fetch(
            'SELECT d."status", d."attempts", (SELECT count(*) FROM "webhookAttempt" a WHERE a."deliveryId" = d."id") '
            f'FROM "webhookDelivery" d WHERE d."eventId" IN ({ids})'
        )
        return spent, [tuple(r) for r in recorded]

    kind = "postgresql" if url.startswith("postgresql") else "sqlite"
    spent, recorded = with_db(url, run)
    batches = math.ceil(2 * events / dispatching.SEND_BATCH)  # every delivery is sent at once: there is room
    assert spent == FAN_OUT_STATEMENTS + PLANNER[kind] + batches * PER_BATCH
    assert len(recorded) == 2 * events
    assert set(recorded) == {("succeeded", 1, 1)}  # each recorded, with its one attempt
    sent = {r[0] for r in rows}
    for path in ("/one", "/two"):
        got = [r.event_id for r in receiver.at(path) if r.event_id in sent]
        assert sorted(got) == sorted(sent)  # each event once per webhook


def test_a_lease_left_by_a_dead_process_gives_its_deliveries_back(
    url: str, receiver: Receiver, workspace_id: str
) -> None:
    """The deliveries a fan-out sends at once are leased: on PostgreSQL they are written only with
    their first attempt, their batch's lease standing for them until then; SQLite writes them at
    fan-out, due when the lease expires. A process that dies before recording them (here: its
    batches cancelled before they ran) leaves the lease, and once it has expired the next claim
    gives them back pending and due, each once, whichever process claims first."""
    once = url.startswith("postgresql")
    rows = event_rows(workspace_id, 3)
    ids = ", ".join(f"'{r[0]}'" for r in rows)

    async def run(db: Database) -> None:
        dialect = dialect_for(db.kind)
        async with db.transaction() as conn:
            await system_queries.insert_events(conn, dialect, rows)
        d = dispatching.Dispatcher(db, dialect, Settings(database_url=url, webhook_allow_private_targets=True))
        assert await d.fan_out() == 3
        for task in d._batches:
            task.cancel()  # the process dies: nothing sent, nothing recorded
        await asyncio.wait(d._batches)
        written = f'SELECT count(*) FROM "webhookDelivery" WHERE "eventId" IN ({ids})'
        assert await db.fetch(written) == [(0 if once else 6,)]
        assert await db.fetch('SELECT count(*) FROM "webhookLease"') == [(1 if once else 0,)]

        now = dispatching.now_utc()
        async with db.transaction() as conn:  # before the lease expires: nothing is due
            assert [x for x in await deliveries.claim_due(conn, dialect, iso_ms(now), iso_ms(now), 50)
                    if x.event_id in {r[0] for r in rows}] == []
        later = now + 2 * d.lease
        async with db.transaction() as conn:
            due = await deliveries.claim_due(conn, dialect, iso_ms(later), iso_ms(later + d.lease), 50)
        mine = [x for x in due if x.event_id in {r[0] for r in rows}]
        assert len(mine) == 6 and {(x.status, x.attempts) for x in mine} == {("pending", 0)}
        assert len({(x.event_id, x.webhook_id) for x in mine}) == 6
        async with db.transaction() as conn:  # a second claim (another process) finds them leased
            again = await deliveries.claim_due(conn, dialect, iso_ms(later), iso_ms(later + d.lease), 50)
        assert [x for x in again if x.event_id in {r[0] for r in rows}] == []
        assert await db.fetch('SELECT count(*) FROM "webhookLease"') == [(0,)]
        assert await db.fetch(written) == [(6,)]
        await d.stop()

    with_db(url, run)
