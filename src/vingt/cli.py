"""The ``vingt`` command: serve, worker, settings, seed, workspace create / list, apikey create / list /
revoke, import and export.

Commands that print records print one JSON object per line; tokens are printed once, when a
key is created, and never again (they are not stored). The flags that set settings
(``--database``, ``--port``, …) come from the settings table (``vingt.settings``)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import orjson

from vingt.db.database import Database, open_database
from vingt.db.migrate import upgrade
from vingt.db.url import parse_database_url
from vingt.settings import (
    BY_NAME,
    SETTINGS,
    Setting,
    SettingError,
    Settings,
    format_value,
    mask_url,
    masked,
    render_markdown,
    resolve,
)

SERVE_FLAGS = tuple(s for s in SETTINGS if s.flag)


def _flag_type(s: Setting) -> Callable[[str], Any]:
    def parse(raw: str) -> Any:
        try:
            return s.parse(raw)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def _add_flags(p: argparse.ArgumentParser, settings: Iterable[Setting]) -> None:
    """One flag per setting, its value parsed as the environment's would be."""
    for s in settings:
        assert s.flag
        default = format_value(s.default) or "empty"
        p.add_argument(
            s.flag, dest=s.name, type=_flag_type(s), default=None,
            metavar="|".join(s.choices) if s.choices else s.name.upper(),
            help=f"{s.help} (default ${s.env}, else {default})".replace("%", "%%"),
        )


def _flags(args: argparse.Namespace) -> dict[str, Any]:
    return {s.name: getattr(args, s.name) for s in SETTINGS if s.flag and hasattr(args, s.name)}


def _settings(args: argparse.Namespace) -> Settings:
    """The environment's settings, the command's flags taking precedence."""
    return Settings.from_env(**_flags(args))


def _database_url(args: argparse.Namespace) -> str:
    return _settings(args).database_url


def _with_db(url: str, fn: Callable[[Database], Awaitable[Any]], *, fast_loop: bool = False) -> Any:
    """``fn`` on the opened database; ``fast_loop``: on uvloop, as ``vingt serve`` runs (for a
    process that lives long and does much I/O)."""
    parsed = parse_database_url(url)
    upgrade(parsed)

    async def run() -> Any:
        db = open_database(parsed)
        await db.start()
        try:
            return await fn(db)
        finally:
            await db.close()

    if fast_loop:
        import uvloop

        return uvloop.run(run())
    return asyncio.run(run())


def cmd_serve(args: argparse.Namespace) -> int:
    from vingt.workspaces import create_workspace, first_workspace

    settings = _settings(args)
    url = settings.database_url
    for name, value in _flags(args).items():
        if value is not None:  # for the app, built in this process or in each worker
            os.environ[BY_NAME[name].env] = format_value(value)

    async def bootstrap(db: Database) -> None:
        if await first_workspace(db) is None:
            workspace_id, key = await create_workspace(db, "Default")
            print(f"Created workspace 'Default' ({workspace_id}).")
            print("API key (shown once, keep it):")
            print(key.token)
            print(f"Another key: ./vingt apikey create --workspace {workspace_id}", flush=True)
            if not args.no_demo:
                from vingt.demo import seed, summary

                result = await seed(db, workspace_id)
                print(f"Added demo data to 'Default': {summary(result.counts)} (vingt serve --no-demo skips it).",
                      flush=True)

    _with_db(url, bootstrap)
    workers = settings.workers
    if workers > 1 and not settings.redis_url:
        print(
            f"warning: {workers} workers without VINGT_REDIS_URL: each counts the rate limits on its own, "
            f"so a workspace may send up to {workers} times its limit",
            file=sys.stderr, flush=True,
        )
    # the workers' metrics are written to files that /metrics reads back, in a directory that must
    # exist before they start: a fresh one, unless the operator named theirs (kept, not emptied)
    made = None
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        made = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="vingt-metrics-")
    from vingt.webhooks import process

    delivery = process.DeliveryProcess(settings) if process.wanted(settings, parse_database_url(url).kind) else None
    print(f"Vingt listening on http://{settings.host}:{settings.port} (database {mask_url(url)})")
    for line in start_lines(settings.host, settings.port):
        print(line)
    sys.stdout.flush()
    stopped_by = None
    try:
        if delivery is not None:
            delivery.start()
        stopped_by = _serve_http(settings, workers)
    finally:
        if delivery is not None:
            delivery.stop()  # after the serving processes: the writes they finished may still wake it
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)
    if stopped_by is not None and stopped_by != signal.SIGINT:
        signal.signal(stopped_by, signal.SIG_DFL)  # end as the signal ends a process, as uvicorn does
        signal.raise_signal(stopped_by)
    return 0


