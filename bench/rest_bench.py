"""REST load benchmark: Vingt against a minimal hand-written baseline on the same data.

Creates a throwaway PostgreSQL database, a workspace, seeds companies and people through
Vingt's REST API, checks that the baseline (``bench/baseline_app.py``) returns the same JSON
as Vingt, loads both servers over loopback (wrk, or an aiohttp loader when wrk is absent),
prints a table and writes ``bench/results/latest.json``; then stops both servers and drops
the database. See ``bench/README.md``.

    .venv/bin/python bench/rest_bench.py --duration 8
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import asyncpg

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
HOST = "127.0.0.1"  # the only host this script talks to
BATCH = 100  # records per POST /rest/batch/<objects> (Vingt accepts up to 200)

COMMON_CITY = "Paris"
# (city, weight): Paris is the common one (about a quarter of the people)
CITIES = [
    ("Paris", 25), ("Lyon", 10), ("Marseille", 8), ("Berlin", 8), ("London", 8), ("Madrid", 6),
    ("Rome", 6), ("Lisbon", 5), ("Amsterdam", 5), ("Brussels", 5), ("Vienna", 4), ("Prague", 4),
    ("Dublin", 3), ("Oslo", 3),
]
FIRST_NAMES = [
    "Alice", "Bruno", "Chloé", "David", "Emma", "Farid", "Gabriel", "Hugo", "Inès", "Jules", "Karim", "Léa",
    "Manon", "Nathan", "Olivia", "Paul", "Quentin", "Rose", "Sofia", "Théo", "Ulysse", "Victor", "Wendy",
    "Xavier", "Yasmine", "Zoé", "Anna", "Ben", "Clara", "Dmitri", "Elena", "Felix", "Grace", "Hiro",
]
LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
    "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Müller",
    "Schmidt", "Smith", "Jones", "Rossi", "Silva", "Novak", "O'Brien", "van Dijk", "Nakamura", "Kowalski",
]
JOB_TITLES = [
    "CEO", "CTO", "CFO", "VP Sales", "Account Executive", "Sales Manager", "Engineer", "Senior Engineer",
    "Product Manager", "Designer", "Marketing Manager", "Office Manager", "Recruiter", "Data Analyst",
    "Customer Success Manager", "Consultant", None,
]
COMPANY_WORDS = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Soylent",
                 "Tyrell", "Cyberdyne", "Wonka", "Gringotts", "Oscorp", "Aperture", "Massive"]
COMPANY_SUFFIXES = ["Labs", "Industries", "Systems", "Group", "Partners", "Holdings", "Software", "Corp"]

LIST_PATH = (
    "/rest/people?filter=" + quote(f"city[eq]:{COMMON_CITY}", safe="")
    + "&order_by=" + quote("name.lastName[AscNullsFirst]", safe="") + "&limit=60&depth=1"
)
CREATE_BODY = {
    "name": {"firstName": "Bench", "lastName": "Create"},
    "jobTitle": "Load tester",
    "city": "Benchville",  # not the listed city: creates never change the list scenario's page
}
UPDATE_BODY = {"jobTitle": "Updated"}
# update-many: PATCH by filter of the UPDATE_MANY people seeded in one city of UPDATE_GROUPS
# (Updateville-0, …); each request picks the next city, so that concurrent requests rarely
# update the same rows (they would wait for each other's row locks, in both servers)
UPDATE_MANY = 20
UPDATE_GROUPS = 128
UPDATE_CITY = "Updateville-"
UPDATE_MANY_PATH = "/rest/people?filter=" + quote(f"city[eq]:{UPDATE_CITY}", safe="")
UPDATE_MANY_BODY = {"jobTitle": "Bulk updated"}
# notes linked (noteTargets) to people of the listed page, so that the list's embedded
# one-to-many arrays are not all empty
LINKED_PEOPLE = 30


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---- servers ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    url: str
    log_path: Path

    def tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)  # uvicorn shuts down gracefully on SIGINT
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def start_server(name: str, cmd: list[str], port: int, workdir: Path, timeout: float = 60.0) -> Server:
    log_path = workdir / f"{name}.log"
    with open(log_path, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=workdir)
    server = Server(name, proc, f"http://{HOST}:{port}", log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}:\n{server.tail()}")
        try:
            with socket.create_connection((HOST, port), timeout=1) as sock:
                sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    return server
        except OSError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{name} did not answer /healthz within {timeout:.0f}s:\n{server.tail()}")


def unlimited_rates() -> None:
    """Rate limits far above any load here, so that the limiter's cost is measured but it never
    refuses (unless the caller set its own)."""
    os.environ.setdefault("VINGT_RATE_LIMIT_PER_SECOND", "100000000")
    os.environ.setdefault("VINGT_RATE_LIMIT_PER_MINUTE", "1000000000")


# ---- database ---------------------------------------------------------------------------------


async def create_database(admin_dsn: str, name: str) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_database(admin_dsn: str, name: str) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def vacuum(dsn: str) -> None:
    """``VACUUM ANALYZE`` of the whole database: what autovacuum would do between scenarios (a
    server may run with it off, and then each scenario's writes would slow down the next)."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


async def workspace_info(dsn: str, workspace_id: str) -> tuple[str, str, str]:
    """(schema, API key name, PostgreSQL version)."""
    conn = await asyncpg.connect(dsn)
    try:
        schema = await conn.fetchval('SELECT "databaseSchema" FROM workspace WHERE id = $1', workspace_id)
        key_name = await conn.fetchval('SELECT name FROM "apiKey" WHERE "workspaceId" = $1 '
                                       'ORDER BY "createdAt" LIMIT 1', workspace_id)
        version = await conn.fetchval("SHOW server_version")
        # fresh statistics for both servers' plans
        await conn.execute(f'ANALYZE "{schema}".person, "{schema}".company')
        return str(schema), str(key_name), str(version)
    finally:
        await conn.close()


# ---- seeding ----------------------------------------------------------------------------------


def company_payloads(n: int, rng: random.Random) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        out.append({
            "name": f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_SUFFIXES)} {i}",
            "domainName": {"primaryLinkUrl": f"https://company-{i}.example.com"},
            "employees": rng.randint(1, 5000),
            "address": {"addressCity": rng.choice(CITIES)[0], "addressCountry": "Europe"},
            "idealCustomerProfile": i % 5 == 0,
            "annualRecurringRevenue": {"amountMicros": rng.randint(1, 500) * 1_000_000_000, "currencyCode": "EUR"},
            "position": float(i),
        })
    return out


