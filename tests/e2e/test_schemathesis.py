"""Property-based testing of the real server against its own OpenAPI document (schemathesis).

``vingt serve`` runs on SQLite as a subprocess; schemathesis reads the core document the
server generates for the workspace and, for people, companies, opportunities and notes,
sends valid and invalid requests (examples, coverage, fuzzing and stateful phases, bounded
by ``MAX_EXAMPLES`` per operation and a fixed seed, never by wall clock). It fails on any
5xx and on any response that contradicts the document.

``MAX_EXAMPLES`` comes from ``VINGT_FUZZ_EXAMPLES`` (default 12, kept small for the default
suite); ``python3 scripts/fuzz.py`` is the long run: every operation of both documents, on
both databases, with many examples.

The document given to schemathesis differs from the served one in two request headers only
(``narrow``): ``Idempotency-Key`` and ``If-Match`` are left out. Random keys repeat (``"0"``),
and a repeated key with another body is a 409; a random ``If-Match`` is a 412. Both answers
are correct, but they would turn most writes into refusals.

Response schemas are never changed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from live_server import Server

pytestmark = pytest.mark.e2e

OBJECTS = ("people", "companies", "opportunities", "notes")
MAX_EXAMPLES = int(os.environ.get("VINGT_FUZZ_EXAMPLES", "12"))
SEED = 20240501


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    s = Server(f"sqlite:///{tmp_path / 'vingt.db'}", tmp_path / "server.log", cwd=tmp_path)
    assert s.key, s.log_path.read_text()
    try:
        yield s
    finally:
        s.stop()


def narrow(doc: dict[str, Any]) -> dict[str, Any]:
    """The document as given to schemathesis (see the module docstring)."""
    left_out = {"#/components/parameters/idempotencyKey", "#/components/parameters/ifMatch"}
    for item in doc["paths"].values():
        for op in item.values():
            if isinstance(op, dict) and "parameters" in op:
                op["parameters"] = [p for p in op["parameters"] if p.get("$ref") not in left_out]
    return doc


def _statuses(report: Path) -> Counter[tuple[str, int]]:
    """(method, status) of every response in schemathesis' NDJSON report."""
    counts: Counter[tuple[str, int]] = Counter()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            response = node.get("response")
            if isinstance(response, dict) and "status_code" in response:
                counts[(str((node.get("request") or {}).get("method")), int(response["status_code"]))] += 1
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    if report.exists():
        for line in report.read_text().splitlines():
            walk(json.loads(line))
    return counts


def test_schemathesis_finds_no_server_error_and_no_response_off_the_document(server: Server, tmp_path: Path) -> None:
    auth = {"Authorization": f"Bearer {server.key}"}
    r = httpx.get(server.base + "/rest/open-api/core", headers=auth, timeout=30)
    assert r.status_code == 200, r.text
    schema_file = tmp_path / "core.json"
    schema_file.write_text(json.dumps(narrow(r.json())))
    report = tmp_path / "report.ndjson"
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", str(schema_file),
        "--url", server.base + "/rest",
        "--header", f"Authorization: Bearer {server.key}",
        "--checks", "not_a_server_error,response_schema_conformance",
        "--include-tag-regex", "^(" + "|".join(OBJECTS) + ")$",
        "--max-examples", str(MAX_EXAMPLES),
        "--seed", str(SEED),
        "--workers", "1",
        "--no-shrink",
        "--suppress-health-check", "all",
        "--request-timeout", "30",
        "--report", "ndjson", "--report-ndjson-path", str(report),
    ]
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    output = run.stdout + run.stderr
    summary = output[output.find("= FAILURES =") :] if "= FAILURES =" in output else output[-6000:]
    server_log = server.log_path.read_text()[-4000:]
    assert run.returncode == 0, f"schemathesis failed:\n{summary[:20000]}\n--- server log ---\n{server_log}"
    tested = re.search(r"Tested: (\d+)", output)
    assert tested is not None and int(tested.group(1)) >= 13 * len(OBJECTS), output[-3000:]
    counts = _statuses(report)
    by_class = Counter(status // 100 for (_, status) in counts.elements())
    assert by_class[5] == 0
    # the run reached the server's logic: records were created, read, changed and deleted
    # (the coverage phase alone sends hundreds of valid writes; the floors grow with the
    # example count up to 50 creations and reads and 10 updates)
    n = MAX_EXAMPLES
    floors = (("POST", 201, min(50, 4 * n)), ("GET", 200, min(50, 4 * n)), ("PATCH", 200, min(10, n)), ("DELETE", 200, 1))
    for method, status, at_least in floors:
        assert counts[(method, status)] >= at_least, counts
