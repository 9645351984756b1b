"""A throw-away PostgreSQL server for the tests: initdb in a temporary folder, a unix socket, trust auth.

initdb refuses to run as root, so when the tests run as root the server runs
as the ``postgres`` user (Debian's package creates it).  Skips, with the
reason, when PostgreSQL's binaries are missing.
"""

import os
import shutil
import subprocess
import tempfile

from pathlib import Path

import pytest

BIN_DIRS = [Path(f"/usr/lib/postgresql/{v}/bin") for v in (15, 16, 17, 14)]


def _bin_dir():
    for d in BIN_DIRS:
        if (d / "initdb").exists() and (d / "pg_ctl").exists():
            return d
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _as_server_user(cmd):
    if os.geteuid() != 0:
        return cmd
    runuser = shutil.which("runuser")
    if runuser is None:
        pytest.skip("running as root and `runuser` is missing: cannot start PostgreSQL as another user")
    return [runuser, "-u", "postgres", "--", *cmd]


class PostgresServer:
    """``start()`` a server; ``url(name)`` creates a database and gives its SQLAlchemy URL."""

    def __init__(self):
        self.bin = _bin_dir()
        if self.bin is None:
            pytest.skip("PostgreSQL's server binaries (initdb, pg_ctl) are not installed: "
                        "apt-get install postgresql")
        self.dir = Path(tempfile.mkdtemp(prefix="course-pg-"))
        self.data, self.socket = self.dir / "data", self.dir / "socket"
        self.socket.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            shutil.chown(self.socket, "postgres")
        self.port = 5400 + os.getpid() % 500

    def start(self):
        def run(cmd):
            out = subprocess.run(_as_server_user(cmd), capture_output=True, text=True, timeout=120)
            if out.returncode:
                raise RuntimeError(f"{cmd[0]} failed: {out.stderr[-1500:]}")

        run([str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
             "--no-sync", "-E", "UTF8"])
        options = f"-k {self.socket} -p {self.port} -c listen_addresses='' -c fsync=off"
        run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"),
             "-w", "-t", "60", "start"])
        return self

    def url(self, database):
        import sqlalchemy as sa

        admin = sa.create_engine(self._url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as con:
            con.execute(sa.text(f'drop database if exists "{database}"'))
            con.execute(sa.text(f'create database "{database}"'))
        admin.dispose()
        return self._url(database)

    def _url(self, database):
        return f"postgresql+psycopg://postgres@/{database}?host={self.socket}&port={self.port}"

    def stop(self):
        subprocess.run(_as_server_user([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                                        "stop"]), capture_output=True, timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)


