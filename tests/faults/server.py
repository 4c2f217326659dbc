"""`yibao serve` as a child process: started, SIGKILLed and started again on the same port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from backend.config import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServedApp:
    def __init__(self, env: dict[str, str], log_path: Path, workers: int = 1) -> None:
        self.workers = workers
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._env = {**os.environ, **env}
        self._log_path = log_path
        self._process: subprocess.Popen | None = None
        self.starts = 0
        self.kills = 0

    def start(self, timeout: float = 60) -> float:
        """Start the app and wait until it answers; returns the seconds that took."""
        started = time.perf_counter()
        log = self._log_path.open("a")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "backend.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(self.workers)],
            cwd=PROJECT_ROOT, env=self._env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.starts += 1
        deadline = started + timeout
        while time.perf_counter() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the app exited with {self._process.returncode}; see {self._log_path}")
            try:
                if httpx.get(self.base_url + "/login", timeout=1).status_code == 200:
                    return time.perf_counter() - started
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the app did not answer within {timeout} s; see {self._log_path}")

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, in-flight requests and transactions die where they are."""
        assert self._process is not None
        self._process.send_signal(signal.SIGKILL)
        self._process.wait(timeout=30)
        self.kills += 1

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=15)
        self._process = None
