"""SIGTERM: the server stops accepting, lets the requests in flight finish (within
``VINGT_SHUTDOWN_TIMEOUT_SECONDS``) and exits; past the bound the unfinished write is rolled
back, never half made. Webhook attempts in flight finish too, and nothing new is claimed.

Requests are held in flight on PostgreSQL, where a row lock taken from outside holds them for as
long as the test wants (and the test sees them waiting in ``pg_stat_activity``); a webhook
attempt by a receiver that answers when the test says so."""

from __future__ import annotations

import asyncio
import signal
import socket
import threading
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from conftest import assert_error, make_workspace, pg_database
from live_server import HOST, Server
from vingt.db.migrate import upgrade
from vingt.db.url import parse_database_url
from webhook_receiver import Receiver

pytestmark = pytest.mark.e2e


def _refuses_connections(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.connect((HOST, port))
        except ConnectionRefusedError:
            return True
        return False


def _wait(condition: Any, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what}")
        time.sleep(0.05)


class _Held:
    """A person's row locked from outside the server, and a PATCH of it sent in a thread."""

    def __init__(self, database_url: str, server: Server, token: str, requests: int = 1):
        self.database_url = database_url
        self.client = server.client(token)
        created = self.client.post("/rest/people", json={"city": "Lyon"})
        assert created.status_code == 201, created.text
        self.person = created.json()["data"]["createPerson"]["id"]
        self.loop = asyncio.new_event_loop()
        self.conn: asyncpg.Connection = self.loop.run_until_complete(asyncpg.connect(database_url))
        schema = self.loop.run_until_complete(self.conn.fetchval('SELECT "databaseSchema" FROM workspace'))
        self.loop.run_until_complete(self.conn.execute("BEGIN"))
        self.loop.run_until_complete(
            self.conn.execute(f'SELECT 1 FROM "{schema}".person WHERE id = $1 FOR UPDATE', self.person)
        )
        self.answers: list[httpx.Response | Exception] = []
        self.threads = [threading.Thread(target=self._send) for _ in range(requests)]
        for t in self.threads:
            t.start()
        _wait(lambda: self._waiting() == requests, f"{requests} PATCHes to wait for the row lock")

    @property
    def answer(self) -> httpx.Response | Exception | None:
        return self.answers[0] if self.answers else None

    def _send(self) -> None:
        with httpx.Client(base_url=str(self.client.base_url), headers=self.client.headers, timeout=60) as c:
            try:
                self.answers.append(c.patch(f"/rest/people/{self.person}", json={"city": "Paris"}))
            except httpx.HTTPError as exc:
                self.answers.append(exc)

    def join(self) -> None:
        for t in self.threads:
            t.join(timeout=60)

    def _waiting(self) -> int:
        return int(self.loop.run_until_complete(self.conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )))

    def release(self) -> None:
        self.loop.run_until_complete(self.conn.execute("ROLLBACK"))

    def city(self) -> str:
        schema = self.loop.run_until_complete(self.conn.fetchval('SELECT "databaseSchema" FROM workspace'))
        return str(self.loop.run_until_complete(
            self.conn.fetchval(f'SELECT city FROM "{schema}".person WHERE id = $1', self.person)
        ))

    def close(self) -> None:
        self.join()
        self.client.close()
        self.loop.run_until_complete(self.conn.close())
        self.loop.close()


def test_sigterm_lets_the_requests_in_flight_finish(tmp_path: Path) -> None:
    with pg_database("shutdown") as database_url:
        upgrade(parse_database_url(database_url))
        ws = make_workspace(database_url, "Shutdown")
        server = Server(database_url, tmp_path / "serve.log")
        try:
            held = _Held(database_url, server, ws.token, requests=2)
        except BaseException:
            server.stop()  # the request never got held: nothing to wait for
            raise
        try:
            server.proc.send_signal(signal.SIGTERM)
            _wait(lambda: _refuses_connections(server.port), "the server to stop accepting")
            assert server.proc.poll() is None  # still finishing the requests in flight
            held.release()
            held.join()
            assert len(held.answers) == 2
            for answer in held.answers:
                assert isinstance(answer, httpx.Response), answer
                assert answer.status_code == 200, answer.text
                assert answer.json()["data"]["updatePerson"]["city"] == "Paris"
            assert server.proc.wait(timeout=60) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal it caught
            assert held.city() == "Paris"
        finally:
            held.close()
            server.stop()


def test_past_the_bound_the_unfinished_write_is_rolled_back(tmp_path: Path) -> None:
    with pg_database("shutdown") as database_url:
        upgrade(parse_database_url(database_url))
        ws = make_workspace(database_url, "Shutdown")
        server = Server(database_url, tmp_path / "serve.log", env={"VINGT_SHUTDOWN_TIMEOUT_SECONDS": "1"})
        try:
            held = _Held(database_url, server, ws.token)
        except BaseException:
            server.stop()  # the request never got held: nothing to wait for
            raise
        try:
            server.proc.send_signal(signal.SIGTERM)
            server.proc.wait(timeout=60)  # exits with the row still locked: the bound cut the request
            held.join()
            answer = held.answer
            assert isinstance(answer, httpx.Response), answer
            assert_error(answer, 503, "SHUTTING_DOWN")
            assert answer.headers["Retry-After"] == "1"
            held.release()
            assert held.city() == "Lyon"
            assert "Traceback" not in (tmp_path / "serve.log").read_text()
        finally:
            held.close()
            server.stop()


def test_sigterm_lets_a_webhook_attempt_in_flight_finish(fresh_url: str, tmp_path: Path) -> None:
    answer_now = threading.Event()
    receiver = Receiver().start()
    receiver.respond = lambda r, n: 200 if answer_now.wait(60) else 500
    env = {"VINGT_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true", "VINGT_WEBHOOK_POLL_SECONDS": "0.2"}
    server = Server(fresh_url, tmp_path / "serve.log", env=env)
    try:
        assert server.key
        with server.client(server.key) as c:
            made = c.post("/rest/webhooks", json={"targetUrl": receiver.url(), "operations": ["person.created"]})
            hook = made.json()["id"]
            assert c.post("/rest/people", json={"city": "Nantes"}).status_code == 201
        receiver.wait_for("/hook", 1)
        server.proc.send_signal(signal.SIGTERM)
        _wait(lambda: _refuses_connections(server.port), "the server to stop accepting")
        assert server.proc.poll() is None  # waiting for the attempt in flight
        answer_now.set()
        assert server.proc.wait(timeout=60) in (0, -signal.SIGTERM)
    finally:
        server.stop()
    again = Server(fresh_url, tmp_path / "again.log", env=env)
    try:
        with again.client(server.key) as c:
            log = c.get(f"/rest/webhooks/{hook}/deliveries").json()["data"]["deliveries"]
        assert [(d["status"], len(d["attempts"])) for d in log] == [("succeeded", 1)]
        assert log[0]["attempts"][0]["statusCode"] == 200
        assert len(receiver.at("/hook")) == 1
    finally:
        again.stop()
        receiver.stop()
