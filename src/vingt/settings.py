"""Settings: one table. Each field of ``Settings`` declares a setting once — its type (the
annotation), default, help, environment variable (``VINGT_<NAME>`` unless given), ``vingt serve``
flag where there is one, and whether it is a secret. ``SETTINGS`` is that table; the environment,
the command's flags, ``vingt settings`` and ``docs/settings.md`` (``render_markdown``) all read it."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar, get_type_hints

from vingt.db.url import parse_database_url

DEFAULT_DATABASE_URL = "sqlite:///vingt.db"
MASK = "****"

T = TypeVar("T")


class SettingError(ValueError):
    """A setting's value is not one it can take; the message is one line naming its variable or flag."""


@dataclass(frozen=True)
class Setting:
    name: str
    type: type
    default: Any
    help: str
    env: str
    flag: str | None = None
    secret: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    check: Callable[[str], object] | None = None

    def parse(self, raw: str) -> Any:
        """The value ``raw`` (as the environment or a flag spells it) stands for; ValueError
        with a short reason when it stands for none."""
        text = raw.strip()
        shown = "" if self.secret else f": {raw!r}"
        value: Any
        if self.type is bool:
            if text.lower() in ("1", "true", "yes", "on"):
                return True
            if text.lower() in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(f"not a boolean (true or false){shown}")
        if self.type is int:
            try:
                value = int(text)
            except ValueError:
                raise ValueError(f"not an integer{shown}") from None
        elif self.type is float:
            try:
                value = float(text)
            except ValueError:
                raise ValueError(f"not a number{shown}") from None
            if not math.isfinite(value):
                raise ValueError(f"not a finite number{shown}")
        elif self.choices:
            value = text.lower()
            if value not in self.choices:
                raise ValueError(f"must be one of {', '.join(self.choices)}{shown}")
            return value
        else:
            if self.check is not None and raw:
                try:
                    self.check(raw)
                except ValueError as exc:
                    raise ValueError(mask_url(str(exc))) from None
            return raw
        if self.minimum is not None and value < self.minimum:
            raise ValueError(f"must be at least {format_value(self.minimum)}{shown}")
        if self.maximum is not None and value > self.maximum:
            raise ValueError(f"must be at most {format_value(self.maximum)}{shown}")
        return value


def setting(
    default: T, help: str, *, flag: str | None = None, secret: bool = False, choices: tuple[str, ...] = (),
    minimum: float | None = None, maximum: float | None = None, env: str | None = None,
    check: Callable[[str], object] | None = None,
) -> T:
    """A field of ``Settings`` with what the table says of it (its name and type come from the field)."""
    spec = {"help": help, "flag": flag, "secret": secret, "choices": choices, "minimum": minimum,
            "maximum": maximum, "env": env, "check": check}
    return field(default=default, metadata={"setting": spec})  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Settings:
    database_url: str = setting(
        DEFAULT_DATABASE_URL, "sqlite:///file.db (relative), sqlite:////path/file.db (absolute) or "
        "postgresql://user[:password]@host[:port]/dbname", flag="--database", check=parse_database_url)
    host: str = setting("127.0.0.1", "the address `vingt serve` listens on", flag="--host")
    port: int = setting(3000, "the TCP port `vingt serve` listens on", flag="--port", minimum=0, maximum=65535)
    workers: int = setting(1, "`vingt serve` processes sharing the port", flag="--workers", minimum=1)
    secret: str = setting(
        "", "signs the API keys; empty: a random secret generated once and kept in the database "
        "(a development default: anyone who can read the database can mint keys)", secret=True)
    default_page_size: int = setting(20, "records per page when `limit` is absent", minimum=1)
    max_page_size: int = setting(100, "largest `limit`; larger values are clamped", minimum=1)
    max_body_bytes: int = setting(10 * 1024 * 1024, "largest request body accepted, in bytes", minimum=0)
    max_url_bytes: int = setting(
        16 * 1024, "longest request target (path and query string) accepted, in bytes; longer is a 400 "
        "URL_TOO_LONG", minimum=1)
    max_query_parameters: int = setting(
        100, "most query parameters one request may carry; more is a 400 TOO_MANY_PARAMETERS", minimum=1)
    mutation_maximum_affected_records: int = setting(
        100, "most records one update, delete, destroy or restore by filter may touch; more is a 400 and "
        "nothing is written", minimum=1)
    graphql_max_page_size: int = setting(
        1000, "largest `first` / `last` of a GraphQL connection; larger values are clamped (200 when absent)",
        minimum=1)
    graphql_max_fields: int = setting(
        2000, "most field selections one GraphQL document may make, fragments counted where spread", minimum=1)
    graphql_max_document_bytes: int = setting(
        100_000, "largest GraphQL document (the query text), in bytes", minimum=1)
    statement_cache_size: int = setting(
        512, "compiled SQL statements kept per workspace catalog, least recently used dropped first", minimum=0)
    selection_cache_size: int = setting(
        512, "planned field selections kept per workspace catalog, least recently used dropped first", minimum=0)
    webhook_allow_private_targets: bool = setting(
        False, "let webhooks target loopback, private and link-local addresses, for local development")
    webhook_delivery: bool = setting(
        True, "deliver webhooks from this process; false for processes that only serve requests while "
        "`vingt worker` delivers")
    webhook_delivery_process: bool = setting(
        True, "on PostgreSQL, `vingt serve` delivers webhooks from one process of its own beside the processes "
        "serving requests, which wake it after each write; false: each serving process delivers (SQLite always "
        "does)")
    webhook_timeout_seconds: float = setting(
        5.0, "how long one delivery attempt waits for the receiver's answer", minimum=0)
    webhook_retry_base_seconds: float = setting(
        10.0, "delay before the first retry of a failed delivery; each later delay doubles, at most one hour",
        minimum=0)
    webhook_retry_hours: float = setting(
        72.0, "how long a failing delivery is retried before it is marked failed", minimum=0)
    webhook_poll_seconds: float = setting(
        1.0, "how often a process looks for events written by other processes", minimum=0)
    event_retention_days: float = setting(
        7.0, "how long events (the change feed) and finished deliveries (the delivery log) are kept", minimum=0)
    rate_limit_per_second: int = setting(
        100, "requests per second per workspace, all its keys together; 0: no limit", minimum=0)
    rate_limit_per_minute: int = setting(6000, "requests per minute per workspace; 0: no limit", minimum=0)
    redis_url: str = setting(
        "", "redis://[:password@]host:port/db where the rate limits are counted, shared by every process "
        "that uses it; empty: in each process")
    log_requests: bool = setting(True, "one line per request on stderr")
    log_format: str = setting("text", "the request log's format (json: one object per line)", flag="--log-format",
                              choices=("text", "json"))
    log_level: str = setting("warning", "the level of the server's own log (uvicorn's: start, stop, errors)", flag="--log-level",
                             choices=("critical", "error", "warning", "info", "debug", "trace"))
    metrics_token: str = setting("", "bearer token required by GET /metrics; empty: /metrics is open",
                                 secret=True)
    shutdown_timeout_seconds: float = setting(
        30.0, "on SIGTERM, how long in-flight requests and webhook deliveries may take to finish before the "
        "process exits", minimum=0)

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """The environment's settings (defaults for what it does not set), ``overrides`` that are
        not None taking precedence. SettingError for a value the environment gets wrong."""
        return cls(**{s.name: value for s, value, _ in resolve(overrides)})


