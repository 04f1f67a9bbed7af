"""CPU per webhook delivery: the dispatcher's process and its PostgreSQL backends.

The dispatcher runs in this process, fed chunks of events as writes would make them (25 a chunk,
for two ``*.*`` webhooks to the receiver of ``webhook_bench.py`` in its own process); each chunk is
fanned out and its batches awaited. The events are written by a connection of their own, whose
backend and whose Python time are left out. ``--previous`` makes the dispatcher write the
deliveries it sends at once at fan-out and update them after their attempt (the path SQLite takes)
instead of writing them once, with their first attempt.

    .venv/bin/python bench/delivery_cpu.py [--chunks 300] [--previous]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import orjson

from vingt.db import system_queries
from vingt.db.database import PgConnection, open_database
from vingt.db.migrate import upgrade
from vingt.db.url import parse_database_url
from vingt.db.webhooks import WebhookStore
from vingt.settings import Settings
from vingt.sql.dialect import dialect_for
from vingt.webhooks import dispatcher as dispatching
from vingt.workspaces import create_workspace

CHUNK = 25
WARMUP_CHUNKS = 20
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def event_rows(workspace_id: str, n: int) -> list[tuple[object, ...]]:
    rows = []
    for i in range(n):
        record = {"id": str(uuid.uuid4()), "jobTitle": f"job {i}", "city": "Paris", "position": float(i)}
        rows.append((str(uuid.uuid4()), workspace_id, "om", "person", record["id"], "created", None,
                     orjson.dumps(record).decode(), None, None, None, "2025-01-01T00:00:00.000Z"))
    return rows


async def measure(args: argparse.Namespace, port: int) -> None:
    name = f"vingt_delivery_cpu_{os.getpid()}"
    admin = await asyncpg.connect(f"{args.pg}/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{args.pg}/{name}"
    try:
        await asyncio.to_thread(upgrade, parse_database_url(url))
        db = open_database(parse_database_url(url))
        await db.start()
        writer = await asyncpg.connect(url)
        try:
            dialect = dialect_for(db.kind)
            workspace_id, _key = await create_workspace(db, "Delivery CPU")
            store = WebhookStore(db, dialect, workspace_id)
            for path in ("/one", "/two"):
                await store.insert({"id": str(uuid.uuid4()), "workspaceId": workspace_id,
                                    "targetUrl": f"http://127.0.0.1:{port}{path}", "operations": ["*.*"],
                                    "description": None, "secret": "s", "createdAt": "t", "updatedAt": "t",
                                    "deletedAt": None})
            d = dispatching.Dispatcher(db, dialect, Settings(database_url=url, webhook_allow_private_targets=True))
            if args.previous:
                d.record_once = False
            chunks = [event_rows(workspace_id, CHUNK) for _ in range(args.chunks + WARMUP_CHUNKS)]
            writing = 0.0

            async def feed(some: list[list[tuple[object, ...]]]) -> None:
                nonlocal writing
                for chunk in some:
                    started = time.process_time()
                    async with writer.transaction():
                        await system_queries.insert_events(PgConnection(writer), dialect, chunk)
                    writing += time.process_time() - started
                    await d.fan_out()
                    if d._batches:
                        await asyncio.wait(d._batches)

            await feed(chunks[:WARMUP_CHUNKS])
            backends = [r[0] for r in await admin.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", name)
                        if r[0] != writer.get_server_pid()]
            me = os.getpid()
            writing = 0.0
            python, pg = cpu_seconds(me), sum(cpu_seconds(p) for p in backends)
            await feed(chunks[WARMUP_CHUNKS:])
            python = cpu_seconds(me) - writing - python
            pg = sum(cpu_seconds(p) for p in backends) - pg
            n = args.chunks * CHUNK * 2
            print(f"{'previous' if args.previous else 'written once'}: {n} deliveries, per delivery "
                  f"Python {1e6 * python / n:.0f} µs, PostgreSQL {1e6 * pg / n:.0f} µs, "
                  f"total {1e6 * (python + pg) / n:.0f} µs")
            await d.stop()
        finally:
            await writer.close()
            await db.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    p = argparse.ArgumentParser(description="CPU per webhook delivery (dispatcher + PostgreSQL backends).")
    p.add_argument("--chunks", type=int, default=300)
    p.add_argument("--previous", action="store_true", help="write deliveries at fan-out, update after")
    p.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    args = p.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    receiver = subprocess.Popen([sys.executable, str(Path(__file__).with_name("webhook_bench.py")),
                                 "--receiver", str(port)])
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        asyncio.run(measure(args, port))
    finally:
        receiver.kill()
        receiver.wait()


if __name__ == "__main__":
    main()
