"""Long property-based run: schemathesis on every operation of both OpenAPI documents
(``/rest/open-api/core`` and ``/rest/open-api/metadata``), on SQLite and on PostgreSQL
(127.0.0.1:5432, or ``VINGT_TEST_PG_URL``), with many examples per operation.

    python3 scripts/fuzz.py                 # 100 examples per operation, both databases
    VINGT_FUZZ_EXAMPLES=500 python3 scripts/fuzz.py --database sqlite

Like ``tests/e2e/test_schemathesis.py`` (which runs a small example count in the default
suite), it leaves ``Idempotency-Key`` and ``If-Match`` out of the document and checks for
server errors and responses that contradict the document. Bounded by examples, not by time.
Reports go to ``build/fuzz/``; the exit status is non-zero when any run fails.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import _venv

ROOT = _venv.ROOT
if Path(sys.prefix).resolve() != _venv.VENV.resolve():
    python = _venv.ensure("test")
    os.execv(str(python), [str(python), __file__, *sys.argv[1:]])

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import uuid  # noqa: E402

import httpx  # noqa: E402

sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from test_schemathesis import SEED, narrow  # noqa: E402

from live_server import Server  # noqa: E402

PG_ADMIN_URL = os.environ.get("VINGT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DOCUMENTS = ("core", "metadata")


def _pg_admin(sql: str) -> None:
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


def fuzz(server: Server, out: Path, examples: int) -> list[str]:
    """Run schemathesis on both documents; the names of the failed runs."""
    auth = {"Authorization": f"Bearer {server.key}"}
    failed = []
    for name in DOCUMENTS:
        r = httpx.get(f"{server.base}/rest/open-api/{name}", headers=auth, timeout=60)
        r.raise_for_status()
        schema = out / f"{name}.json"
        schema.write_text(json.dumps(narrow(r.json())))
        base = server.base + ("/rest/metadata" if name == "metadata" else "/rest")
        command = [
            sys.executable, "-m", "schemathesis.cli", "run", str(schema),
            "--url", base,
            "--header", f"Authorization: Bearer {server.key}",
            "--checks", "not_a_server_error,response_schema_conformance",
            "--max-examples", str(examples),
            "--seed", str(SEED),
            "--workers", "1",
            "--suppress-health-check", "all",
            "--request-timeout", "60",
            "--report", "ndjson", "--report-ndjson-path", str(out / f"{name}.ndjson"),
        ]
        print(f"== {out.name}: {name} document, {examples} examples per operation", flush=True)
        if subprocess.run(command, cwd=out).returncode != 0:
            failed.append(f"{out.name}/{name}")
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--examples", type=int, default=int(os.environ.get("VINGT_FUZZ_EXAMPLES", "100")))
    args = parser.parse_args()
    failed: list[str] = []
    for kind in ("sqlite", "postgresql"):
        if args.database not in (kind, "both"):
            continue
        out = ROOT / "build" / "fuzz" / kind
        out.mkdir(parents=True, exist_ok=True)
        pg_name = None
        if kind == "sqlite":
            db = out / "vingt.db"
            for leftover in out.glob("vingt.db*"):
                leftover.unlink()
            url = f"sqlite:///{db}"
        else:
            pg_name = f"{os.environ.get('VINGT_TEST_PG_DB_PREFIX', 'vingt_test')}_fuzz_{uuid.uuid4().hex[:12]}"
            _pg_admin(f'CREATE DATABASE "{pg_name}"')
            url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{pg_name}"
        try:
            server = Server(url, out / "server.log", cwd=out)
            try:
                if not server.key:
                    sys.exit(f"vingt serve printed no API key, see {out / 'server.log'}")
                failed += fuzz(server, out, args.examples)
            finally:
                server.stop()
        finally:
            if pg_name:
                _pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
    print("fuzz: " + ("failed: " + ", ".join(failed) if failed else "no failure"), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
