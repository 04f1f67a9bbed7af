"""GraphQL load benchmark: Vingt's ``/graphql`` against its own REST routes, in the same run.

Creates a throwaway PostgreSQL database and workspace, seeds it as ``rest_bench.py`` does, then
loads two pairs of routes of one ``vingt serve`` over loopback, in alternating rounds:

- ``list``: REST's ``list`` scenario (``GET /rest/people?filter=city[eq]:Paris&order_by=
  name.lastName[AscNullsFirst]&limit=60&depth=1``) and the GraphQL document selecting the same:
  ``people(filter: {city: {eq: "Paris"}}, orderBy: [{name: {lastName: AscNullsFirst}}], first: 60)``
  with ``totalCount``, ``pageInfo`` and every field REST renders at depth 1 — each field of a
  person, its company's fields, and each one-to-many relation's records (``edges { node { … } }``)
  — generated from the schema's introspection;
- ``read``: ``GET /rest/people/<id>`` (depth 0) and ``person(filter: {id: {eq: $id}}) { … }`` with
  the person's own fields, both cycling through every seeded id.

Before the load it checks that both answer the same records (ids in order, the same keys per
record). Prints requests/s, latencies and the GraphQL/REST ratios; writes
``bench/results/graphql-latest.json``. See ``bench/README.md``.

    .venv/bin/python bench/graphql_bench.py --rounds 3 --duration 5
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
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rest_bench import (  # noqa: E402
    COMMON_CITY,
    HOST,
    ID_MARK,
    LIST_PATH,
    RESULTS,
    Result,
    Scenario,
    Server,
    create_database,
    drop_database,
    free_port,
    load,
    log,
    median_result,
    seed,
    start_server,
    unlimited_rates,
    workspace_info,
)

INTROSPECT = """{ __schema { types { name kind fields { name type { kind name ofType { kind name ofType {
  kind name ofType { kind name } } } } } } } }"""
# composite types are selected with their sub-fields; an object type with an id is a record
CONNECTION_SUFFIX = "Connection"


def named(t: dict[str, Any]) -> dict[str, Any]:
    while t.get("ofType"):
        t = t["ofType"]
    return t


def selection(types: dict[str, Any], type_name: str, depth: int) -> str:
    """Every field of ``type_name`` as REST renders it at ``depth``: scalars and composites, and
    at depth 1 the many-to-one records' and one-to-many connections' fields (at depth 0)."""
    out = []
    for f in types[type_name]["fields"]:
        t = named(f["type"])
        if t["kind"] in ("SCALAR", "ENUM"):
            out.append(f["name"])
            continue
        target = types[t["name"]]
        field_names = {g["name"] for g in target["fields"]}
        if t["name"].endswith(CONNECTION_SUFFIX) and "edges" in field_names:
            if depth >= 1:
                node = named(next(g for g in types[named(next(g for g in target["fields"] if g["name"] == "edges")
                                                           ["type"])["name"]]["fields"] if g["name"] == "node")["type"])
                out.append(f"{f['name']} {{ edges {{ node {{ {selection(types, node['name'], 0)} }} }} }}")
        elif "id" in field_names:
            if depth >= 1:
                out.append(f"{f['name']} {{ {selection(types, t['name'], 0)} }}")
        else:
            out.append(f"{f['name']} {{ {selection(types, t['name'], 0)} }}")
    return " ".join(out)


async def documents(base: str, token: str) -> tuple[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as s, s.post(base + "/graphql", json={"query": INTROSPECT}) as r:
        body = await r.json()
    types = {t["name"]: t for t in body["data"]["__schema"]["types"] if t["fields"]}
    person = selection(types, "Person", 1)
    list_doc = (
        f'query List {{ people(filter: {{city: {{eq: "{COMMON_CITY}"}}}}, '
        f"orderBy: [{{name: {{lastName: AscNullsFirst}}}}], first: 60) {{ totalCount "
        f"pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} edges {{ cursor node {{ {person} }} }} }} }}"
    )
    # GET /rest/people/<id> renders at depth 0: the person's own fields
    read_doc = f"query Read($id: UUID!) {{ person(filter: {{id: {{eq: $id}}}}) {{ {selection(types, 'Person', 0)} }} }}"
    return list_doc, read_doc


def keys(record: dict[str, Any]) -> set[str]:
    return set(record)


async def check(base: str, token: str, list_doc: str, read_doc: str, person_id: str) -> list[str]:
    """Differences between the GraphQL answers and REST's (ids in order, keys of each record)."""
    problems = []
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as s:
        async with s.get(base + LIST_PATH) as r:
            rest = (await r.json())["data"]["people"]
        async with s.post(base + "/graphql", json={"query": list_doc}) as r:
            answer = await r.json()
        if "errors" in answer:
            return [f"list: {answer['errors'][:2]}"]
        nodes = [e["node"] for e in answer["data"]["people"]["edges"]]
        if [n["id"] for n in nodes] != [p["id"] for p in rest]:
            problems.append("list: not the same people in the same order")
        for n, p in zip(nodes, rest, strict=False):
            if keys(n) != keys(p):
                problems.append(f"list: fields differ: {sorted(keys(n) ^ keys(p))}")
                break
        async with s.get(base + f"/rest/people/{person_id}") as r:
            one = (await r.json())["data"]["person"]
        async with s.post(base + "/graphql", json={"query": read_doc, "variables": {"id": person_id}}) as r:
            answer = await r.json()
        if "errors" in answer:
            return [*problems, f"read: {answer['errors'][:2]}"]
        if keys(answer["data"]["person"]) != keys(one) or answer["data"]["person"]["id"] != one["id"]:
            problems.append(f"read: fields differ: {sorted(keys(answer['data']['person']) ^ keys(one))}")
    return problems