def _serve_http(settings: Settings, workers: int) -> int | None:
    """uvicorn, as ``uvicorn.run`` runs it. One process: the signal that stopped it, which uvicorn
    would raise again on its way out and which ``vingt serve`` raises once its delivery process has
    stopped in turn."""
    import uvicorn

    from vingt.protocol import Protocol

    options: dict[str, Any] = {
        "factory": True, "host": settings.host, "port": settings.port, "loop": "uvloop", "http": Protocol,
        "log_level": settings.log_level, "access_log": False,
        # SIGTERM: stop accepting, let requests in flight finish within the bound, then the
        # lifespan stops the webhook dispatcher (no new claims; attempts in flight finish)
        "timeout_graceful_shutdown": max(1, round(settings.shutdown_timeout_seconds)),  # whole seconds
    }
    if workers > 1:
        uvicorn.run("vingt.app:serve_app", workers=workers, **options)
        return None

    class Serving(uvicorn.Server):
        stopped_by: int | None = None

        def handle_exit(self, sig: int, frame: Any) -> None:  # uvicorn's, without the signal kept for later
            self.stopped_by = sig
            if self.should_exit and sig == signal.SIGINT:
                self.force_exit = True
            else:
                self.should_exit = True

    server = Serving(uvicorn.Config("vingt.app:serve_app", **options))
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:
        raise SystemExit(3)  # uvicorn's exit status for a server that could not start
    return server.stopped_by


