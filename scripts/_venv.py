"""Create ``.venv`` and install the project into it when missing or out of date.

Standard library only: this runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def ensure(extras: str = "") -> Path:
    """Return the venv's python, (re)installing the project if pyproject.toml changed or the
    ``extras`` asked for are not installed yet. Serving needs no extras; the test command
    asks for ``test``, which also serves (so switching between them installs nothing)."""
    if sys.version_info < (3, 11):
        sys.exit("Vingt needs Python 3.11 or newer")
    python = BIN / "python"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    installed = [p.name.split("-", 2)[2] for p in VENV.glob(f".stamp-{digest}-*")]
    if any(extras == "" or extras in have.split(",") for have in installed):
        return python
    if not python.exists():
        print("Creating .venv ...", file=sys.stderr, flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    what = "Vingt, its dependencies and the test tools" if extras else "Vingt and its dependencies"
    print(f"Installing {what} into .venv (once; about a minute) ...", file=sys.stderr, flush=True)
    target = f"{ROOT}[{extras}]" if extras else str(ROOT)
    quiet = ["-q", "--disable-pip-version-check"]
    subprocess.run([str(python), "-m", "pip", "install", *quiet, "--upgrade", "pip"], check=True)
    subprocess.run([str(python), "-m", "pip", "install", *quiet, "-e", target], check=True)
    for old in VENV.glob(".stamp-*"):
        old.unlink()
    (VENV / f".stamp-{digest}-{extras or 'serve'}").touch()
    print("Installed.", file=sys.stderr, flush=True)
    return python