def person_payloads(n: int, company_ids: list[str], rng: random.Random) -> list[dict[str, Any]]:
    cities = [c for c, _ in CITIES]
    weights = [w for _, w in CITIES]
    out = []
    for i in range(n):
        first = rng.choice(FIRST_NAMES)
        last = None if rng.random() < 0.03 else rng.choice(LAST_NAMES)  # a few NULLs for NullsFirst
        slug = f"{first}.{last or 'x'}".lower().replace(" ", "").replace("'", "")
        emails: dict[str, Any] = {"primaryEmail": f"{slug}.{i}@example.com"}
        if i % 7 == 0:
            emails["additionalEmails"] = [f"{slug}.{i}@personal.example.org"]
        person: dict[str, Any] = {
            "name": {"firstName": first, "lastName": last},
            "emails": emails,
            "city": rng.choices(cities, weights)[0],
            "jobTitle": rng.choice(JOB_TITLES),
            "companyId": rng.choice(company_ids),
            "position": round(rng.uniform(-1000, 1000), 3),
        }
        if i % 3 == 0:
            person["phones"] = {"primaryPhoneNumber": f"6{i:08d}", "primaryPhoneCountryCode": "FR",
                                "primaryPhoneCallingCode": "+33"}
        out.append(person)
    return out


