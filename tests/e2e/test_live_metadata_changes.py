"""End to end: metadata changes made through one ``vingt serve`` process while another
process on the same database serves reads and writes of the changed object.

The second process learns of each change asynchronously (the change notification); a
request it serves in between meets tables of another shape than its catalog's. It must
reload its catalog and answer as if the change had been seen: never a 5xx.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_serve import Server

pytestmark = pytest.mark.e2e

CHANGES = 30
OPTIONS = [
    {"value": "ONE", "label": "One", "color": "gray", "position": 0},
    {"value": "TWO", "label": "Two", "color": "blue", "position": 1},
]


def _ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def _traffic(c: httpx.Client, stop: threading.Event, statuses: list[tuple[int, str, str]]) -> None:
    """Reads and writes of ``gadget`` until ``stop``; every status, with its request."""
    record_id: str | None = None
    n = 0
    while not stop.is_set():
        n += 1
        requests: list[tuple[str, str, Any]] = [
            ("GET", "/rest/gadgets?limit=5", None),
            ("POST", "/rest/gadgets", {"name": f"g{n}"}),
            ("GET", "/rest/gadgets?filter=name[like]:g%25&order_by=name&limit=3", None),
        ]
        if record_id is not None:
            requests.append(("PATCH", f"/rest/gadgets/{record_id}", {"name": f"h{n}"}))
            requests.append(("GET", f"/rest/gadgets/{record_id}", None))
        for method, path, body in requests:
            try:
                r = c.request(method, path, json=body)
            except httpx.HTTPError as exc:
                statuses.append((599, f"{method} {path}", repr(exc)))
                continue
            statuses.append((r.status_code, f"{method} {path}", r.text[:300]))
            if method == "POST" and r.status_code == 201:
                record_id = r.json()["data"]["createGadget"]["id"]


def _changes(c: httpx.Client, object_id: str) -> int:
    """``CHANGES`` metadata changes of ``gadget``: new fields, renames, option edits."""
    made = 0
    select = _ok(c.post("/rest/metadata/fields", json={
        "objectMetadataId": object_id, "type": "SELECT", "name": "stage", "label": "Stage", "options": OPTIONS,
    }), 201)["data"]["createOneField"]
    made += 1
    i = 0
    while made < CHANGES:
        i += 1
        field = _ok(c.post("/rest/metadata/fields", json={
            "objectMetadataId": object_id, "type": "TEXT", "name": f"note{chr(96 + i)}", "label": f"Note {i}",
        }), 201)["data"]["createOneField"]
        made += 1
        if made < CHANGES:
            _ok(c.patch(f"/rest/metadata/fields/{field['id']}", json={"name": f"memo{chr(96 + i)}"}))
            made += 1
        if made < CHANGES:
            options = [*OPTIONS, {"value": f"EXTRA{chr(64 + i)}", "label": f"Extra {i}", "color": "green",
                                  "position": 2}]
            _ok(c.patch(f"/rest/metadata/fields/{select['id']}", json={"options": options}))
            made += 1
    return made


def test_no_5xx_while_another_process_changes_metadata(fresh_url: str, tmp_path: Path) -> None:
    a = Server(fresh_url, tmp_path)
    b: Server | None = None
    try:
        assert a.key
        b = Server(fresh_url, tmp_path)
        with a.client(a.key) as ca, b.client(a.key) as cb:
            gadget = _ok(ca.post("/rest/metadata/objects", json={
                "nameSingular": "gadget", "namePlural": "gadgets", "labelSingular": "Gadget", "labelPlural": "Gadgets",
            }), 201)["data"]["createOneObject"]
            for _ in range(100):
                if cb.get("/rest/gadgets").status_code == 200:
                    break
                threading.Event().wait(0.05)
            statuses: list[tuple[int, str, str]] = []
            stop = threading.Event()
            worker = threading.Thread(target=_traffic, args=(cb, stop, statuses))
            worker.start()
            try:
                assert _changes(ca, gadget["id"]) == CHANGES
            finally:
                stop.set()
                worker.join(timeout=60)
            assert statuses, "the second process served nothing"
            failures = [s for s in statuses if s[0] >= 500]
            assert not failures, failures[:5]
            # the second process ends up on the last shape
            fields = _ok(cb.get("/rest/gadgets?limit=1&fields=memoa,stage"))
            assert list(fields["data"]) == ["gadgets"]
    finally:
        if b is not None:
            b.stop()
        a.stop()
