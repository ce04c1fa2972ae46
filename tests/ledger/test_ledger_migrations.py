"""Schema migrations: an older ledger is refused with a clear message and upgraded in place."""

from __future__ import annotations

import json
import threading
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from escalation_kit.cli import app
from escalation_kit.errors import LedgerError
from escalation_kit.escalation.outbox import content_key
from escalation_kit.ledger import Ledger
from escalation_kit.ledger import escalations as sql
from escalation_kit.ledger._engine import normalize_url
from escalation_kit.ledger._version import (
    KNOWN_REVISIONS,
    SCHEMA_REVISION,
    LedgerSchemaError,
    stamp,
)
from escalation_kit.ledger.schema import metadata
from escalation_kit.ledger.upgrade import (
    alembic_config,
    baseline_tables,
    head_revision,
    upgrade,
)

WHEN = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _engine(url: str):  # type: ignore[no-untyped-def]
    return create_engine(normalize_url(url))


def make_baseline_ledger(url: str) -> None:
    """A ledger as escalation-kit 0.1 left it: the frozen DDL, one escalation, one sent note."""
    engine = _engine(url)
    dialect = engine.dialect.name
    stamp_text = WHEN.isoformat(sep=" ") if dialect == "postgresql" else "2026-11-20 09:00:00"
    baseline_tables().create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO escalations (escalation_id, content_key, tracking_tag, category, "
                "severity, status, title, service, region, tenant_id, cluster_id, "
                "service_request_id, created_at, updated_at) VALUES ('ESC-1', 'k1', 'EK-AAAAA', "
                "'service_unavailable', 'moderate', 'open', 'Mail down', 'Exchange Online', "
                "'Europe', 't1', '', '612345', :at, :at)"
            ),
            {"at": stamp_text},
        )
        conn.execute(
            text(
                "INSERT INTO outbox (request_id, service_request_id, escalation_id, kind, body, "
                "state, created_at, applied_at, created_by) VALUES ('r1', '612345', 'ESC-1', "
                "'note', :body, 'applied', :at, :at, 'ana')"
            ),
            {"body": json.dumps({"NewNote": {"Text": "Traces attached"}}), "at": stamp_text},
        )
    engine.dispose()


def test_the_head_revision_is_the_one_the_ledger_checks() -> None:
    assert head_revision() == SCHEMA_REVISION == KNOWN_REVISIONS[-1]


def test_a_baseline_ledger_is_refused_until_upgraded(db_url: str) -> None:
    make_baseline_ledger(db_url)
    with pytest.raises(LedgerSchemaError) as caught:
        Ledger(db_url)
    assert str(caught.value) == (
        f"ledger schema is at 0001, this version needs {SCHEMA_REVISION}: "
        "run `escalation-kit ledger upgrade` (back up the database first)"
    )

    result = CliRunner().invoke(app, ["ledger", "upgrade", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert f"from revision 0001 to {SCHEMA_REVISION}" in result.stdout
    again = CliRunner().invoke(app, ["ledger", "upgrade", "--db", db_url])
    assert again.exit_code == 0 and "already at revision" in again.stdout

    with Ledger(db_url, actor="ana") as ledger, ledger.transaction() as conn:
        (entry,) = sql.list_outbox(conn)
        assert entry.content_key == content_key("note", "Traces attached")
        record = sql.get_escalation(conn, "ESC-1")
        assert record is not None and record.created_at == WHEN and record.status == "open"


def test_the_cli_refuses_an_old_ledger_with_a_clean_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    make_baseline_ledger(url)
    monkeypatch.setenv("ESCALATION_KIT_DB", url)
    result = CliRunner().invoke(app, ["escalations"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ledger schema is at 0001, this version needs")
    assert "Traceback" not in result.output


def test_the_migrations_build_the_schema_the_code_uses(db_url: str) -> None:
    """Every table change in schema.py has its migration (else add a revision)."""
    engine = _engine(db_url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []


def test_a_ledger_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    Ledger(url).close()
    engine = _engine(url)
    with engine.begin() as conn:
        stamp(conn, "9999")
    engine.dispose()
    with pytest.raises(LedgerSchemaError, match="does not know"):
        Ledger(url)
    with pytest.raises(LedgerSchemaError, match="does not know"):
        upgrade(url)


def test_upgrading_an_empty_database_creates_the_schema(db_url: str) -> None:
    report = upgrade(db_url)
    assert (report.before, report.after) == (None, SCHEMA_REVISION)
    Ledger(db_url).close()


@pytest.mark.postgres
def test_processes_starting_together_on_an_empty_database_all_open_it(pg_url: str) -> None:
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def start() -> None:
        barrier.wait()
        try:
            Ledger(pg_url).close()
        except LedgerError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []


@pytest.mark.slow
def test_the_wheel_ships_the_migrations(tmp_path: Path) -> None:
    builders = pytest.importorskip("hatchling.builders.wheel")
    root = Path(__file__).resolve().parents[2]
    (wheel,) = builders.WheelBuilder(str(root)).build(
        directory=str(tmp_path), versions=["standard"]
    )
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    package = "escalation_kit/ledger/migrations/"
    assert {package + "env.py", package + "script.py.mako"} <= names
    shipped = {n for n in names if n.startswith(package + "versions/v")}
    assert len(shipped) == len(KNOWN_REVISIONS)