async def post_batches(session: aiohttp.ClientSession, base: str, plural: str, payloads: list[dict[str, Any]],
                       parallel: int = 4) -> list[str]:
    key = "create" + plural[0].upper() + plural[1:]
    chunks = [payloads[i:i + BATCH] for i in range(0, len(payloads), BATCH)]
    ids: list[list[str]] = [[] for _ in chunks]
    sem = asyncio.Semaphore(parallel)

    async def send(n: int, chunk: list[dict[str, Any]]) -> None:
        async with sem, session.post(f"{base}/rest/batch/{plural}", json=chunk) as resp:
            text = await resp.text()
            if resp.status != 201:
                raise RuntimeError(f"POST /rest/batch/{plural} → {resp.status}: {text[:500]}")
            ids[n] = [r["id"] for r in json.loads(text)["data"][key]]

    await asyncio.gather(*(send(n, c) for n, c in enumerate(chunks)))
    return [i for chunk in ids for i in chunk]


async def seed(base: str, token: str, companies: int, people: int) -> tuple[list[str], list[str]]:
    rng = random.Random(20240501)
    headers = {"Authorization": f"Bearer {token}"}
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(headers=headers, timeout=timeout) as session:
        company_ids = await post_batches(session, base, "companies", company_payloads(companies, rng))
        person_ids = await post_batches(session, base, "people", person_payloads(people, company_ids, rng))
        bulk = [{"name": {"firstName": f"Bulk{i}", "lastName": "Update"}, "city": f"{UPDATE_CITY}{g}",
                 "jobTitle": "Seeded"} for g in range(UPDATE_GROUPS) for i in range(UPDATE_MANY)]
        await post_batches(session, base, "people", bulk)
        # notes on some people of the listed page: one or two noteTargets each
        async with session.get(base + LIST_PATH) as resp:
            listed = [p["id"] for p in json.loads(await resp.text())["data"]["people"]][:LINKED_PEOPLE]
        note_ids = await post_batches(session, base, "notes", [{"title": f"Note {i}"} for i in range(len(listed))])
        targets = [{"noteId": note_ids[i], "targetPersonId": pid} for i, pid in enumerate(listed)]
        targets += [{"noteId": note_ids[(i + 1) % len(note_ids)], "targetPersonId": pid}
                    for i, pid in enumerate(listed) if i % 3 == 0]
        await post_batches(session, base, "noteTargets", targets)
    return company_ids, person_ids


# ---- shape check ------------------------------------------------------------------------------


