"""Run the whole test suite (pytest, on SQLite and on PostgreSQL at 127.0.0.1:5432).

Extra arguments go to pytest, e.g. ``python3 scripts/test.py -k filters``.
"""

from __future__ import annotations

import os
import sys

import _venv

python = _venv.ensure("test")
os.chdir(_venv.ROOT)
args = [str(python), "-m", "pytest", "-n", os.environ.get("VINGT_TEST_WORKERS", "2"), *sys.argv[1:]]
os.execv(args[0], args)
