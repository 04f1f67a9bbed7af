"""The README's first screen on a fresh clone: ``python3 scripts/serve.py`` creates ``.venv``,
installs what serving needs (no test tools) saying so and nothing else, and serves; the key
it prints reads people and the URLs it prints answer. A second start installs nothing.

It installs into a new venv (about a minute), so it is not in the default run (marker
``clone``): ``.ci/run`` runs it as its own step."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

import live_server

pytestmark = pytest.mark.clone

ROOT = Path(__file__).resolve().parents[2]
INSTALL_SECONDS = 600  # the bound on a first start: a venv and every dependency from the index
REQUEST_LINE = re.compile(r"^[A-Z]+ /\S* \d{3} [\d.]+ms ")  # the request log (docs/operations.md)


def clean_env(home: Path) -> dict[str, str]:
    """The environment of someone who just cloned: none of the suite's settings, a new HOME."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VINGT_", "VIRTUAL_ENV", "PYTHON"))}
    env["HOME"] = str(home)
    return env


class Started:
    """``python3 scripts/serve.py --port P`` in ``clone``, its stdout and stderr in files."""

    def __init__(self, clone: Path, home: Path, name: str):
        self.port = live_server._free_port()
        self.base = f"http://{live_server.HOST}:{self.port}"
        self.out, self.err = clone / f"{name}.out", clone / f"{name}.err"
        env = clean_env(home)
        python3 = shutil.which("python3")
        assert python3, "python3 is not on PATH"
        with self.out.open("w") as out, self.err.open("w") as err:
            self.proc = subprocess.Popen(
                [python3, "scripts/serve.py", "--host", live_server.HOST, "--port", str(self.port)],
                cwd=clone, env=env, stdout=out, stderr=err,
            )
        deadline = time.monotonic() + INSTALL_SECONDS
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"serve.py exited:\n{self.stdout}\n{self.stderr}"
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise AssertionError(f"no answer within {INSTALL_SECONDS} s:\n{self.stdout}\n{self.stderr}")

    @property
    def stdout(self) -> str:
        return self.out.read_text()

    @property
    def stderr(self) -> str:
        """What it wrote on stderr, but the request log's lines."""
        return "".join(line for line in self.err.read_text().splitlines(keepends=True) if not REQUEST_LINE.match(line))

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def test_readme_serve_command_on_a_fresh_clone(tmp_path: Path) -> None:
    clone, home = tmp_path / "vingt", tmp_path / "home"
    home.mkdir()
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=120)
    assert not (clone / ".venv").exists()

    first = Started(clone, home, "first")
    try:
        # says what it installs, and nothing more: no pip or setuptools output, no warnings
        assert first.stderr.splitlines() == [
            "Creating .venv ...",
            "Installing Vingt and its dependencies into .venv (once; about a minute) ...",
            "Installed.",
        ], first.stderr
        assert not (clone / ".venv" / "bin" / "pytest").exists(), "serving installed the test tools"

        lines = first.stdout.splitlines()
        key = lines[lines.index("API key (shown once, keep it):") + 1].strip()
        with httpx.Client(base_url=first.base, headers={"Authorization": f"Bearer {key}"}, timeout=30) as c:
            people = c.get("/rest/people", params={"limit": 100, "depth": 1})
            assert people.status_code == 200, people.text
            # the demo data is there: people at their companies, opportunities across the stages
            demo = people.json()["data"]["people"]
            assert len(demo) == 60 and sum(1 for p in demo if p["company"]) >= 30
            deals = c.get("/rest/opportunities", params={"limit": 100}).json()["data"]["opportunities"]
            assert len({d["stage"] for d in deals}) >= 3
        assert "Added demo data to 'Default'" in first.stdout
        urls = re.findall(r"https?://\S+", first.stdout)
        assert {f"{first.base}/", f"{first.base}/rest/docs", f"{first.base}/graphql", f"{first.base}/metadata"} <= set(urls), first.stdout
        for url in urls:
            assert httpx.get(url, timeout=30).status_code == 200, url
        assert "./vingt apikey create --workspace" in first.stdout
    finally:
        first.stop()

    # the README's wrapper runs the venv's vingt: the workspace is there, the key not re-printed
    listed = subprocess.run(["./vingt", "workspace", "list"], cwd=clone, capture_output=True, text=True,
                            timeout=120, check=True, env=clean_env(home))
    assert '"displayName":"Default"' in listed.stdout and key not in listed.stdout

    second = Started(clone, home, "second")
    try:
        assert second.stderr == "", "a second start installed again:\n" + second.stderr
        assert "API key" not in second.stdout and f"{second.base}/rest/docs" in second.stdout
        with httpx.Client(base_url=second.base, headers={"Authorization": f"Bearer {key}"}, timeout=30) as c:
            assert c.get("/rest/companies").status_code == 200
    finally:
        second.stop()
