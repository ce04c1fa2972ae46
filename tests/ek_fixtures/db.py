"""Database fixtures: the ledger on SQLite and on a real PostgreSQL server.

* ``ledger`` / ``db_url``: parametrized over SQLite and PostgreSQL: a test using them runs on both;
* ``sqlite_ledger``: SQLite only, for fast tests elsewhere;
* ``pg_url``: a fresh, empty PostgreSQL schema for this test (dropped afterwards), in a
  database of the session's own.

PostgreSQL comes from ``ESCALATION_KIT_TEST_PG_URL`` (a server URL whose user may CREATE DATABASE),
else a throwaway server is started once per session from the ``initdb``/``pg_ctl`` found on PATH or
under /usr/lib/postgresql/*/bin (as user ``postgres`` when running as root). When neither works,
PostgreSQL tests skip locally and fail under CI=true (see ``require``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import make_url

from ek_fixtures import require
from escalation_kit.ledger import Ledger

__all__ = [
    "PG_URL_ENV",
    "TEST_ACTOR",
    "db_url",
    "ledger",
    "pg_database",
    "pg_server",
    "pg_url",
    "sqlite_ledger",
]

PG_URL_ENV = "ESCALATION_KIT_TEST_PG_URL"
TEST_ACTOR = "test-analyst"
# Read at import (the plugin loads before any test), because the autouse ``clean_environ``
# fixture removes every ESCALATION_KIT_* variable while tests run.
_PG_URL_FROM_ENV = os.environ.get(PG_URL_ENV, "")
_START_TIMEOUT_S = 60


@dataclass(frozen=True)
class PgServer:
    """A reachable PostgreSQL server, or why there is none."""

    admin_url: str  # SQLAlchemy URL of a database to run CREATE/DROP DATABASE from
    problem: str = ""


# -- a throwaway server ------------------------------------------------------------------


def _find_pg_bin() -> Path | None:
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).parent
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    return candidates[-1].parent if candidates else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(argv: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as ``postgres`` then."""
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


def _run(argv: list[str], root: Path) -> None:
    # cwd=root: the server user may not be allowed into the caller's working directory.
    done = subprocess.run(
        _as_server_user(argv),
        capture_output=True,
        text=True,
        timeout=_START_TIMEOUT_S,
        check=False,
        cwd=root,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{Path(argv[0]).name} failed: {(done.stderr or done.stdout).strip()}")


def _prepare_dir(root: Path) -> None:
    if os.geteuid() == 0:
        import pwd

        try:
            user = pwd.getpwnam("postgres")
        except KeyError as err:
            raise RuntimeError("running as root and there is no 'postgres' user") from err
        os.chown(root, user.pw_uid, user.pw_gid)


def _start_server(bindir: Path, root: Path) -> str:
    """initdb + pg_ctl start in ``root``; returns the admin URL."""
    _prepare_dir(root)
    data = root / "data"
    initdb = [str(bindir / "initdb"), "-D", str(data), "-U", "ek", "-A", "trust"]
    _run([*initdb, "-E", "UTF8", "--locale=C", "--no-sync"], root)
    for attempt in range(3):  # the free port may be taken between probing and binding
        port = _free_port()
        options = (
            f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=200"
        )
        pg_ctl = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log")]
        try:
            _run([*pg_ctl, "-o", options, "-w", "-t", str(_START_TIMEOUT_S), "start"], root)
        except RuntimeError:
            if attempt == 2:
                raise
            continue
        break
    return f"postgresql+psycopg://ek@127.0.0.1:{port}/postgres"


def _stop_server(bindir: Path, root: Path) -> None:
    data = root / "data"
    if (data / "postmaster.pid").exists():
        subprocess.run(
            _as_server_user(
                [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
            ),
            capture_output=True,
            timeout=_START_TIMEOUT_S,
            check=False,
            cwd=root,
        )
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The session's PostgreSQL server: from ESCALATION_KIT_TEST_PG_URL, else a throwaway one."""
    if _PG_URL_FROM_ENV:
        url = make_url(_PG_URL_FROM_ENV).set(drivername="postgresql+psycopg")
        yield PgServer(url.render_as_string(hide_password=False))
        return
    bindir = _find_pg_bin()
    if bindir is None:
        missing = (
            "no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin (apt-get install postgresql)"
        )
        yield PgServer("", missing)
        return
    root = Path(tempfile.mkdtemp(prefix="ek-pg-"))
    try:
        admin_url = _start_server(bindir, root)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as err:
        log = root / "server.log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        _stop_server(bindir, root)
        yield PgServer("", f"could not start PostgreSQL from {bindir}: {err} {tail}".strip())
        return
    try:
        yield PgServer(admin_url)
    finally:
        _stop_server(bindir, root)


# -- one schema per test -------------------------------------------------------------------


def _admin_execute(admin_url: str, sql: str) -> None:
    url = make_url(admin_url)
    with psycopg.connect(
        host=url.host,
        port=url.port,
        user=url.username,
        password=url.password,
        dbname=url.database,
        autocommit=True,
        connect_timeout=10,
        options="-c lock_timeout=10s",  # never hang a run on a lock a test left behind
    ) as conn:
        conn.execute(sql.encode())  # our own SQL, built from a uuid


@pytest.fixture(scope="session")
def pg_database(pg_server: PgServer) -> Iterator[str]:
    """A database of the session's own on the server (dropped at the end), as an SQLAlchemy URL."""
    require(bool(pg_server.admin_url), f"PostgreSQL is not available: {pg_server.problem}")
    name = f"ek_test_{uuid.uuid4().hex[:16]}"
    _admin_execute(pg_server.admin_url, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(pg_server.admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        _admin_execute(pg_server.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(pg_database: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL schema for this test (dropped after), as an SQLAlchemy URL.

    The URL sets ``search_path`` to the schema, so the test sees nothing of any other test;
    a schema is created in milliseconds where a database takes most of a second.
    """
    schema = f"ek_{uuid.uuid4().hex[:16]}"
    _admin_execute(pg_database, f'CREATE SCHEMA "{schema}"')
    url = make_url(pg_database).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        # If a connection still holds a lock on it, leave it: the session's database goes last.
        with contextlib.suppress(psycopg.errors.LockNotAvailable):
            _admin_execute(pg_database, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)],
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A ledger URL, once on SQLite (a file in tmp_path) and once on a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def ledger(db_url: str) -> Iterator[Ledger]:
    """A ledger on SQLite and on PostgreSQL: every test using it runs on both."""
    with Ledger(db_url, actor=TEST_ACTOR) as opened:
        yield opened


@pytest.fixture
def sqlite_ledger(tmp_path: Path) -> Iterator[Ledger]:
    """A ledger on an SQLite file in tmp_path: fast, for tests that do not need both backends."""
    with Ledger(f"sqlite:///{tmp_path / 'sqlite-ledger.db'}", actor=TEST_ACTOR) as opened:
        yield opened
