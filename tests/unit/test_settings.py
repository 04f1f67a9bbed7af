"""The settings table: values from the environment per type, bad values as one line naming the
variable or flag, flags over the environment, ``vingt settings`` with secrets masked, and
``docs/settings.md`` as the table renders it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from vingt import cli
from vingt.settings import SETTINGS, SettingError, Settings, mask_url, render_markdown, resolve

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No setting from the environment the tests run in."""
    for s in SETTINGS:
        monkeypatch.delenv(s.env, raising=False)


def values(environ: dict[str, str], **overrides: object) -> dict[str, tuple[object, str]]:
    return {s.name: (value, source) for s, value, source in resolve(overrides, environ)}


def printed_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, dict]:
    assert cli.main(["settings", "--json", *args]) == 0
    return {row["name"]: row for row in map(json.loads, capsys.readouterr().out.splitlines())}


def test_every_setting_has_its_environment_variable_and_the_defaults_are_the_dataclass_defaults() -> None:
    assert len(SETTINGS) == len({s.env for s in SETTINGS})
    assert all(s.env == "VINGT_" + s.name.upper() for s in SETTINGS)
    assert Settings.from_env() == Settings()
    assert {s.name for s in SETTINGS if s.flag} == {"database_url", "host", "port", "workers", "log_format",
                                                    "log_level"}
    assert {s.name for s in SETTINGS if s.secret} == {"secret", "metrics_token"}
    assert Settings().shutdown_timeout_seconds == 30.0
    assert Settings().metrics_token == ""


def test_the_environment_is_parsed_per_type() -> None:
    got = values({
        "VINGT_PORT": " 8080 ", "VINGT_WEBHOOK_TIMEOUT_SECONDS": "2.5", "VINGT_WEBHOOK_DELIVERY": "false",
        "VINGT_LOG_REQUESTS": "ON", "VINGT_LOG_FORMAT": "JSON", "VINGT_REDIS_URL": "redis://cache:6379/1",
        "VINGT_SHUTDOWN_TIMEOUT_SECONDS": "0",
    })
    assert got["port"] == (8080, "environment")
    assert got["webhook_timeout_seconds"] == (2.5, "environment")
    assert got["webhook_delivery"] == (False, "environment")
    assert got["log_requests"] == (True, "environment")
    assert got["log_format"] == ("json", "environment")
    assert got["redis_url"] == ("redis://cache:6379/1", "environment")
    assert got["shutdown_timeout_seconds"] == (0.0, "environment")
    assert got["workers"] == (1, "default")


@pytest.mark.parametrize(("raw", "expected"), [
    ("1", True), ("true", True), ("Yes", True), ("on", True),
    ("0", False), ("false", False), ("NO", False), ("off", False), ("", False),
])
def test_booleans_take_the_usual_spellings(raw: str, expected: bool) -> None:
    assert values({"VINGT_WEBHOOK_ALLOW_PRIVATE_TARGETS": raw})["webhook_allow_private_targets"][0] is expected


def test_from_env_reads_the_environment_and_overrides_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VINGT_MAX_PAGE_SIZE", "50")
    monkeypatch.setenv("VINGT_DEFAULT_PAGE_SIZE", "10")
    settings = Settings.from_env(default_page_size=5, database_url=None)
    assert (settings.max_page_size, settings.default_page_size) == (50, 5)
    assert settings.database_url == "sqlite:///vingt.db"  # None is no override


@pytest.mark.parametrize(("env", "raw", "message"), [
    ("VINGT_PORT", "abc", "VINGT_PORT: not an integer: 'abc'"),
    ("VINGT_PORT", "70000", "VINGT_PORT: must be at most 65535: '70000'"),
    ("VINGT_WORKERS", "0", "VINGT_WORKERS: must be at least 1: '0'"),
    ("VINGT_WEBHOOK_TIMEOUT_SECONDS", "soon", "VINGT_WEBHOOK_TIMEOUT_SECONDS: not a number: 'soon'"),
    ("VINGT_SHUTDOWN_TIMEOUT_SECONDS", "nan", "VINGT_SHUTDOWN_TIMEOUT_SECONDS: not a finite number: 'nan'"),
    ("VINGT_WEBHOOK_DELIVERY", "maybe", "VINGT_WEBHOOK_DELIVERY: not a boolean (true or false): 'maybe'"),
    ("VINGT_LOG_FORMAT", "xml", "VINGT_LOG_FORMAT: must be one of text, json: 'xml'"),
    ("VINGT_DATABASE_URL", "mysql://u:pw@h/db",
     "VINGT_DATABASE_URL: unsupported database URL 'mysql://u:****@h/db': use sqlite:///file.db or "
     "postgresql://user@host/db"),
])
def test_a_bad_value_is_one_line_naming_the_variable(env: str, raw: str, message: str) -> None:
    with pytest.raises(SettingError) as caught:
        resolve({}, {env: raw})
    assert str(caught.value) == message


