"""The delivery process that ``vingt serve`` runs beside its serving processes on PostgreSQL.

Delivering webhooks takes CPU (the fan-out, an HTTP exchange per delivery, the record of each
attempt); in the process that serves requests it is taken from them, one event loop doing both.
In a process of its own it runs on another core. ``vingt serve`` starts it as ``vingt worker``
with two more arguments: the socket it is woken on (``webhooks/wake.py``) and the read end of a
pipe whose write end only ``vingt serve`` holds, so that it stops — finishing the attempts in
flight, as on SIGTERM — when ``vingt serve`` is gone, however it went. If it exits otherwise, it is
started again after ``RESTART_SECONDS``. ``vingt serve`` stops it after its serving processes,
giving it the attempt timeout on top of the shutdown bound.

SQLite keeps delivery in the serving process: its statements run on the event loop, and a second
process writing to the file would make them wait for its lock.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from vingt.settings import Settings
from vingt.webhooks import wake

RESTART_SECONDS = 1.0
STOP_MARGIN_SECONDS = 5.0


def wanted(settings: Settings, database_kind: str) -> bool:
    return settings.webhook_delivery and settings.webhook_delivery_process and database_kind == "postgresql"


class DeliveryProcess:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.dir = Path(tempfile.mkdtemp(prefix="vingt-delivery-"))
        self.socket = str(self.dir / wake.SOCKET_NAME)
        self._read, self._write = os.pipe()  # the child watches the read end; only this process writes
        os.set_inheritable(self._read, True)
        self._stopping = threading.Event()
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._watch: threading.Thread | None = None

    def start(self) -> None:
        """Start it, and tell the serving processes (through the environment) where it listens."""
        os.environ[wake.WAKE_SOCKET] = self.socket
        self._spawn()
        self._watch = threading.Thread(target=self._keep_running, name="vingt-delivery-process", daemon=True)
        self._watch.start()

    def _spawn(self) -> None:
        env = {k: v for k, v in os.environ.items() if k != wake.WAKE_SOCKET}
        cmd = [sys.executable, "-m", "vingt", "worker", "--wake-socket", self.socket, "--parent-fd", str(self._read)]
        with self._lock:
            # a session of its own: a Ctrl-C at a terminal reaches `vingt serve`, which stops it in turn
            self._proc = subprocess.Popen(cmd, env=env, pass_fds=(self._read,), start_new_session=True)

    def _keep_running(self) -> None:
        while not self._stopping.is_set():
            proc = self._proc
            assert proc is not None
            code = proc.wait()
            if self._stopping.wait(RESTART_SECONDS):
                return
            print(f"vingt: the webhook delivery process exited ({code}); starting it again", file=sys.stderr,
                  flush=True)
            self._spawn()

    def stop(self) -> None:
        """SIGTERM, then wait while its attempts in flight finish (at most the shutdown bound and
        one attempt timeout); past that, SIGKILL (its leased deliveries are due again later)."""
        self._stopping.set()
        with self._lock:
            proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            bound = self.settings.shutdown_timeout_seconds + self.settings.webhook_timeout_seconds + STOP_MARGIN_SECONDS
            try:
                proc.wait(timeout=bound)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._watch is not None:
            self._watch.join(timeout=RESTART_SECONDS + 1)
        os.close(self._write)
        os.close(self._read)
        os.environ.pop(wake.WAKE_SOCKET, None)
        shutil.rmtree(self.dir, ignore_errors=True)