def first_difference(a: Any, b: Any, path: str = "$") -> str | None:
    """The first place two parsed JSON values differ (dict key order ignored), or None."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return f"{path}: keys differ: only Vingt {sorted(a.keys() - b.keys())}, only baseline {sorted(b.keys() - a.keys())}"
        for k in a:
            d = first_difference(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            d = first_difference(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    if type(a) is not type(b) or a != b:
        return f"{path}: Vingt {a!r} vs baseline {b!r}"
    return None


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""


async def check_shapes(vingt: str, baseline: str, token: str, person_ids: list[str]) -> list[Check]:
    checks: list[Check] = []
    auth = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as s:

        async def get(base: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
            async with s.get(base + path, headers=headers) as r:
                return r.status, await r.json(content_type=None)

        async def post(base: str, path: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
            async with s.post(base + path, json=body, headers=headers) as r:
                return r.status, await r.json(content_type=None)

        async def patch(base: str, path: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
            async with s.patch(base + path, json=body, headers=headers) as r:
                return r.status, await r.json(content_type=None)

        # list: 60 records with their company embedded, and the same page from both
        vs, vl = await get(vingt, LIST_PATH, auth)
        bs, bl = await get(baseline, LIST_PATH)
        people = (vl.get("data") or {}).get("people") or []
        embedded = sum(1 for p in people if isinstance(p.get("company"), dict) and p["company"].get("id"))
        linked = sum(1 for p in people if p.get("noteTargets"))
        checks.append(Check("vingt list: 200, 60 records, company embedded, noteTargets on some",
                            vs == 200 and len(people) == 60 and embedded == 60 and linked >= LINKED_PEOPLE // 2,
                            f"status {vs}, {len(people)} records, {embedded} with company, {linked} with "
                            f"noteTargets, totalCount {vl.get('totalCount')}"))
        diff = first_difference(vl, bl) if bs == 200 else f"baseline status {bs}: {bl}"
        checks.append(Check("list JSON identical (Vingt vs baseline)", diff is None, diff or ""))

        # read: several seeded ids
        diffs = []
        for pid in person_ids[:: max(1, len(person_ids) // 10)][:10]:
            vs, vr = await get(vingt, f"/rest/people/{pid}", auth)
            bs, br = await get(baseline, f"/rest/people/{pid}")
            d = first_difference(vr, br) if vs == bs == 200 else f"status Vingt {vs} / baseline {bs}"
            if d:
                diffs.append(f"{pid}: {d}")
        checks.append(Check("read JSON identical on 10 ids", not diffs, "; ".join(diffs[:3])))

        # create: 201, the same record apart from the values that must differ
        vs, vc = await post(vingt, "/rest/people", CREATE_BODY, auth)
        bs, bc = await post(baseline, "/rest/people", CREATE_BODY)
        if vs == bs == 201:
            strip = ("id", "createdAt", "updatedAt", "position")
            a = {k: v for k, v in vc["data"]["createPerson"].items() if k not in strip}
            b = {k: v for k, v in bc["data"]["createPerson"].items() if k not in strip}
            d = first_difference({"data": {"createPerson": a}}, {"data": {"createPerson": b}})
            if d is None and vc["data"]["createPerson"].keys() != bc["data"]["createPerson"].keys():
                d = "key sets differ"
        else:
            d = f"status Vingt {vs} / baseline {bs}: {vc if vs != 201 else bc}"
        checks.append(Check("create JSON identical (ignoring id, timestamps, position)", d is None, d or ""))

        # update one: the same record after the same PATCH, apart from updatedAt
        pid = person_ids[1]
        vs, vu = await patch(vingt, f"/rest/people/{pid}", UPDATE_BODY, auth)
        bs, bu = await patch(baseline, f"/rest/people/{pid}", UPDATE_BODY)
        if vs == bs == 200:
            a = {k: v for k, v in vu["data"]["updatePerson"].items() if k != "updatedAt"}
            b = {k: v for k, v in bu["data"]["updatePerson"].items() if k != "updatedAt"}
            d = first_difference({"data": {"updatePerson": a}}, {"data": {"updatePerson": b}})
        else:
            d = f"status Vingt {vs} / baseline {bs}: {vu if vs != 200 else bu}"
        checks.append(Check("update JSON identical (ignoring updatedAt)", d is None, d or ""))

        # update many: the same records (by id) after the same PATCH by filter
        vs, vm = await patch(vingt, UPDATE_MANY_PATH + "0", UPDATE_MANY_BODY, auth)
        bs, bm = await patch(baseline, UPDATE_MANY_PATH + "0", UPDATE_MANY_BODY)
        if vs == bs == 200:
            def records(body: Any) -> list[dict[str, Any]]:
                out = [{k: v for k, v in r.items() if k != "updatedAt"} for r in body["data"]["updatePeople"]]
                return sorted(out, key=lambda r: r["id"])
            d = first_difference(records(vm), records(bm))
            if d is None and len(records(vm)) != UPDATE_MANY:
                d = f"{len(records(vm))} records updated, not {UPDATE_MANY}"
            if d is None and list(vm["data"]) != list(bm["data"]):
                d = "envelopes differ"
        else:
            d = f"status Vingt {vs} / baseline {bs}: {vm if vs != 200 else bm}"
        checks.append(Check(f"update-many JSON identical on {UPDATE_MANY} records (ignoring updatedAt)",
                            d is None, d or ""))
    return checks


# ---- load -------------------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    method: str
    path: str  # with ids: a prefix followed by one of them
    body: bytes | None = None
    ids: list[str] = field(default_factory=list)
    # with ids: the body of each request, ID_MARK replaced by the id (the path is then fixed)
    body_template: str | None = None

    def request(self, i: int) -> tuple[str, bytes | None]:
        """The path and body of the request for ``ids[i]`` (or the fixed ones)."""
        if not self.ids:
            return self.path, self.body
        if self.body_template is not None:
            return self.path, self.body_template.replace(ID_MARK, self.ids[i]).encode()
        return self.path + self.ids[i], self.body


ID_MARK = "__ID__"


@dataclass
class Result:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    non_2xx: int
    socket_errors: int
    first_bad_status: int | None = None


LUA_COMMON = """
local threads = {}
local counter = 0
non2xx = 0
bad_status = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if bad_status == 0 then bad_status = status end
  end
