"""Settings: one table of (name, environment variable, default, help)."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

DEFAULT_DATABASE_URL = "sqlite:///vingt.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    default_page_size: int = 20
    max_page_size: int = 100
    max_body_bytes: int = 10 * 1024 * 1024
    max_url_bytes: int = 16 * 1024
    max_query_parameters: int = 100
    mutation_maximum_affected_records: int = 100
    statement_cache_size: int = 512
    selection_cache_size: int = 512
    webhook_allow_private_targets: bool = False
    webhook_delivery: bool = True
    webhook_timeout_seconds: float = 5.0
    webhook_retry_base_seconds: float = 10.0
    webhook_retry_hours: float = 72.0
    webhook_poll_seconds: float = 1.0
    event_retention_days: float = 7.0
    rate_limit_per_second: int = 100
    rate_limit_per_minute: int = 6000
    redis_url: str = ""
    log_requests: bool = True
    log_format: str = "text"

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        values: dict[str, object] = {}
        for f in fields(cls):
            env = os.environ.get("VINGT_" + f.name.upper())
            if env is not None:
                if f.type in ("int", int):
                    values[f.name] = int(env)
                elif f.type in ("float", float):
                    values[f.name] = float(env)
                elif f.type in ("bool", bool):
                    values[f.name] = env.strip().lower() in ("1", "true", "yes", "on")
                else:
                    values[f.name] = env
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


HELP = {
    "database_url": "sqlite:///file.db or postgresql://user[:password]@host[:port]/dbname (VINGT_DATABASE_URL)",
    "default_page_size": "records per page when `limit` is absent (VINGT_DEFAULT_PAGE_SIZE)",
    "max_page_size": "largest `limit`; larger values are clamped (VINGT_MAX_PAGE_SIZE)",
    "max_body_bytes": "largest request body accepted (VINGT_MAX_BODY_BYTES)",
    "max_url_bytes": "longest request target (path and query string) accepted; longer is a 400 URL_TOO_LONG "
    "(VINGT_MAX_URL_BYTES)",
    "max_query_parameters": "most query parameters a request may carry; more is a 400 TOO_MANY_PARAMETERS "
    "(VINGT_MAX_QUERY_PARAMETERS)",
    "mutation_maximum_affected_records": "most records one update, delete, destroy or restore by filter may touch; "
    "more is a 400 and nothing is written (VINGT_MUTATION_MAXIMUM_AFFECTED_RECORDS)",
    "statement_cache_size": "compiled SQL statements kept per workspace catalog, least recently used dropped first (VINGT_STATEMENT_CACHE_SIZE)",
    "selection_cache_size": "planned field selections kept per workspace catalog, least recently used dropped first (VINGT_SELECTION_CACHE_SIZE)",
    "webhook_allow_private_targets": "let webhooks target loopback, private and link-local addresses, for local "
    "development (VINGT_WEBHOOK_ALLOW_PRIVATE_TARGETS=true)",
    "webhook_delivery": "deliver webhooks from this process; false for processes that only serve requests while "
    "`vingt worker` delivers (VINGT_WEBHOOK_DELIVERY)",
    "webhook_timeout_seconds": "how long one delivery attempt waits for the receiver's answer (VINGT_WEBHOOK_TIMEOUT_SECONDS)",
    "webhook_retry_base_seconds": "delay before the first retry of a failed delivery; each later delay doubles, "
    "at most one hour (VINGT_WEBHOOK_RETRY_BASE_SECONDS)",
    "webhook_retry_hours": "how long a failing delivery is retried before it is marked failed (VINGT_WEBHOOK_RETRY_HOURS)",
    "rate_limit_per_second": "requests per second per workspace, all its keys together; 0: no limit "
    "(VINGT_RATE_LIMIT_PER_SECOND)",
    "rate_limit_per_minute": "requests per minute per workspace; 0: no limit (VINGT_RATE_LIMIT_PER_MINUTE)",
    "redis_url": "redis://host:port/db where the rate limits are counted, shared by every process that uses it; "
    "unset: in each process (VINGT_REDIS_URL)",
    "log_requests": "one line per request on stderr (VINGT_LOG_REQUESTS)",
    "log_format": "the request log's format: text or json (VINGT_LOG_FORMAT, vingt serve --log-format)",
    "event_retention_days": "how long events (the change feed) and finished deliveries (the delivery log) are kept "
    "(VINGT_EVENT_RETENTION_DAYS)",
    "webhook_poll_seconds": "how often a process looks for events written by other processes (VINGT_WEBHOOK_POLL_SECONDS)",
}
