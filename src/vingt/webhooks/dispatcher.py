"""Webhook delivery from the event outbox, after commit, never on the request path.

A ``Dispatcher`` runs in the delivery process of ``vingt serve`` on PostgreSQL
(``webhooks/process.py``), in every ``vingt serve`` process otherwise, and in ``vingt worker``.
Each turn it

1. **fans out**: takes the fan-out turn (one process at a time), claims the oldest events not
   dispatched, makes one delivery per (matching webhook × event) and marks the events
   dispatched with their place in the change feed — one transaction, so an event is fanned out
   exactly once and the feed grows only at its end;
2. **sends**: claims the deliveries that are due (leasing them for three attempt timeouts), POSTs
   them concurrently, and records every attempt and the delivery's next state in one transaction
   per batch. The deliveries a fan-out makes while there is room in flight are made leased and
   sent at once (on PostgreSQL written only with their first attempt, a lease row per batch
   standing for them until then); due deliveries are claimed when a fan-out left some waiting for room, and every
   ``VINGT_WEBHOOK_POLL_SECONDS`` otherwise.

A failed attempt is retried after ``VINGT_WEBHOOK_RETRY_BASE_SECONDS`` (default 10), the delay
doubling each time, with ±20 % jitter, never more than an hour; a delivery that would be retried
later than ``VINGT_WEBHOOK_RETRY_HOURS`` (default 72) after it was made is ``failed``. A process
that dies mid-attempt leaves its leased deliveries due again when the lease expires: delivery is
at least once, and ``X-Vingt-Event-Id`` lets receivers drop a repeat.

Every ``PRUNE_SECONDS`` (or a quarter of the retention, when shorter) it deletes the events and
finished deliveries older than ``VINGT_EVENT_RETENTION_DAYS`` (7); an event that a pending
delivery still needs is kept until the delivery ends.

Writes wake the dispatcher (``wake()``: of their process, or the delivery process through
``webhooks/wake.py``), which waits ``COALESCE_SECONDS`` for the rest of a burst; events of
processes that do not wake it are noticed within ``VINGT_WEBHOOK_POLL_SECONDS``. Its statements
are not counted in ``Stats`` (they belong to no request).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import random
import time
from collections.abc import Sequence
from typing import Any

import orjson

from vingt.db import deliveries
from vingt.db.database import Database, stop_counting
from vingt.settings import Settings
from vingt.sql.dialect import Dialect, iso_ms
from vingt.webhooks import operations, payload
from vingt.webhooks.sender import Sender
from vingt.webhooks.wake import Waker

log = logging.getLogger("vingt.webhooks")

FAN_OUT_BATCH = 500
SEND_BATCH = 50
MAX_BATCHES_IN_FLIGHT = 4
MAX_DELAY_SECONDS = 3600.0
JITTER = 0.2
LEASE_TIMEOUTS = 3  # a claim lasts this many attempt timeouts: the attempt, then time to record it
COALESCE_SECONDS = 0.05  # after a wake, let the writes of a burst commit and go out together
ERROR_PAUSE_SECONDS = 1.0
PRUNE_SECONDS = 600.0  # how often old events and finished deliveries are deleted (at most)


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


_second: tuple[int, str] = (-1, "")  # the last whole second stamped, as text


def stamp(moment: float) -> str:
    """``iso_ms`` of a ``time.time()``, a few times faster (each attempt takes two)."""
    global _second
    whole, micros = divmod(round(moment * 1_000_000), 1_000_000)  # as datetime.fromtimestamp rounds
    if _second[0] != whole:
        _second = (whole, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)))
    return f"{_second[1]}.{micros // 1000:03d}Z"


def new_ids(n: int) -> list[str]:
    """``n`` random UUIDs (version 4) as text, as ``str(uuid.uuid4())`` writes them, from one read
    of the system's random source."""
    raw = os.urandom(16 * n)
    ids = []
    for i in range(0, 16 * n, 16):
        value = int.from_bytes(raw[i : i + 16])
        value = (value & ~(0xC000 << 48) | 0x8000 << 48) & ~(0xF000 << 64) | 4 << 76  # variant, version
        h = f"{value:032x}"
        ids.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return ids