end

function done(summary, latency, requests)
  local bad, first = 0, 0
  for _, t in ipairs(threads) do
    bad = bad + t:get("non2xx")
    if first == 0 then first = t:get("bad_status") end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d,' ..
    '"non2xx":%d,"first_bad_status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.mean,
    latency.max, bad, first, e.connect, e.read, e.write, e.timeout))
end
"""


def lua_script(sc: Scenario, token: str | None) -> str:
    lines = [LUA_COMMON]
    if token:
        lines.append(f'wrk.headers["Authorization"] = "Bearer {token}"')
    if sc.body is not None or sc.body_template is not None:
        lines.append(f'wrk.method = "{sc.method}"')
        lines.append('wrk.headers["Content-Type"] = "application/json"')
    if sc.body is not None:
        lines.append(f"wrk.body = {lua_string(sc.body.decode())}")
    if sc.ids and sc.body_template is not None:
        lines.append("local ids = {" + ",".join(f'"{i}"' for i in sc.ids) + "}")
        lines.append(f"local template = {lua_string(sc.body_template)}")
        lines.append(f"""
local i = 0
function init(args)
  i = (tid or 0) * 4999
end
function request()
  i = i % #ids + 1
  local body = string.gsub(template, "{ID_MARK}", ids[i])
  return wrk.format(nil, "{sc.path}", nil, body)
end""")
    elif sc.ids:
        # every thread cycles through all the ids, from its own starting point
        lines.append("local ids = {" + ",".join(f'"{i}"' for i in sc.ids) + "}")
        lines.append(f"""
local i = 0
function init(args)
  i = (tid or 0) * 4999
end
function request()
  i = i % #ids + 1
  return wrk.format(nil, "{sc.path}" .. ids[i])
