"""PostgreSQL and Redis on loopback for the benchmark, from Debian's packages.

The PostgreSQL data folder is kept (``bench/out/pgdata``) so the dataset
is generated once; Redis is throw-away. As root, PostgreSQL runs as the
``postgres`` user (it refuses root).
"""

import fcntl
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
DB_NAME = "portal_bench"
DB_USER = "bench"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(command):
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def _chown(path):
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


class Postgres:
    def __init__(self, root: Path):
        self.root = root
        self.data = root / "pgdata"
        self.socket_dir = root / "pgsocket"
        self.log = root / "postgres.log"
        self.port = free_port()

    @property
    def url(self):
        return f"postgres://{DB_USER}@127.0.0.1:{self.port}/{DB_NAME}"

    def start(self):
        self.root.mkdir(parents=True, exist_ok=True)
        # One user of bench/out at a time: a second run would stop this one's server.
        self._lock = open(self.root / "bench.lock", "w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SystemExit("Another bench/run.py or profile_page.py is using bench/out; wait for it.") from None
        for path in (self.root, self.socket_dir):
            path.mkdir(parents=True, exist_ok=True)
            _chown(path)
        fresh = not (self.data / "PG_VERSION").exists()
        if fresh:
            subprocess.run(
                _as_postgres(
                    [
                        str(PG_BIN / "initdb"),
                        "-D",
                        str(self.data),
                        "-U",
                        DB_USER,
                        "-A",
                        "trust",
                        "-E",
                        "UTF8",
                        "--locale",
                        "C.UTF-8",
                    ]
                ),
                check=True,
                stdout=subprocess.DEVNULL,
            )
        if (self.data / "postmaster.pid").exists():
            self.stop()  # left running by an interrupted benchmark run
        if self.log.exists():
            self.log.unlink()
        # Settings for a 2-core, 24 GiB machine; durability settings left at their defaults.
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
            "-c shared_buffers=1GB -c effective_cache_size=8GB -c work_mem=16MB "
            "-c maintenance_work_mem=512MB -c max_wal_size=4GB -c max_connections=50"
        )
        subprocess.run(
            _as_postgres(
                [
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-o",
                    options,
                    "-l",
                    str(self.log),
                    "-w",
                    "-t",
                    "60",
                    "start",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        if fresh:
            subprocess.run(
                [str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", DB_USER, DB_NAME], check=True
            )
        return self

    def stop(self):
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def version(self):
        out = subprocess.run([str(PG_BIN / "postgres"), "--version"], capture_output=True, text=True)
        return out.stdout.strip()


class Redis:
    def __init__(self):
        self.port = free_port()
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process:
            self.process.terminate()
            self.process.wait(10)
