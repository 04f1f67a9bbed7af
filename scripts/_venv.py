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
    """Return the venv's python, (re)installing the project if pyproject.toml changed."""
    if sys.version_info < (3, 11):
        sys.exit("Vingt needs Python 3.11 or newer")
    python = BIN / "python"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()[:16]
    stamp = VENV / f".stamp-{digest}"
    if not python.exists():
        print("Creating .venv ...", file=sys.stderr, flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if not stamp.exists():
        print("Installing Vingt and its dependencies into .venv ...", file=sys.stderr, flush=True)
        target = f"{ROOT}[{extras}]" if extras else str(ROOT)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-e", target], check=True)
        for old in VENV.glob(".stamp-*"):
            old.unlink()
        stamp.touch()
    return python