def parse_time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def retry_delay(attempts: int, base: float) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt."""
    delay = min(base * 2 ** min(attempts - 1, 40), MAX_DELAY_SECONDS)
    return min(delay * random.uniform(1 - JITTER, 1 + JITTER), MAX_DELAY_SECONDS)


class Dispatcher:
    def __init__(self, db: Database, dialect: Dialect, settings: Settings, elsewhere: Waker | None = None):
        """``elsewhere``: deliveries are made by another process, which ``wake`` wakes."""
        self.db = db
        self.elsewhere = elsewhere
        self.dialect = dialect
        self.base_delay = settings.webhook_retry_base_seconds
        self.give_up_after = dt.timedelta(hours=settings.webhook_retry_hours)
        self.poll = settings.webhook_poll_seconds
        self.keep = dt.timedelta(days=settings.event_retention_days)
        self.prune_every = min(PRUNE_SECONDS, self.keep.total_seconds() / 4)
        self._pruned_at = 0.0
        self._claim_at = 0.0  # monotonic time of the next claim of due deliveries
        self.lease = dt.timedelta(seconds=max(1.0, settings.webhook_timeout_seconds * LEASE_TIMEOUTS))
        self.sender = Sender(settings.webhook_timeout_seconds, settings.webhook_allow_private_targets)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._batches: set[asyncio.Task[None]] = set()
        self._stopping = False
        # PostgreSQL: the deliveries sent at once are written once, after their first attempt
        # (under a lease until then); SQLite writes them at fan-out and updates them after it
        self.record_once = dialect.name == "postgresql"

    # ---- life ---------------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="vingt-webhook-dispatcher")

    def wake(self) -> None:
        """Something was written: its events can go out."""
        if self.elsewhere is not None:
            self.elsewhere.wake()
        else:
            self._wake.set()

    async def stop(self) -> None:
        """Stop claiming; let the attempts in flight finish (each is bounded by the timeout)."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
        if self._batches:
            await asyncio.wait(self._batches)
        await self.sender.close()
        if self.elsewhere is not None:
            self.elsewhere.close()

    async def _run(self) -> None:
        stop_counting()
        while not self._stopping:
            self._wake.clear()
            try:
                busy = await self.turn()
            except Exception:
                log.exception("webhook dispatch failed; trying again")
                busy = False
                await asyncio.sleep(ERROR_PAUSE_SECONDS)
            if busy or self._stopping:
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), self.poll)
            except TimeoutError:
                pass
            else:
                await asyncio.sleep(COALESCE_SECONDS)

    async def turn(self) -> bool:
        """One fan-out and, when deliveries may be due, one claim of them; whether there may be
        more to do now."""
        fanned = await self.fan_out()
        claimed = 0
        if time.monotonic() >= self._claim_at:
            claimed = await self.send_due()
        if time.monotonic() - self._pruned_at >= self.prune_every:
            await self.prune()
        return fanned == FAN_OUT_BATCH or claimed == SEND_BATCH

    async def prune(self) -> int:
        """Delete what is older than the retention (``VINGT_EVENT_RETENTION_DAYS``), in bounded
        transactions; how many rows went."""
        self._pruned_at = time.monotonic()
        before = iso_ms(now_utc() - self.keep)
        total = 0
        while not self._stopping:
            async with self.db.transaction() as conn:
                gone = await deliveries.prune(conn, self.dialect, before)
            total += gone
            if gone < deliveries.PRUNE_BATCH:
                break
        return total

    # ---- fan-out --------------------------------------------------------------------------------

    async def fan_out(self) -> int:
        """Make the deliveries of the events not dispatched yet. As many as the attempts in flight
        leave room for are made already claimed and sent at once, without a claim of their own;
        the others wait, due, for ``send_due``."""
        direct: list[deliveries.Due] = []
        async with self.db.transaction() as conn:
            events = await deliveries.claim_events(conn, self.dialect, FAN_OUT_BATCH)
            if not events:
                return 0  # nothing to do, or another process is fanning out
            hooks = await deliveries.live_webhooks(conn, self.dialect, sorted({e.workspace_id for e in events}))
            by_workspace: dict[str, list[tuple[deliveries.LiveWebhook, list[str]]]] = {}
            for hook in hooks:
                by_workspace.setdefault(hook.workspace_id, []).append((hook, orjson.loads(hook.operations)))
            moment = now_utc()
            now, leased = iso_ms(moment), iso_ms(moment + self.lease)
            room = 0 if self._stopping else (MAX_BATCHES_IN_FLIGHT - len(self._batches)) * SEND_BATCH
            rows: list[Sequence[Any]] = []
            matched = [(e, hook) for e in events for hook, ops in by_workspace.get(e.workspace_id, ())
                       if operations.matches(ops, e.name)]
            for (e, hook), delivery_id in zip(matched, new_ids(len(matched)), strict=True):
                if len(direct) < room:
                    direct.append(deliveries.Due(delivery_id, hook.id, e.id, "pending", 0, now, now, hook.target_url,
                                                 hook.secret, False, e.data, e.workspace_id, e.name))
                    if self.record_once:
                        continue  # written after its first attempt, under the batch's lease until then
                    due_at = leased
                else:
                    due_at = now
                rows.append((delivery_id, e.workspace_id, hook.id, e.id, e.name, "pending", 0, due_at, now, now, now))
            batches = [direct[i : i + SEND_BATCH] for i in range(0, len(direct), SEND_BATCH)]
            leases: list[str | None] = [*new_ids(len(batches))] if self.record_once else [None] * len(batches)
            await deliveries.insert_deliveries(conn, self.dialect, rows)
            if self.record_once:
                await deliveries.insert_leases(conn, [
                    (lease, leased, [(d.id, d.workspace_id, d.webhook_id, d.event_id, d.event_name, now) for d in batch])
                    for lease, batch in zip(leases, batches, strict=True)
                ])
            await deliveries.mark_dispatched(conn, self.dialect, events, now)
        if len(matched) > len(direct):
            self._claim_at = 0.0  # some are due now, for a claim when there is room
        for lease, batch in zip(leases, batches, strict=True):
            self._start_batch(batch, lease)
        return len(events)

    # ---- attempts -------------------------------------------------------------------------------

    async def send_due(self) -> int:
        """Claim the deliveries that are due and start sending them. After a claim that found
        fewer than a batch, the next is made ``poll`` seconds later (or as soon as a fan-out leaves
        deliveries due): retries and expired leases wait at most that long."""
        if len(self._batches) >= MAX_BATCHES_IN_FLIGHT or self._stopping:
            return 0
        now = now_utc()
        async with self.db.transaction() as conn:
            due = await deliveries.claim_due(conn, self.dialect, iso_ms(now), iso_ms(now + self.lease), SEND_BATCH)
        self._claim_at = 0.0 if len(due) == SEND_BATCH else time.monotonic() + self.poll
        if due:
            self._start_batch(due)
        return len(due)

    def _start_batch(self, due: list[deliveries.Due], lease: str | None = None) -> None:
        task = asyncio.get_running_loop().create_task(self._send_batch(due, lease))
        self._batches.add(task)
        task.add_done_callback(self._batch_done)

    def _batch_done(self, task: asyncio.Task[None]) -> None:
        self._batches.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("webhook batch failed; its deliveries are due again when their claim expires",
                      exc_info=task.exception())
        if time.monotonic() >= self._claim_at:
            self._wake.set()  # deliveries wait, due, for the room this batch leaves

    async def _send_batch(self, due: list[deliveries.Due], lease: str | None = None) -> None:
        """Attempt ``due`` concurrently (each event's body part serialised once for all its
        webhooks) and record every outcome at once. ``lease``: the deliveries are not written yet
        (a fan-out's, on PostgreSQL); each is written once, with its first attempt."""
        if lease is not None:
            await self._send_first(due, lease)
            return
        impossible = sorted(d.id for d in due if d.webhook_deleted or d.event is None)
        prepared: dict[str, payload.Prepared] = {}
        for d in due:
            if d.event is not None and d.event_id not in prepared:
                prepared[d.event_id] = payload.prepare(payload.EventData(d.event_id, *d.event))
        sendable = [d for d in due if not d.webhook_deleted and d.event is not None]
        results = await asyncio.gather(*(
            self.attempt(d, prepared[d.event_id], attempt_id)
            for d, attempt_id in zip(sendable, new_ids(len(sendable)), strict=True)
        ))
        await deliveries.record_outcomes(self.db, self.dialect, [r[0] for r in results], [r[1] for r in results])
        if impossible:
            async with self.db.transaction() as conn:
                await deliveries.fail_pending(conn, self.dialect, iso_ms(now_utc()), ids=impossible)

    async def _send_first(self, due: list[deliveries.Due], lease: str) -> None:
        prepared: dict[str, payload.Prepared] = {}
        for d in due:
            if d.event_id not in prepared:
                assert d.event is not None
                prepared[d.event_id] = payload.prepare(payload.EventData(d.event_id, *d.event))
        results = await asyncio.gather(*(
            self.attempt(d, prepared[d.event_id], attempt_id) for d, attempt_id in zip(due, new_ids(len(due)), strict=True)
        ))
        rows: list[Sequence[Any]] = [
            (d.id, d.workspace_id, d.webhook_id, d.event_id, d.event_name, state[0], 1, state[1], d.event_date,
             d.created_at, state[2], a[0], *a[2:])
            for d, (a, state) in zip(due, results, strict=True)
        ]
        await deliveries.record_first_outcomes(self.db, lease, rows)

    def next_state(self, d: deliveries.Due, ok: bool, now: float) -> tuple[str, str | None]:
        """A delivery's status and next due time after an attempt that ended at ``now``
        (``time.time()``). A pending one that failed is retried later or, past the retry window,
        failed; a redelivery of a finished one that fails leaves it as it was."""
        if ok:
            return "succeeded", None
        if d.status != "pending":
            return d.status, None
        due = dt.datetime.fromtimestamp(now, dt.UTC) + dt.timedelta(seconds=retry_delay(d.attempts + 1, self.base_delay))
        if due - parse_time(d.created_at) > self.give_up_after:
            return "failed", None
        return "pending", iso_ms(due)

    async def attempt(self, d: deliveries.Due, prepared: payload.Prepared | None = None,
                      attempt_id: str | None = None) -> tuple[Sequence[Any], Sequence[Any]]:
        """One POST of a delivery: its attempt row and its delivery's new state."""
        if prepared is None:
            assert d.event is not None
            prepared = payload.prepare(payload.EventData(d.event_id, *d.event))
        content = prepared.body(d.webhook_id, d.target_url, d.event_date)
        started = time.time()
        outcome = await self.sender.post(d.target_url, content, payload.headers(d.secret, d.event_id, content))
        finished = time.time()
        status, next_at = self.next_state(d, outcome.ok, finished)
        attempt_row = (
            attempt_id or new_ids(1)[0], d.id, stamp(started), outcome.duration_ms, outcome.status_code,
            outcome.error, outcome.response,
        )
        return attempt_row, (status, next_at, stamp(finished), d.id)

    async def redeliver(self, d: deliveries.Due) -> None:
        """A new attempt of ``d`` now, recorded before this returns."""
        attempt_row, state = await self.attempt(d)
        await deliveries.record_outcomes(self.db, self.dialect, [attempt_row], [state])