def _table() -> tuple[Setting, ...]:
    hints = get_type_hints(Settings)
    table = []
    for f in fields(Settings):
        spec = dict(f.metadata["setting"])
        spec["env"] = spec["env"] or "VINGT_" + f.name.upper()
        table.append(Setting(name=f.name, type=hints[f.name], default=f.default, **spec))
    return tuple(table)


SETTINGS: tuple[Setting, ...] = _table()
BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


def resolve(
    overrides: Mapping[str, object] | None = None, environ: Mapping[str, str] | None = None,
) -> list[tuple[Setting, Any, str]]:
    """Every setting with its effective value and where that came from: ``"flag"`` (an override
    that is not None), ``"environment"`` or ``"default"``."""
    overrides = overrides or {}
    environ = os.environ if environ is None else environ
    unknown = set(overrides) - set(BY_NAME)
    if unknown:
        raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
    out: list[tuple[Setting, Any, str]] = []
    for s in SETTINGS:
        if overrides.get(s.name) is not None:
            out.append((s, overrides[s.name], "flag"))
        elif s.env in environ:
            try:
                out.append((s, s.parse(environ[s.env]), "environment"))
            except ValueError as exc:
                raise SettingError(f"{s.env}: {exc}") from None
        else:
            out.append((s, s.default, "default"))
    return out


def env_value(name: str) -> Any:
    """One setting's value from the environment, else its default."""
    s = BY_NAME[name]
    if s.env not in os.environ:
        return s.default
    try:
        return s.parse(os.environ[s.env])
    except ValueError as exc:
        raise SettingError(f"{s.env}: {exc}") from None


_URL_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^/@:\s]*:)[^/\s]+(@)")  # to the authority's last @


def mask_url(url: str) -> str:
    """``url`` (or a text naming URLs) with their passwords replaced by ``****``."""
    return _URL_PASSWORD.sub(rf"\g<1>{MASK}\g<2>", url)


def masked(s: Setting, value: Any) -> Any:
    """``value`` as it may be shown: a secret's as ``****`` (empty stays empty), a URL's password masked."""
    if s.secret and value:
        return MASK
    if isinstance(value, str):
        return mask_url(value)
    return value


def format_value(value: Any) -> str:
    """A value as the environment spells it: ``true``/``false``, ``30`` for 30.0."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def render_markdown() -> str:
    """``docs/settings.md``: the table, as ``vingt settings --markdown`` prints it."""
    lines = [
        "# Settings",
        "",
        "Generated from `src/vingt/settings.py` by `vingt settings --markdown > docs/settings.md`;",
        "`tests/unit/test_settings.py` checks that this file is current.",
        "",
        "Each setting is read from its environment variable; `vingt serve` also takes the flags listed",
        "(a flag wins over the environment), and `vingt worker` and the other commands take `--database`.",
        "Booleans are `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`). A value a setting cannot take",
        "stops the command at start with one line naming the variable or flag. `vingt settings` (which",
        "takes the flags of `vingt serve`) prints the effective values and where each came from",
        "(`--json`: one JSON object per line), secrets and URL passwords masked.",
        "",
        "| Setting | Environment | Flag | Default | Meaning |",
        "| --- | --- | --- | --- | --- |",
    ]
    for s in SETTINGS:
        default = f"`{format_value(s.default)}`" if format_value(s.default) else "(empty)"
        meaning = s.help
        if s.choices:
            meaning += "; one of " + ", ".join(f"`{c}`" for c in s.choices)
        if s.minimum is not None and s.maximum is not None:
            meaning += f"; {format_value(s.minimum)} to {format_value(s.maximum)}"
        elif s.minimum is not None:
            meaning += f"; at least {format_value(s.minimum)}"
        if s.secret:
            meaning += "; a secret (`vingt settings` shows `****`)"
        flag = f"`{s.flag}`" if s.flag else ""
        lines.append(f"| `{s.name}` | `{s.env}` | {flag} | {default} | {meaning.replace('|', chr(92) + '|')} |")
    return "\n".join(lines) + "\n"
