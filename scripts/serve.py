"""Start Vingt on SQLite (./vingt.db): the first start creates a workspace filled with demo data
and prints its API key."""

from __future__ import annotations

import os
import sys

import _venv

python = _venv.ensure()
args = [str(_venv.BIN / "vingt"), "serve", *sys.argv[1:]]
os.execv(args[0], args)
