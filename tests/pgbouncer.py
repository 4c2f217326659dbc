"""pgbouncer in transaction pooling mode in front of the test PostgreSQL, started by the fixtures.

With YIBAO_PGBOUNCER=1 the PostgreSQL variants of every storage and API test connect through it
(docs/scaling.md, "Connection pooling"). Two pooled databases point at the test database: `<name>` and
`<name>_serializable`, whose server connections start with `default_transaction_isolation =
serializable` (pgbouncer 1.18 refuses the `options` startup parameter the direct URL uses for that).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

from sqlalchemy.engine import make_url

PGBOUNCER = os.environ.get("YIBAO_PGBOUNCER_BIN", "/usr/sbin/pgbouncer")
SERIALIZABLE_SUFFIX = "_serializable"


def enabled() -> bool:
    return os.environ.get("YIBAO_PGBOUNCER", "").lower() in ("1", "true", "yes")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgBouncer:
    """One pgbouncer process for one database on `server_url`'s server; `url()` is its address."""

    def __init__(self, server_url: str, workdir: Path) -> None:
        self.server = make_url(server_url)
        self.workdir = workdir
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    def _config(self) -> str:
        target = f"host={self.server.host} port={self.server.port or 5432} dbname={self.server.database}"
        name = self.server.database
        return "\n".join([
            "[databases]",
            f"{name} = {target}",
            f"{name}{SERIALIZABLE_SUFFIX} = {target} "
            "connect_query='SET default_transaction_isolation = serializable'",
            "[pgbouncer]",
            "listen_addr = 127.0.0.1",
            f"listen_port = {self.port}",
            "unix_socket_dir =",
            "auth_type = trust",
            f"auth_file = {self.workdir / 'users.txt'}",
            "pool_mode = transaction",
            "max_client_conn = 1000",
            "default_pool_size = 20",
            "ignore_startup_parameters = extra_float_digits",
            "",
        ])

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "users.txt").write_text(f'"{self.server.username}" ""\n')
        ini = self.workdir / "pgbouncer.ini"
        ini.write_text(self._config())
        # pgbouncer refuses to run as root; it reads its files before it drops to `nobody`.
        command = [PGBOUNCER, *(["-u", "nobody"] if os.geteuid() == 0 else []), str(ini)]
        self.log = (self.workdir / "pgbouncer.log").open("wb")
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while True:
            if self.process.poll() is not None:
                raise RuntimeError("pgbouncer exited: " + (self.workdir / "pgbouncer.log").read_text())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("pgbouncer did not listen") from None
                time.sleep(0.05)

    def url(self, *, serializable: bool = False) -> str:
        name = self.server.database + (SERIALIZABLE_SUFFIX if serializable else "")
        return self.server.set(host="127.0.0.1", port=self.port, database=name).render_as_string(hide_password=False)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.log.close()
            self.process = None