end""")
    return "\n".join(lines) + "\n"


def lua_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run_wrk(base: str, sc: Scenario, token: str | None, seconds: int, conns: int, threads: int,
            workdir: Path) -> Result:
    script = workdir / f"{sc.name}-{'auth' if token else 'noauth'}.lua"
    script.write_text(lua_script(sc, token))
    url = base + (sc.path if not sc.ids or sc.body_template is not None else "/")
    cmd = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stdout[-2000:]} {out.stderr[-2000:]}")
    d = json.loads(line.removeprefix("BENCH_JSON "))
    secs = d["duration_us"] / 1e6
    return Result(
        requests=d["requests"], seconds=round(secs, 3), rps=round(d["requests"] / secs, 1),
        p50_ms=d["p50_us"] / 1000, p99_ms=d["p99_us"] / 1000, mean_ms=round(d["mean_us"] / 1000, 3),
        max_ms=d["max_us"] / 1000, non_2xx=d["non2xx"],
        socket_errors=d["connect"] + d["read"] + d["write"] + d["timeout"],
        first_bad_status=d["first_bad_status"] or None,
    )


async def run_aiohttp(base: str, sc: Scenario, token: str | None, seconds: float, conns: int) -> Result:
    """A closed-loop loader: ``conns`` workers, each sending one request at a time."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if sc.body is not None or sc.body_template is not None:
        headers["Content-Type"] = "application/json"
    latencies: list[float] = []
    bad = errors = 0
    first_bad: int | None = None
    connector = aiohttp.TCPConnector(limit=conns)
    async with aiohttp.ClientSession(connector=connector, headers=headers,
                                     timeout=aiohttp.ClientTimeout(total=10)) as s:
        start = time.perf_counter()
        deadline = start + seconds

        async def worker(w: int) -> None:
            nonlocal bad, errors, first_bad
            i = w * 4999
            while time.perf_counter() < deadline:
                if sc.ids:
                    i = (i + 1) % len(sc.ids)
                path, body = sc.request(i)
                t0 = time.perf_counter()
                try:
                    async with s.request(sc.method, base + path, data=body) as r:
                        await r.read()
                        status = r.status
                except (TimeoutError, aiohttp.ClientError):
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - t0)
                if not 200 <= status < 300:
                    bad += 1
                    first_bad = first_bad or status

        await asyncio.gather(*(worker(w) for w in range(conns)))
        elapsed = time.perf_counter() - start
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))] * 1000 if latencies else 0.0

    return Result(
        requests=len(latencies), seconds=round(elapsed, 3), rps=round(len(latencies) / elapsed, 1),
        p50_ms=round(pct(50), 3), p99_ms=round(pct(99), 3),
        mean_ms=round(statistics.fmean(latencies) * 1000, 3) if latencies else 0.0,
        max_ms=round(latencies[-1] * 1000, 3) if latencies else 0.0,
        non_2xx=bad, socket_errors=errors, first_bad_status=first_bad,
    )


def load(loader: str, base: str, sc: Scenario, token: str | None, seconds: int, args: argparse.Namespace,
         workdir: Path) -> Result:
    if loader == "wrk":
        return run_wrk(base, sc, token, seconds, args.connections, args.threads, workdir)
    return asyncio.run(run_aiohttp(base, sc, token, seconds, args.connections))


# ---- report -----------------------------------------------------------------------------------


