"""Check the home page and the API reference in headless Chromium and write their screenshots
(``docs/home.png``, ``docs/reference.png``).

Starts ``vingt serve`` on a new SQLite database in a temporary folder, loads ``/`` and
``/rest/docs`` with ``chromium --headless``, checks that the rendered pages hold what they
should (the version and links; the reference's standard objects), then stops the server.
Needs a ``chromium`` (or ``chromium-browser`` / ``google-chrome``) on PATH, or ``--chromium``.

    python3 scripts/screenshots.py [--chromium PATH] [--port P] [--out docs]
"""

from __future__ import annotations

import argparse
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
    _venv.ensure()
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
        finally:
            server.terminate()
            server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
