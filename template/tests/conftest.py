"""Fixtures for every test directory: a PostgreSQL server for the session, and a new
database on it for a test."""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.fakes import free_port


def _postgres_bin() -> Path | None:
    """The newest Debian PostgreSQL's bin directory, else the one initdb is in on PATH."""
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    found.sort(key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0)
    initdb = found[-1] if found else shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server for this test session: TEST_POSTGRES_URL, or one started here.

    initdb refuses to run as root, so as root the cluster belongs to the
    `postgres` user (Debian's package creates it) and its commands run as that
    user. fsync is off: the cluster is thrown away afterwards.
    """
    if os.environ.get("TEST_POSTGRES_URL"):
        yield os.environ["TEST_POSTGRES_URL"]
        return
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL is not installed (no initdb in /usr/lib/postgresql/*/bin or on PATH): "
            "apt-get install postgresql, or set TEST_POSTGRES_URL"
        )
    owner: dict[str, Any] = {}
    as_root = os.geteuid() == 0
    # As root, a directory the postgres user can reach (TMPDIR may be under /root).
    shared = "/tmp" if as_root else None  # noqa: S108 - mkdtemp makes a private directory in it
    base = Path(tempfile.mkdtemp(prefix="pg-test-", dir=shared))
    if as_root:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(base)
            pytest.skip("running as root and there is no `postgres` user to own the cluster")
        os.chown(base, user.pw_uid, user.pw_gid)
        owner = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
    port = free_port()
    data, log = base / "data", base / "server.log"

    def run(*args: str) -> None:
        done = subprocess.run(
            args, capture_output=True, text=True, timeout=60, check=False, cwd=base, **owner
        )
        if done.returncode != 0:
            pytest.fail(f"{' '.join(args[:2])} failed: {done.stderr or done.stdout}")

    options = f"-h 127.0.0.1 -p {port} -k {base} -F -c synchronous_commit=off"
    try:
        run(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
            "--no-sync", "-E", "UTF8", "--locale=C")  # fmt: skip
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options,
            "-w", "-t", "30", "start")  # fmt: skip
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        finally:
            run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_database(postgres_url: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a new, empty database on the test server, dropped afterwards."""
    name = "test_" + re.sub(r"\W", "_", request.node.name)[-40:].lower()
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