def table(rows: list[tuple[str, Result, Result]]) -> str:
    head = (f"{'scenario':<8} | {'REST req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'err':>4} | "
            f"{'GraphQL req/s':>13} {'p50 ms':>8} {'p99 ms':>8} {'err':>4} | {'GraphQL/REST':>12}")
    lines = [head, "-" * len(head)]
    for name, rest, gql in rows:
        ratio = gql.rps / rest.rps if rest.rps else float("nan")
        lines.append(
            f"{name:<8} | {rest.rps:>10.1f} {rest.p50_ms:>8.2f} {rest.p99_ms:>8.2f} {rest.non_2xx + rest.socket_errors:>4} | "
            f"{gql.rps:>13.1f} {gql.p50_ms:>8.2f} {gql.p99_ms:>8.2f} {gql.non_2xx + gql.socket_errors:>4} | {ratio:>12.2f}"
        )
    return "\n".join(lines)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Vingt GraphQL load benchmark against its REST routes.")
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds per scenario; medians are reported")
    p.add_argument("--duration", type=int, default=8, help="seconds of measured load per scenario and API")
    p.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load before each measurement")
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--threads", type=int, default=2, help="wrk threads")
    p.add_argument("--loader", choices=("auto", "wrk", "aiohttp"), default="auto")
    p.add_argument("--companies", type=int, default=1000)
    p.add_argument("--people", type=int, default=10_000)
    p.add_argument("--scenarios", default="list,read", help="comma-separated subset of list,read")
    p.add_argument("--pg", default=f"postgresql://postgres@{HOST}:5432",
                   help="PostgreSQL server (user@host:port, no database); must be on 127.0.0.1")
    p.add_argument("--output", type=Path, default=RESULTS / "graphql-latest.json")
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
    names = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    vingt_bin = str(Path(sys.executable).parent / "vingt")
    if not Path(vingt_bin).exists():
        vingt_bin = shutil.which("vingt") or vingt_bin
    db_name = f"vingt_bench_{secrets.token_hex(4)}"
    admin_dsn = f"{args.pg}/postgres"
    dsn = f"{args.pg}/{db_name}"
    server: Server | None = None
    workdir = Path(tempfile.mkdtemp(prefix="vingt-gql-bench-"))
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
        port = free_port()
        unlimited_rates()
        server = start_server("vingt", [vingt_bin, "serve", "--database", dsn, "--port", str(port),
                                        "--host", HOST, "--workers", "1"], port, workdir)
        log(f"vingt serving at {server.url} (pid {server.proc.pid})")
        t0 = time.monotonic()
        company_ids, person_ids = asyncio.run(seed(server.url, token, args.companies, args.people))
        log(f"seeded {len(company_ids)} companies and {len(person_ids)} people in {time.monotonic() - t0:.1f}s")
        _, _, pg_version = asyncio.run(workspace_info(dsn, workspace_id))

        list_doc, read_doc = asyncio.run(documents(server.url, token))
        problems = asyncio.run(check(server.url, token, list_doc, read_doc, person_ids[0]))
        print("\nShape check: " + ("ok (same records, same fields as REST)" if not problems else "; ".join(problems)))
        print(f"list document: {len(list_doc)} characters; read document: {len(read_doc)}\n")

        read_ids = person_ids[:]
        random.Random(7).shuffle(read_ids)
        pairs = {
            "list": (Scenario("list", "GET", LIST_PATH),
                     Scenario("gql-list", "POST", "/graphql", body=json.dumps({"query": list_doc}).encode())),
            "read": (Scenario("read", "GET", "/rest/people/", ids=read_ids),
                     Scenario("gql-read", "POST", "/graphql", ids=read_ids, body_template=json.dumps(
                         {"query": read_doc, "variables": {"id": ID_MARK}}))),
        }
        rows: list[tuple[str, Result, Result]] = []
        for name in names:
            measured: dict[str, list[Result]] = {"REST": [], "GraphQL": []}
            for _round in range(args.rounds):
                for api, sc in zip(("REST", "GraphQL"), pairs[name], strict=True):
                    if args.warmup:
                        load(loader, server.url, sc, token, args.warmup, args, workdir)
                    r = load(loader, server.url, sc, token, args.duration, args, workdir)
                    log(f"{name:<5} {api:<8} {r.rps:8.1f} req/s  p50 {r.p50_ms:.2f} ms  p99 {r.p99_ms:.2f} ms  "
                        f"non-2xx {r.non_2xx}  socket errors {r.socket_errors}")
                    measured[api].append(r)
            rows.append((name, median_result(measured["REST"]), median_result(measured["GraphQL"])))

        print()
        print(f"{args.connections} connections, {args.rounds} alternating rounds of {args.duration}s after "
              f"{args.warmup}s warm-up (median round shown), loader {loader}, {os.cpu_count()} CPUs shared by "
              f"loader, server and PostgreSQL {pg_version}; one vingt serve worker")
        print(table(rows))
        errors = sum(a.non_2xx + a.socket_errors + b.non_2xx + b.socket_errors for _, a, b in rows)
        result = {
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "settings": {"duration_s": args.duration, "warmup_s": args.warmup, "connections": args.connections,
                         "loader": loader, "companies": len(company_ids), "people": len(person_ids),
                         "list_path": LIST_PATH, "list_document": list_doc, "read_document": read_doc},
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                        "platform": platform.platform(), "postgresql": pg_version},
            "check": problems,
            "scenarios": {name: {"rest": asdict(a), "graphql": asdict(b),
                                 "ratio_rps": round(b.rps / a.rps, 3) if a.rps else None} for name, a, b in rows},
        }
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        log(f"results written to {args.output}")
        return 0 if not problems and errors == 0 else 1
    finally:
        if server is not None:
            server.stop()
            log(f"stopped vingt (exit {server.proc.returncode})")
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
