"""The ``vingt`` command: serve, worker, seed, workspace create / list, apikey create / list / revoke.

Commands that print records print one JSON object per line; tokens are printed once, when a
key is created, and never again (they are not stored)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from vingt.db.database import Database, open_database
from vingt.db.migrate import upgrade
from vingt.db.url import parse_database_url
from vingt.settings import DEFAULT_DATABASE_URL


def _database_url(arg: str | None) -> str:
    return arg or os.environ.get("VINGT_DATABASE_URL") or DEFAULT_DATABASE_URL


def _with_db(url: str, fn: Callable[[Database], Awaitable[Any]]) -> Any:
    parsed = parse_database_url(url)
    upgrade(parsed)

    async def run() -> Any:
        db = open_database(parsed)
        await db.start()
        try:
            return await fn(db)
        finally:
            await db.close()

    return asyncio.run(run())


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from vingt.workspaces import create_workspace, first_workspace

    url = _database_url(args.database)
    os.environ["VINGT_DATABASE_URL"] = url
    if args.log_format:
        os.environ["VINGT_LOG_FORMAT"] = args.log_format

    async def bootstrap(db: Database) -> None:
        if await first_workspace(db) is None:
            workspace_id, key = await create_workspace(db, "Default")
            print(f"Created workspace 'Default' ({workspace_id}).")
            print("API key (shown once, keep it):")
            print(key.token, flush=True)
            if not args.no_demo:
                from vingt.demo import seed, summary

                result = await seed(db, workspace_id)
                print(f"Added demo data to 'Default': {summary(result.counts)} (vingt serve --no-demo skips it).",
                      flush=True)

    _with_db(url, bootstrap)
    if args.workers > 1 and not os.environ.get("VINGT_REDIS_URL"):
        print(
            f"warning: {args.workers} workers without VINGT_REDIS_URL: each counts the rate limits on its own, "
            f"so a workspace may send up to {args.workers} times its limit",
            file=sys.stderr, flush=True,
        )
    print(f"Vingt listening on http://{args.host}:{args.port} (database {url})", flush=True)
    uvicorn.run(
        "vingt.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop="uvloop",
        http="httptools",
        log_level=os.environ.get("VINGT_LOG_LEVEL", "warning"),
        access_log=False,
    )
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Deliver webhooks until SIGTERM or SIGINT, without serving HTTP (for deployments that run
    ``vingt serve`` with VINGT_WEBHOOK_DELIVERY=false)."""
    import signal

    from vingt.settings import Settings
    from vingt.sql.dialect import dialect_for
    from vingt.webhooks.dispatcher import Dispatcher

    url = _database_url(args.database)

    async def run(db: Database) -> None:
        dispatcher = Dispatcher(db, dialect_for(db.kind), Settings.from_env(database_url=url))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        dispatcher.start()
        print(f"Vingt worker delivering webhooks (database {url})", flush=True)
        await stop.wait()
        await dispatcher.stop()

    _with_db(url, run)
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    """Fill a workspace with the demo data (``vingt.demo``), a progress bar on stderr when it is a
    terminal, one summary line on stdout."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from vingt.demo import seed, summary

    console = Console(stderr=True)
    bar = Progress(TextColumn("{task.description:<16}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   console=console, disable=not console.is_terminal)
    task = bar.add_task("demo data", total=None)

    def total(counts: dict[str, int]) -> None:
        bar.update(task, total=sum(counts.values()))

    def progress(plural: str, n: int) -> None:
        bar.update(task, advance=n, description=plural)

    async def run(db: Database) -> Any:
        with bar:
            return await seed(db, args.workspace, args.size, progress=progress, total=total)

    try:
        result = _with_db(_database_url(args.database), run)
    except LookupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if result.already:
        print(f"Workspace {args.workspace} already holds the demo data: nothing added.")
    else:
        print(f"Added demo data to workspace {args.workspace}: {summary(result.counts)}.")
    return 0


def cmd_workspace_create(args: argparse.Namespace) -> int:
    from vingt.workspaces import create_workspace

    workspace_id, key = _with_db(_database_url(args.database), lambda db: create_workspace(db, args.name))
    print(orjson.dumps({"workspaceId": workspace_id, "apiKey": key.token}).decode())
    return 0


def cmd_workspace_list(args: argparse.Namespace) -> int:
    from vingt.db.system_queries import list_workspaces
    from vingt.sql.dialect import dialect_for

    for row in _with_db(_database_url(args.database), lambda db: list_workspaces(db, dialect_for(db.kind))):
        print(orjson.dumps(row).decode())
    return 0


def cmd_apikey_list(args: argparse.Namespace) -> int:
    from vingt.db.system_queries import list_api_keys, workspace_exists
    from vingt.sql.dialect import dialect_for

    async def listed(db: Database) -> list[dict[str, Any]] | None:
        dialect = dialect_for(db.kind)
        if not await workspace_exists(db, dialect, args.workspace):
            return None
        return await list_api_keys(db, dialect, args.workspace)

    rows = _with_db(_database_url(args.database), listed)
    if rows is None:
        print(f"error: no workspace {args.workspace}", file=sys.stderr)
        return 1
    for row in rows:
        print(orjson.dumps(row).decode())
    return 0


def cmd_apikey_create(args: argparse.Namespace) -> int:
    from vingt.workspaces import create_api_key

    try:
        key = _with_db(
            _database_url(args.database), lambda db: create_api_key(db, args.workspace, args.name, args.expires_at)
        )
    except (LookupError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(orjson.dumps({"id": key.id, "token": key.token}).decode())
    return 0


def cmd_apikey_revoke(args: argparse.Namespace) -> int:
    from vingt.workspaces import revoke_api_key

    if not _with_db(_database_url(args.database), lambda db: revoke_api_key(db, args.id)):
        print(f"error: no active API key {args.id}", file=sys.stderr)
        return 1
    print(orjson.dumps({"id": args.id, "revoked": True}).decode())
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="vingt", description="A CRM server that speaks Twenty's API.")
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=3000)
    serve.add_argument("--database", help=f"database URL (default $VINGT_DATABASE_URL or {DEFAULT_DATABASE_URL})")
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--log-format", dest="log_format", choices=("text", "json"),
                       help="the request log on stderr: text (default) or json lines")
    serve.add_argument("--no-demo", dest="no_demo", action="store_true",
                       help="do not fill the Default workspace with demo data when it is created")
    serve.set_defaults(fn=cmd_serve)

    worker = sub.add_parser("worker", help="deliver webhooks from the event outbox, without serving HTTP")
    worker.add_argument("--database", help=f"database URL (default $VINGT_DATABASE_URL or {DEFAULT_DATABASE_URL})")
    worker.set_defaults(fn=cmd_worker)

    seed = sub.add_parser("seed", help="fill a workspace with demo data (companies, people, opportunities, …)")
    seed.add_argument("--workspace", required=True)
    seed.add_argument("--size", choices=("small", "medium", "large"), default="small",
                      help="small: 60 people (default), medium: 10,000, large: 100,000")
    seed.add_argument("--database", help=f"database URL (default $VINGT_DATABASE_URL or {DEFAULT_DATABASE_URL})")
    seed.set_defaults(fn=cmd_seed)

    ws = sub.add_parser("workspace", help="manage workspaces").add_subparsers(dest="action", required=True)
    create = ws.add_parser("create", help="create a workspace with its standard objects and an API key")
    create.add_argument("name")
    create.add_argument("--database")
    create.set_defaults(fn=cmd_workspace_create)
    wl = ws.add_parser("list", help="list the workspaces (JSON lines)")
    wl.add_argument("--database")
    wl.set_defaults(fn=cmd_workspace_list)

    keys = sub.add_parser("apikey", help="manage API keys").add_subparsers(dest="action", required=True)
    kc = keys.add_parser("create", help="create an API key and print its token")
    kc.add_argument("--workspace", required=True)
    kc.add_argument("--name", default="API key")
    kc.add_argument("--expires-at", dest="expires_at")
    kc.add_argument("--database")
    kc.set_defaults(fn=cmd_apikey_create)
    kl = keys.add_parser("list", help="list a workspace's API keys (JSON lines; never the tokens)")
    kl.add_argument("--workspace", required=True)
    kl.add_argument("--database")
    kl.set_defaults(fn=cmd_apikey_list)
    kr = keys.add_parser("revoke", help="revoke an API key")
    kr.add_argument("id")
    kr.add_argument("--database")
    kr.set_defaults(fn=cmd_apikey_revoke)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.fn(args))


if __name__ == "__main__":
    sys.exit(main())