def start_lines(host: str, port: int) -> list[str]:
    """Where to go once the server is up (printed on every start)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    base = f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"
    return [
        f"  home page      {base}/",
        f"  API reference  {base}/rest/docs",
        f"  GraphQL        {base}/graphql (GraphiQL in a browser; records)",
        f"  metadata API   {base}/metadata (GraphQL: objects, fields, webhooks)",
        "  keys           ./vingt workspace list, ./vingt apikey list --workspace ID, ./vingt apikey create --workspace ID",
    ]


def cmd_worker(args: argparse.Namespace) -> int:
    """Deliver webhooks until SIGTERM or SIGINT, without serving HTTP (for deployments that run
    ``vingt serve`` with VINGT_WEBHOOK_DELIVERY=false, and as the delivery process ``vingt serve``
    starts on PostgreSQL: ``webhooks/process.py``)."""
    from vingt.sql.dialect import dialect_for
    from vingt.webhooks.dispatcher import Dispatcher
    from vingt.webhooks.wake import WakeListener

    settings = _settings(args)
    url = settings.database_url
    if args.niceness:
        os.nice(args.niceness)

    async def run(db: Database) -> None:
        dispatcher = Dispatcher(db, dialect_for(db.kind), settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        listener = WakeListener(args.wake_socket, dispatcher.wake) if args.wake_socket else None
        if args.parent_fd is not None:
            def parent_gone() -> None:  # the pipe's write end closed: ``vingt serve`` is gone
                if not os.read(args.parent_fd, 64):
                    loop.remove_reader(args.parent_fd)
                    stop.set()

            loop.add_reader(args.parent_fd, parent_gone)
        dispatcher.start()
        if args.parent_fd is None:
            print(f"Vingt worker delivering webhooks (database {mask_url(url)})", flush=True)
        await stop.wait()
        if listener is not None:
            listener.close()
        await dispatcher.stop()
        if args.parent_fd is not None and args.wake_socket:
            with contextlib.suppress(OSError):  # ``vingt serve`` killed: its directory is left to this process
                os.rmdir(os.path.dirname(args.wake_socket))

    _with_db(url, run, fast_loop=True)
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
        result = _with_db(_database_url(args), run)
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

    workspace_id, key = _with_db(_database_url(args), lambda db: create_workspace(db, args.name))
    print(orjson.dumps({"workspaceId": workspace_id, "apiKey": key.token}).decode())
    return 0


def cmd_workspace_list(args: argparse.Namespace) -> int:
    from vingt.db.system_queries import list_workspaces
    from vingt.sql.dialect import dialect_for

    for row in _with_db(_database_url(args), lambda db: list_workspaces(db, dialect_for(db.kind))):
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

    rows = _with_db(_database_url(args), listed)
    if rows is None:
        print(f"error: no workspace {args.workspace}", file=sys.stderr)
        return 1
    for row in rows:
        print(orjson.dumps(row).decode())
    return 0


def cmd_apikey_create(args: argparse.Namespace) -> int:
    from vingt.workspaces import create_api_key

    try:
        objects = [o.strip() for o in args.objects.split(",") if o.strip()] if args.objects is not None else None
        key = _with_db(
            _database_url(args),
            lambda db: create_api_key(db, args.workspace, args.name, args.expires_at, args.scope, objects),
        )
    except (LookupError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(orjson.dumps({"id": key.id, "token": key.token}).decode())
    return 0


def cmd_apikey_revoke(args: argparse.Namespace) -> int:
    from vingt.workspaces import revoke_api_key

    if not _with_db(_database_url(args), lambda db: revoke_api_key(db, args.id)):
        print(f"error: no active API key {args.id}", file=sys.stderr)
        return 1
    print(orjson.dumps({"id": args.id, "revoked": True}).decode())
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    """Every setting's effective value (flags, environment, defaults) and where it came from;
    secrets and URL passwords masked."""
    if args.markdown:
        sys.stdout.write(render_markdown())
        return 0
    rows = resolve(_flags(args))
    if args.json:
        for s, value, source in rows:
            line = {"name": s.name, "env": s.env, "value": masked(s, value), "source": source}
            print(orjson.dumps(line).decode())
        return 0
    shown = [(f"{s.env}={format_value(masked(s, value))}", source) for s, value, source in rows]
    width = max(len(text) for text, _ in shown)
    for text, source in shown:
        print(f"{text:<{width}}  # {source}")
    return 0


# ---- import / export (vingt.csvio) ---------------------------------------------------------


def _csv_object(engine: Any, name: str) -> Any:
    """An object by its singular or plural name; ``LookupError`` naming the accepted ones."""
    catalog = engine.catalog
    obj = catalog.by_singular.get(name) or catalog.by_plural.get(name)
    if obj is None or not obj.is_active:
        accepted = ", ".join(sorted(o.name_plural for o in catalog.objects if o.is_active))
        raise LookupError(f"no object '{name}' (objects: {accepted})")
    return obj


def _progress(label: str) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rows]}"), TimeElapsedColumn(),
        console=Console(stderr=True), transient=False,
    )


def cmd_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from vingt.csvio.columns import HeaderError
    from vingt.csvio.importer import import_file
    from vingt.errors import ApiError
    from vingt.workspace_engine import workspace_engine

    path = Path(args.file)
    if not path.is_file():
        print(f"error: no file {path}", file=sys.stderr)
        return 2

    async def run(db: Database) -> Any:
        engine = await workspace_engine(db, args.workspace, source="IMPORT")
        obj = _csv_object(engine, args.object)
        with _progress(f"import {obj.name_plural}") as bar:
            task = bar.add_task("import", total=path.stat().st_size, rows="")
            report = await import_file(
                engine, obj, path, match=args.match, dry_run=args.dry_run, fmt=args.format,
                batch_size=args.batch_size,
                progress=lambda done, rows: bar.update(task, completed=done, rows=f"{rows} rows"),
            )
        return obj, report

    try:
        obj, report = _with_db(_database_url(args), run)
    except (LookupError, HeaderError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ApiError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    print(orjson.dumps(report.summary(obj, args.dry_run)).decode(), flush=True)
    if report.rejected:
        print(f"{len(report.rejected)} row(s) rejected: see {report.report_path}", file=sys.stderr)
        return 1
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from vingt.csvio.exporter import export_records
    from vingt.errors import ApiError
    from vingt.rest.query_grammar import parse_filter
    from vingt.workspace_engine import workspace_engine

    async def run(db: Database) -> int:
        engine = await workspace_engine(db, args.workspace, source="IMPORT")
        obj = _csv_object(engine, args.object)
        filter_ = parse_filter(args.filter) if args.filter else None
        out = open(args.output, "w", newline="", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
        try:
            with _progress(f"export {obj.name_plural}") as bar:
                task = bar.add_task("export", total=None, rows="")

                def step(done: int, total: int | None) -> None:
                    bar.update(task, completed=done, total=total)

                return await export_records(engine, obj, out, fmt=args.format, filter_=filter_, progress=step)
        finally:
            if out is not sys.stdout:
                out.close()
            else:
                out.flush()

    try:
        _with_db(_database_url(args), run)
    except LookupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ApiError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    return 0


def _csv_parsers(sub: Any) -> None:
    from vingt.engine.records import MAX_BATCH

    imp = sub.add_parser(
        "import", help="import records from a CSV (or JSON lines) file, through the engine (events included)"
    )
    imp.add_argument("object", help="the object (singular or plural name: person, people)")
    imp.add_argument("file", help="the CSV file (.jsonl / .ndjson: JSON lines); rejected rows go to FILE.rejected.csv")
    imp.add_argument("--workspace", required=True)
    imp.add_argument("--match", help="upsert: find existing records by this unique field (id, emails.primaryEmail, …)")
    imp.add_argument("--dry-run", dest="dry_run", action="store_true", help="check every row, write nothing")
    imp.add_argument("--format", choices=("csv", "jsonl"), help="the file's format (default: by its extension)")
    imp.add_argument("--batch-size", dest="batch_size", type=int, default=MAX_BATCH,
                     choices=range(1, MAX_BATCH + 1), metavar=f"1..{MAX_BATCH}", help="rows per transaction")
    _add_flags(imp, [BY_NAME["database_url"]])
    imp.set_defaults(fn=cmd_import)

    exp = sub.add_parser("export", help="export records as CSV (or JSON lines) that vingt import reads back")
    exp.add_argument("object", help="the object (singular or plural name)")
    exp.add_argument("--workspace", required=True)
    exp.add_argument("--filter", help="Twenty's filter grammar, as the REST API's filter parameter")
    exp.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    exp.add_argument("--output", "-o", help="the file to write (default: standard output)")
    _add_flags(exp, [BY_NAME["database_url"]])
    exp.set_defaults(fn=cmd_export)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="vingt", description="A CRM server that speaks Twenty's API.")
    sub = p.add_subparsers(dest="command", required=True)

    database = [BY_NAME["database_url"]]
    serve = sub.add_parser("serve", help="run the HTTP server (settings: docs/settings.md)")
    _add_flags(serve, SERVE_FLAGS)
    serve.add_argument("--no-demo", dest="no_demo", action="store_true",
                       help="do not fill the Default workspace with demo data when it is created")
    serve.set_defaults(fn=cmd_serve)

    worker = sub.add_parser("worker", help="deliver webhooks from the event outbox, without serving HTTP")
    _add_flags(worker, database)
    # the delivery process of ``vingt serve`` (webhooks/process.py): where it is woken, and the
    # pipe that tells it ``vingt serve`` is gone
    worker.add_argument("--wake-socket", help=argparse.SUPPRESS)
    worker.add_argument("--parent-fd", type=int, help=argparse.SUPPRESS)
    worker.add_argument("--niceness", type=int, default=0, help=argparse.SUPPRESS)  # added to its own
    worker.set_defaults(fn=cmd_worker)

    st = sub.add_parser("settings", help="print every setting's effective value and where it came from "
                        "(secrets masked); takes the flags of serve")
    shape = st.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="one JSON object per setting and line")
    shape.add_argument("--markdown", action="store_true", help="the settings table as docs/settings.md")
    _add_flags(st, SERVE_FLAGS)
    st.set_defaults(fn=cmd_settings)
    seed = sub.add_parser("seed", help="fill a workspace with demo data (companies, people, opportunities, …)")
    seed.add_argument("--workspace", required=True)
    seed.add_argument("--size", choices=("small", "medium", "large"), default="small",
                      help="small: 60 people (default), medium: 10,000, large: 100,000")
    _add_flags(seed, database)
    seed.set_defaults(fn=cmd_seed)

    ws = sub.add_parser("workspace", help="manage workspaces").add_subparsers(dest="action", required=True)
    create = ws.add_parser("create", help="create a workspace with its standard objects and an API key")
    create.add_argument("name")
    _add_flags(create, database)
    create.set_defaults(fn=cmd_workspace_create)
    wl = ws.add_parser("list", help="list the workspaces (JSON lines)")
    _add_flags(wl, database)
    wl.set_defaults(fn=cmd_workspace_list)

    keys = sub.add_parser("apikey", help="manage API keys").add_subparsers(dest="action", required=True)
    kc = keys.add_parser("create", help="create an API key and print its token")
    kc.add_argument("--workspace", required=True)
    kc.add_argument("--name", default="API key")
    kc.add_argument("--expires-at", dest="expires_at")
    kc.add_argument("--scope", choices=("read", "write"), default="write",
                    help="read: the key reads but never writes; write (default): it reads and writes")
    kc.add_argument("--objects", help="comma-separated object names the key reaches (default: every object)")
    _add_flags(kc, database)
    kc.set_defaults(fn=cmd_apikey_create)
    kl = keys.add_parser("list", help="list a workspace's API keys (JSON lines; never the tokens)")
    kl.add_argument("--workspace", required=True)
    _add_flags(kl, database)
    kl.set_defaults(fn=cmd_apikey_list)
    kr = keys.add_parser("revoke", help="revoke an API key")
    kr.add_argument("id")
    _add_flags(kr, database)
    kr.set_defaults(fn=cmd_apikey_revoke)
    _csv_parsers(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.fn(args))
    except SettingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