def test_serve_with_a_bad_environment_value_stops_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VINGT_WORKERS", "many")
    assert cli.main(["serve"]) == 2
    captured = capsys.readouterr()
    assert captured.err == "error: VINGT_WORKERS: not an integer: 'many'\n"
    assert captured.out == ""
    assert list(tmp_path.iterdir()) == []  # no database made


def test_serve_with_a_bad_flag_stops_with_one_line_naming_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["serve", "--port", "x"])
    assert exited.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == "vingt serve: error: argument --port: not an integer: 'x'"


def test_flags_override_the_environment(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("VINGT_PORT", "5000")
    monkeypatch.setenv("VINGT_HOST", "0.0.0.0")
    monkeypatch.setenv("VINGT_LOG_FORMAT", "json")
    rows = printed_json(capsys, "--port", "4000", "--log-format", "text", "--database", "sqlite:///other.db")
    assert rows["port"] == {"name": "port", "env": "VINGT_PORT", "value": 4000, "source": "flag"}
    assert rows["log_format"]["value"] == "text"
    assert rows["database_url"]["value"] == "sqlite:///other.db"
    assert rows["host"] == {"name": "host", "env": "VINGT_HOST", "value": "0.0.0.0", "source": "environment"}
    assert rows["workers"] == {"name": "workers", "env": "VINGT_WORKERS", "value": 1, "source": "default"}
    assert list(rows) == [s.name for s in SETTINGS]


SECRETS = {
    "VINGT_DATABASE_URL": "postgresql://vingt:hunter2@db.internal:5432/crm",
    "VINGT_REDIS_URL": "redis://:s3cret@cache:6379/0",
    "VINGT_METRICS_TOKEN": "metrics-token-value",
    "VINGT_SECRET": "signing-secret-value",
}


def test_settings_masks_secrets_and_url_passwords(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    for env, value in SECRETS.items():
        monkeypatch.setenv(env, value)
    rows = printed_json(capsys)
    assert rows["database_url"]["value"] == "postgresql://vingt:****@db.internal:5432/crm"
    assert rows["redis_url"]["value"] == "redis://:****@cache:6379/0"
    assert rows["metrics_token"] == {"name": "metrics_token", "env": "VINGT_METRICS_TOKEN", "value": "****",
                                     "source": "environment"}
    assert rows["secret"]["value"] == "****"

    assert cli.main(["settings"]) == 0
    text = capsys.readouterr().out
    assert not any(secret in text for secret in ("hunter2", "s3cret", "metrics-token-value", "signing-secret"))
    assert re.search(r"^VINGT_DATABASE_URL=postgresql://vingt:\*\*\*\*@db.internal:5432/crm +# environment$",
                     text, re.M)
    assert re.search(r"^VINGT_METRICS_TOKEN=\*\*\*\* +# environment$", text, re.M)


def test_settings_prints_every_value_and_its_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["settings", "--workers", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(SETTINGS)
    assert re.fullmatch(r"VINGT_WORKERS=3 +# flag", lines[[s.name for s in SETTINGS].index("workers")])
    assert re.fullmatch(r"VINGT_PORT=3000 +# default", lines[[s.name for s in SETTINGS].index("port")])
    assert re.fullmatch(r"VINGT_SHUTDOWN_TIMEOUT_SECONDS=30 +# default", lines[-1])
    assert re.fullmatch(r"VINGT_METRICS_TOKEN= +# default", lines[-2])  # an unset secret shows as empty


def test_mask_url_leaves_urls_without_a_password() -> None:
    assert mask_url("postgresql://postgres@127.0.0.1:5432/db") == "postgresql://postgres@127.0.0.1:5432/db"
    assert mask_url("sqlite:///vingt.db") == "sqlite:///vingt.db"
    assert mask_url("postgresql://u:p%40ss@h/db") == "postgresql://u:****@h/db"
    assert mask_url("postgresql://u:p@ss@h/db") == "postgresql://u:****@h/db"  # an @ left unencoded
    assert mask_url("redis://:pw@a/0 and redis://:pw@b/0") == "redis://:****@a/0 and redis://:****@b/0"


def test_docs_settings_md_is_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert (ROOT / "docs" / "settings.md").read_text() == render_markdown(), (
        "docs/settings.md is stale: vingt settings --markdown > docs/settings.md"
    )
    assert cli.main(["settings", "--markdown"]) == 0
    assert capsys.readouterr().out == render_markdown()
    for s in SETTINGS:
        assert f"| `{s.name}` | `{s.env}` |" in render_markdown()


def test_no_module_reads_a_setting_around_the_table() -> None:
    reads = re.compile(r"environ(\.get\(|\[)\s*[\"']VINGT_|getenv\(\s*[\"']VINGT_")
    offenders = [
        str(path.relative_to(ROOT)) for path in (ROOT / "src" / "vingt").rglob("*.py")
        if path.name != "settings.py" and reads.search(path.read_text())
    ]
    assert offenders == []