def median_result(results: list[Result]) -> Result:
    """The round with the median throughput (its latencies come with it); errors summed."""
    ranked = sorted(results, key=lambda r: r.rps)
    mid = ranked[len(ranked) // 2]
    return replace(mid, non_2xx=sum(r.non_2xx for r in results), socket_errors=sum(r.socket_errors for r in results))


def table(rows: list[tuple[str, Result, Result]]) -> str:
    head = (f"{'scenario':<11} | {'Vingt req/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'err':>4} | "
            f"{'baseline req/s':>14} {'p50 ms':>8} {'p99 ms':>8} {'err':>4} | {'Vingt/baseline':>14}")
    lines = [head, "-" * len(head)]
    for name, v, b in rows:
        ratio = v.rps / b.rps if b.rps else float("nan")
        lines.append(
            f"{name:<11} | {v.rps:>11.1f} {v.p50_ms:>8.2f} {v.p99_ms:>8.2f} {v.non_2xx + v.socket_errors:>4} | "
            f"{b.rps:>14.1f} {b.p50_ms:>8.2f} {b.p99_ms:>8.2f} {b.non_2xx + b.socket_errors:>4} | {ratio:>14.2f}"
        )
    return "\n".join(lines)


# ---- main -------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Vingt REST load benchmark against a hand-written baseline.")
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds per scenario; medians are reported")
    p.add_argument("--duration", type=int, default=10, help="seconds of measured load per scenario and server")
    p.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load before each measurement")
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--threads", type=int, default=2, help="wrk threads")
    p.add_argument("--loader", choices=("auto", "wrk", "aiohttp"), default="auto")
    p.add_argument("--companies", type=int, default=1000)
    p.add_argument("--people", type=int, default=10_000)
    p.add_argument("--scenarios", default="list,read,create,update,update-many",
                   help="comma-separated subset of list,read,create,update,update-many")
    p.add_argument("--pg", default=f"postgresql://postgres@{HOST}:5432",
                   help="PostgreSQL server (user@host:port, no database); must be on 127.0.0.1")
    p.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    args = p.parse_args()
    if f"@{HOST}:" not in args.pg and f"//{HOST}:" not in args.pg:
        p.error(f"--pg must point at {HOST}")
    if not 1 <= args.duration <= 120 or not 0 <= args.warmup <= 30:
        p.error("--duration must be 1..120 and --warmup 0..30 seconds")
    return args


def main() -> int:
    args = parse_args()
    loader = args.loader
    if loader == "auto":
        loader = "wrk" if shutil.which("wrk") else "aiohttp"
    scenario_names = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    python = sys.executable
    vingt_bin = str(Path(python).parent / "vingt")
    if not Path(vingt_bin).exists():
        vingt_bin = shutil.which("vingt") or vingt_bin
    db_name = f"vingt_bench_{secrets.token_hex(4)}"
    admin_dsn = f"{args.pg}/postgres"
    dsn = f"{args.pg}/{db_name}"
    servers: list[Server] = []
    workdir = Path(tempfile.mkdtemp(prefix="vingt-bench-"))
    started = time.monotonic()
    created_db = False
    try:
        log(f"creating database {db_name}")
        asyncio.run(create_database(admin_dsn, db_name))
        created_db = True

        out = subprocess.run([vingt_bin, "workspace", "create", "Bench", "--database", dsn],
                             capture_output=True, text=True, timeout=120, cwd=workdir)
        if out.returncode != 0:
            raise RuntimeError(f"vingt workspace create failed: {out.stderr}")
        ws = json.loads(out.stdout.strip().splitlines()[-1])
        token, workspace_id = ws["apiKey"], ws["workspaceId"]
        log(f"workspace {workspace_id}")

        vport = free_port()
        unlimited_rates()
        vingt = start_server("vingt", [vingt_bin, "serve", "--database", dsn, "--port", str(vport),
                                       "--host", HOST, "--workers", "1"], vport, workdir)
        servers.append(vingt)
        log(f"vingt serving at {vingt.url} (pid {vingt.proc.pid})")

        t0 = time.monotonic()
        company_ids, person_ids = asyncio.run(seed(vingt.url, token, args.companies, args.people))
        log(f"seeded {len(company_ids)} companies and {len(person_ids)} people in {time.monotonic() - t0:.1f}s")

        schema, key_name, pg_version = asyncio.run(workspace_info(dsn, workspace_id))
        bport = free_port()
        baseline = start_server("baseline", [python, str(BENCH / "baseline_app.py"), "--database", dsn,
                                             "--schema", schema, "--actor-name", key_name,
                                             "--host", HOST, "--port", str(bport)], bport, workdir)
        servers.append(baseline)
        log(f"baseline serving at {baseline.url} (pid {baseline.proc.pid}), schema {schema}")

        checks = asyncio.run(check_shapes(vingt.url, baseline.url, token, person_ids))
        print("\nShape checks:")
        for c in checks:
            print(f"  [{'ok' if c.ok else 'MISMATCH'}] {c.name}" + (f" — {c.detail}" if c.detail else ""))
        print()

        read_ids = person_ids[:]
        random.Random(7).shuffle(read_ids)
        scenarios = {
            "list": Scenario("list", "GET", LIST_PATH),
            "read": Scenario("read", "GET", "/rest/people/", ids=read_ids),
            "create": Scenario("create", "POST", "/rest/people", body=json.dumps(CREATE_BODY).encode()),
            "update": Scenario("update", "PATCH", "/rest/people/", body=json.dumps(UPDATE_BODY).encode(),
                               ids=read_ids),
            "update-many": Scenario("update-many", "PATCH", UPDATE_MANY_PATH,
                                    body=json.dumps(UPDATE_MANY_BODY).encode(),
                                    ids=[str(g) for g in range(UPDATE_GROUPS)]),
        }
        rows: list[tuple[str, Result, Result]] = []
        for name in scenario_names:
            sc = scenarios[name]
            asyncio.run(vacuum(dsn))  # every scenario starts without the dead rows of the one before
            # rounds alternate the two servers so that both see the same drift of a shared
            # machine; each server's median round is reported
            measured: dict[str, list[Result]] = {"vingt": [], "baseline": []}
            for _round in range(args.rounds):
                for server, tok in ((vingt, token), (baseline, None)):
                    if args.warmup:
                        load(loader, server.url, sc, tok, args.warmup, args, workdir)
                    r = load(loader, server.url, sc, tok, args.duration, args, workdir)
                    log(f"{name:<6} {server.name:<8} {r.rps:8.1f} req/s  p50 {r.p50_ms:.2f} ms  "
                        f"p99 {r.p99_ms:.2f} ms  non-2xx {r.non_2xx}  socket errors {r.socket_errors}"
                        + (f"  (first bad status {r.first_bad_status})" if r.first_bad_status else ""))
                    measured[server.name].append(r)
            rows.append((name, median_result(measured["vingt"]), median_result(measured["baseline"])))

        print()
        print(f"{args.connections} connections, {args.rounds} alternating rounds of {args.duration}s "
              f"after {args.warmup}s warm-up (median round shown), "
              f"loader {loader}, {os.cpu_count()} CPUs shared by loader, servers and PostgreSQL {pg_version}")
        print("read = GET /rest/people/<id> cycling through all seeded ids; err = non-2xx + socket errors")
        print(table(rows))
        total_errors = sum(v.non_2xx + v.socket_errors + b.non_2xx + b.socket_errors for _, v, b in rows)
        print(f"\nnon-2xx responses / socket errors in total: {total_errors}")

        result = {
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "settings": {
                "duration_s": args.duration, "warmup_s": args.warmup, "connections": args.connections,
                "wrk_threads": args.threads if loader == "wrk" else None, "loader": loader,
                "companies": len(company_ids), "people": len(person_ids), "list_path": LIST_PATH,
                "read": "GET /rest/people/<id>, cycling through every seeded person id",
                "create_body": CREATE_BODY,
                "update": f"PATCH /rest/people/<id> {json.dumps(UPDATE_BODY)}, cycling through every seeded id",
                "update_many": f"PATCH {UPDATE_MANY_PATH}<0..{UPDATE_GROUPS - 1}> {json.dumps(UPDATE_MANY_BODY)} "
                               f"({UPDATE_MANY} records each)",
            },
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                        "platform": platform.platform(), "postgresql": pg_version},
            "checks": [asdict(c) for c in checks],
            "scenarios": {
                name: {"vingt": asdict(v), "baseline": asdict(b),
                       "ratio_rps": round(v.rps / b.rps, 3) if b.rps else None}
                for name, v, b in rows
            },
        }
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        log(f"results written to {args.output}")
        ok = all(c.ok for c in checks) and total_errors == 0
        return 0 if ok else 1
    finally:
        for s in reversed(servers):
            s.stop()
            log(f"stopped {s.name} (exit {s.proc.returncode})")
        if created_db:
            try:
                asyncio.run(drop_database(admin_dsn, db_name))
                log(f"dropped database {db_name}")
            except Exception as exc:  # keep the original error, if any
                log(f"could not drop database {db_name}: {exc}")
        with contextlib.suppress(OSError):
            shutil.rmtree(workdir)
        log(f"total {time.monotonic() - started:.0f}s")


if __name__ == "__main__":
    sys.exit(main())
