"""Check the home page, the API reference and GraphiQL in headless Chromium and write their
screenshots (``docs/home.png``, ``docs/reference.png``, ``docs/graphiql.png``).

Starts ``vingt serve`` on a new SQLite database in a temporary folder (its first start writes the
demo workspace and prints its API key), loads ``/`` and ``/rest/docs`` with ``chromium
--headless``, checks that the rendered pages hold what they should (the version and links; the
reference's standard objects). Then it drives ``/graphql`` through Chromium's DevTools protocol:
enters the key in the page's form, runs GraphiQL's default query, waits for the demo people in
the answer and takes the screenshot. Stops the server at the end. Needs a ``chromium`` (or
``chromium-browser`` / ``google-chrome``) on PATH, or ``--chromium``; runs itself again with
the project's ``.venv`` (for its ``websockets``).

    python3 scripts/screenshots.py [--chromium PATH] [--port P] [--out docs]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
from pathlib import Path

import _venv

VERSION = tomllib.loads((_venv.ROOT / "pyproject.toml").read_text())["project"]["version"]

# (path, file, window size, texts the rendered page must hold)
PAGES = (
    ("/", "home.png", "1100,900", ("Vingt", f"version {VERSION}", "/rest/docs", "/rest/open-api/core", "/readyz", "ready")),
    ("/rest/docs", "reference.png", "1280,1500",
     ("Vingt", VERSION, "Authorize", "operations-tag-people", "operations-tag-companies", "operations-tag-opportunities")),
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def browser(given: str | None) -> str:
    for name in ([given] if given else ["chromium", "chromium-browser", "google-chrome"]):
        found = shutil.which(name)
        if found:
            return found
    sys.exit("screenshots: no chromium found (apt-get install chromium, or --chromium PATH)")


def chromium(exe: str, profile: Path, size: str, *args: str) -> str:
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
        f"--user-data-dir={profile}", f"--window-size={size}",
        "--virtual-time-budget=8000",  # let the page's scripts fetch and render the document
    ]
    out = subprocess.run([exe, *flags, *args], capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        sys.exit(f"screenshots: chromium failed ({out.returncode}):\n{out.stderr}")
    return out.stdout


def server_key(log: Path) -> str:
    lines = log.read_text().splitlines()
    marker = "API key (shown once, keep it):"
    if marker not in lines or lines.index(marker) + 1 >= len(lines):
        sys.exit("screenshots: vingt serve printed no API key:\n" + log.read_text())
    return lines[lines.index(marker) + 1].strip()


class DevTools:
    """One Chromium page driven over its DevTools protocol (commands and their answers)."""

    def __init__(self, exe: str, profile: Path, size: str):
        from websockets.sync.client import connect

        port = free_port()
        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
             f"--user-data-dir={profile}", f"--window-size={size}", f"--remote-debugging-port={port}",
             "--remote-allow-origins=*", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=1) as r:
                    pages = [t for t in json.load(r) if t["type"] == "page"]
                if pages:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.close()
                sys.exit("screenshots: chromium's DevTools did not answer")
            time.sleep(0.2)
        self.stack = contextlib.ExitStack()
        self.ws = self.stack.enter_context(connect(pages[0]["webSocketDebuggerUrl"], max_size=None, open_timeout=10))
        self.next_id = 0

    def send(self, method: str, **params: object) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=60))
            if message.get("id") == self.next_id:
                if "error" in message:
                    sys.exit(f"screenshots: {method} failed: {message['error']}")
                return message["result"]  # type: ignore[no-any-return]

    def evaluate(self, expression: str) -> object:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return result["result"].get("value")

    def wait_for(self, expression: str, what: str, seconds: float = 30) -> object:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.2)
        sys.exit(f"screenshots: {what} never happened; the page shows:\n{self.evaluate('document.body.innerText')}")

    def close(self) -> None:
        if hasattr(self, "stack"):
            self.stack.close()
        self.proc.terminate()
        self.proc.wait(timeout=10)


GRAPHIQL_SIZE = "1400,900"
GRAPHIQL_EXPECTED = ('"totalCount"', '"firstName"', '"company"')


def graphiql_shot(exe: str, work: Path, base: str, key: str, out: Path) -> None:
    """/graphql: the key entered in the page's form, GraphiQL's default query run, its answer shown."""
    tools = DevTools(exe, work / "devtools", GRAPHIQL_SIZE)
    try:
        width, height = (int(n) for n in GRAPHIQL_SIZE.split(","))
        tools.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
        tools.send("Page.enable")
        tools.send("Page.navigate", url=base + "/graphql")
        tools.wait_for("!!document.querySelector('.graphiql-execute-button')", "GraphiQL rendering")
        tools.evaluate(f"document.getElementById('api-key').value = {json.dumps(key)};"
                       "document.getElementById('key').requestSubmit(); true")
        tools.wait_for("localStorage.getItem('vingt.graphql.apiKey') !== null"
                       " && !!document.querySelector('.graphiql-execute-button')", "the key being kept")
        # the schema fetched with the key: the query editor knows the workspace's types
        tools.wait_for("!document.querySelector('.graphiql-spinner')", "the schema loading")
        tools.evaluate("document.querySelector('.graphiql-execute-button').click(); true")
        shown = str(tools.wait_for(
            "(function () { var r = document.querySelector('.graphiql-response');"
            " var t = r ? r.innerText : ''; return t.indexOf('totalCount') >= 0 ? t : ''; })()",
            "the query's answer"))
        missing = [text for text in GRAPHIQL_EXPECTED if text not in shown]
        if missing or "errors" in shown:
            sys.exit(f"screenshots: /graphql answered without {missing}:\n{shown[:2000]}")
        time.sleep(0.5)  # let the editors finish painting
        png = base64.b64decode(tools.send("Page.captureScreenshot", format="png")["data"])
        (out / "graphiql.png").write_bytes(png)
        if len(png) < 10_000:
            sys.exit("screenshots: no screenshot of /graphql")
        print(f"/graphql: ran the default query with the key, answered {', '.join(GRAPHIQL_EXPECTED)}; {out / 'graphiql.png'}")
    finally:
        tools.close()


def wait_ready(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("screenshots: vingt serve exited:\n" + log.read_text())
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit("screenshots: vingt serve did not become ready:\n" + log.read_text())


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--chromium")
    p.add_argument("--port", type=int)
    p.add_argument("--out", default=str(_venv.ROOT / "docs"))
    args = p.parse_args()
    exe = browser(args.chromium)
    python = _venv.ensure()
    if Path(sys.prefix).resolve() != _venv.VENV.resolve():
        os.execv(str(python), [str(python), __file__, *sys.argv[1:]])
    out = Path(args.out)
    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="vingt-shots-") as tmp:
        work = Path(tmp)
        log = work / "serve.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("VINGT_")}
        with log.open("w") as sink:
            server = subprocess.Popen(
                [str(_venv.BIN / "vingt"), "serve", "--port", str(port), "--database", f"sqlite:///{work / 'shots.db'}"],
                cwd=work, stdout=sink, stderr=subprocess.STDOUT, env=env,
            )
        try:
            wait_ready(base, server, log)
            for path, name, size, expected in PAGES:
                dom = chromium(exe, work / "profile", size, "--dump-dom", base + path)
                missing = [text for text in expected if text not in dom]
                if missing:
                    sys.exit(f"screenshots: {path} rendered without {missing}:\n{dom[:2000]}")
                chromium(exe, work / "profile", size, f"--screenshot={out / name}", base + path)
                if not (out / name).is_file() or (out / name).stat().st_size < 10_000:
                    sys.exit(f"screenshots: no screenshot of {path} in {out / name}")
                print(f"{path}: rendered with {', '.join(expected)}; {out / name}")
            graphiql_shot(exe, work, base, server_key(log), out)
        finally:
            server.terminate()
            server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
